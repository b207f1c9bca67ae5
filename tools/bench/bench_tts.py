"""Text-to-speech benchmark: time to first chunk over gRPC, speed, lip checks and agreement with AnimateClip.

    .venv/bin/python tools/bench/bench_tts.py              # 20 calls per language
    .venv/bin/python tools/bench/bench_tts.py --runs 50

1. Time to first chunk: a real server on a free port; a real client sends Speak with a 10-word
   sentence (English and Mandarin) and times from the call to the first SpeechChunk. p50/p95
   over --runs calls, after 3 untimed warm-ups (5 calls with Festival when it is installed).
2. Speed: synthesis + animation of a paragraph as × real time (audio seconds / wall seconds),
   engine and animation timed apart.
3. Lips: for every bilabial (p, b, m) the smallest lip gap (JawOpen − MouthClose) and the
   largest MouthClose within ±1 frame of the synthesiser's timing; for every open vowel the
   largest JawOpen. Prints the pass rate of each criterion.
4. Agreement: JawOpen (and all mouth curves) from Speak vs AnimateClip on the same audio.
"""
from __future__ import annotations

import argparse
import importlib.util
import time

import grpc
import numpy as np

from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.audio.decode import SAMPLE_RATE, Audio
from fantasy_talking.pipeline import PhoneAnimator, animate_audio
from fantasy_talking.server.app import build_server
from fantasy_talking.server.config import ServerConfig
from fantasy_talking.speech.tts.registry import default_registry
from fantasy_talking.pipeline.speak import plan_speech, speak, whole_utterance
from fantasytalking.v1 import speech_pb2, speech_pb2_grpc

SENTENCES = {
    "en-US": "The quick brown fox jumps over the lazy dog near the river.",
    "zh-CN": "今天天气很好，我们一起去公园散步吧。",
}
PARAGRAPHS = {
    "en-US": ("Peter Piper picked a peck of pickled peppers. Bob bought a big map of Bombay. "
              "My mom made apple pie for the party. The cat sat on the mat and had a nap."),
    "zh-CN": "爸爸妈妈不怕苹果。北京的面包很便宜。我们明天八点在图书馆门口见面吧。",
}
OPEN_VOWELS = ("a", "ɑ", "æ")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def first_chunk_latency(stub, text: str, language: str, runs: int, voice: str = "") -> list[float]:
    times = []
    for run in range(runs + 3):
        started = time.perf_counter()
        first = None
        for response in stub.Speak(speech_pb2.SpeakRequest(text=text, language=language, voice=voice)):
            if first is None and response.WhichOneof("response") == "chunk":
                first = time.perf_counter() - started
        if run >= 3:
            times.append(first * 1000)
    return times


def speed(language: str) -> tuple[float, float, float]:
    """(× real time of synthesis + animation, of synthesis alone, of animation alone) for a paragraph."""
    plan = plan_speech(PARAGRAPHS[language], language)
    started = time.perf_counter()
    audio, _ = whole_utterance(plan, speak(plan))
    total = time.perf_counter() - started
    synth_s = anim_s = 0.0
    animator = PhoneAnimator(plan.options)
    for sentence in plan.sentences:
        t0 = time.perf_counter()
        speech = plan.engine.synthesize(sentence, plan.voice)
        t1 = time.perf_counter()
        animator.animate(speech.phones, speech.audio)
        anim_s += time.perf_counter() - t1
        synth_s += t1 - t0
    return audio.duration_s / total, audio.duration_s / synth_s, audio.duration_s / anim_s


def lip_checks(language: str) -> dict[str, tuple[int, int]]:
    plan = plan_speech(PARAGRAPHS[language], language)
    _, clip = whole_utterance(plan, speak(plan))
    jaw, close = clip.curve("JawOpen"), clip.curve("MouthClose")
    counts = {"bilabial lip gap <= 0.12": [0, 0], "bilabial MouthClose >= 0.5": [0, 0],
              "open vowel JawOpen >= 0.4": [0, 0]}
    for v in clip.visemes:
        lo = max(0, int(np.floor(v.start_s * clip.fps)) - 1)
        hi = min(clip.n_frames, int(np.ceil(v.end_s * clip.fps)) + 2)
        if v.viseme == "PP":
            for key, ok in (("bilabial lip gap <= 0.12", (jaw - close)[lo:hi].min() <= 0.12),
                            ("bilabial MouthClose >= 0.5", close[lo:hi].max() >= 0.5)):
                counts[key][0] += int(ok)
                counts[key][1] += 1
        elif v.phoneme.startswith(OPEN_VOWELS):
            counts["open vowel JawOpen >= 0.4"][0] += int(jaw[lo:hi].max() >= 0.4)
            counts["open vowel JawOpen >= 0.4"][1] += 1
    return {k: (a, b) for k, (a, b) in counts.items()}


def agreement() -> tuple[str, float, float]:
    text = PARAGRAPHS["en-US"]
    plan = plan_speech(text, "en-US")
    audio, clip = whole_utterance(plan, speak(plan))
    transcript = text if importlib.util.find_spec("fantasy_talking.speech.sphinx") else ""
    reference = animate_audio(Audio(audio.samples, SAMPLE_RATE),
                              AnimationOptions(language="en-US", transcript=transcript))
    n = min(clip.n_frames, reference.n_frames)
    jaw = np.corrcoef(clip.curve("JawOpen")[:n], reference.curve("JawOpen")[:n])[0, 1]
    mouth = [i for i, name in enumerate(clip.curve_names) if name.startswith(("Jaw", "Mouth"))]
    all_mouth = np.corrcoef(clip.weights[:n, mouth].ravel(), reference.weights[:n, mouth].ravel())[0, 1]
    return reference.engine, float(jaw), float(all_mouth)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="timed Speak calls per language (default 20)")
    args = parser.parse_args()
    engines = default_registry().engines
    print(f"engines: {', '.join(e.name for e in engines)}")

    running = build_server(ServerConfig(port=0))
    try:
        with grpc.insecure_channel(running.address) as channel:
            stub = speech_pb2_grpc.SpeechServiceStub(channel)
            print("\ntime to first chunk over gRPC (10-word sentence), ms")
            for language, text in SENTENCES.items():
                times = first_chunk_latency(stub, text, language, args.runs)
                print(f"  {language}: p50 {percentile(times, 50):6.1f}  p95 {percentile(times, 95):6.1f}  "
                      f"(n={len(times)})")
            if any(e.name == "festival" for e in engines):
                times = first_chunk_latency(stub, SENTENCES["en-US"], "en-US", 5, voice="kal_diphone")
                print(f"  en-US, Festival kal_diphone: p50 {percentile(times, 50):6.1f}  (n={len(times)})")
    finally:
        running.stop(0).wait()

    print("\nspeed, × real time (audio seconds per wall second)")
    for language in PARAGRAPHS:
        total, synth, anim = speed(language)
        print(f"  {language}: synthesis + animation {total:6.1f}×   synthesis {synth:6.1f}×   animation {anim:6.1f}×")

    print("\nlips within ±1 frame of the synthesiser's phone times")
    for language in PARAGRAPHS:
        for name, (ok, total) in lip_checks(language).items():
            print(f"  {language}: {name:<28} {ok:3d}/{total:<3d}")

    engine, jaw, mouth = agreement()
    print(f"\nSpeak vs AnimateClip ({engine}) on the same audio: JawOpen r = {jaw:.3f}, all mouth curves r = {mouth:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
