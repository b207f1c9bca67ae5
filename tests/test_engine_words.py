"""The words engine (acoustic path + lips sealed on the bilabials of the clip's words): the seal
itself, the words it hears, that the lips meet on /p b m/ and nowhere else changes, and that it
works end to end through the CLI and a real gRPC server (clips only)."""
from __future__ import annotations

import json
import subprocess
import sys
import wave
from pathlib import Path

import grpc
import numpy as np
import pytest

from fantasy_talking.animation.lip_seal import BilabialSeal, seal_lips
from fantasy_talking.animation.options import ENGINE_NAMES, AnimationOptions, Engine
from fantasy_talking.articulation.articulators import A, N_ARTICULATORS
from fantasy_talking.audio.decode import SAMPLE_RATE, Audio, decode_file
from fantasy_talking.pipeline import animate_audio
from fantasy_talking.speech import sphinx
from fantasy_talking.speech.phonemes import PhoneSegment

SENTENCE = "My mother bought a pair of boots in the market by the bay."
IPA_BILABIALS = ("p", "b", "m")   # espeak-ng names its phones in IPA
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


@pytest.fixture(scope="module")
def synthesis():
    from fantasy_talking.speech.tts.espeak import EspeakEngine

    try:
        engine = EspeakEngine()
    except OSError as exc:
        pytest.skip(f"libespeak-ng is not installed (tools/setup.sh installs it): {exc}")
    return engine.synthesize(SENTENCE, "en-US+m3", sample_rate=SAMPLE_RATE)


def aperture(clip) -> np.ndarray:
    return clip.curve("JawOpen") - clip.curve("MouthClose") + 0.3 * clip.curve("MouthFunnel")


def segment(phone: str, start: float, end: float) -> PhoneSegment:
    return PhoneSegment(phone, start, end, "PP" if phone in "PBM" else "aa")


def test_the_seal_weight_is_the_share_of_the_frame_inside_a_bilabial():
    seal = BilabialSeal([segment("AA", 0.0, 0.1), segment("M", 0.1, 0.2), segment("B", 0.2, 0.25),
                         segment("AA", 0.25, 0.6), segment("P", 0.6, 0.61), segment("T", 0.61, 0.7)])
    assert seal.spans.tolist() == [[0.1, 0.25], [0.6, 0.61]]   # touching bilabials are one closure
    weights = seal.weights(np.arange(0.0, 0.7, 0.05), 0.05)
    np.testing.assert_allclose(weights, [0, 0, 0.5, 1, 1, 0.5, 0, 0, 0, 0, 0, 0, 0.2, 0], atol=1e-9)
    assert not BilabialSeal([segment("AA", 0.0, 1.0)]).weights(np.arange(10) / 30, 1 / 30).any()
    assert len(BilabialSeal([])) == 0


def test_a_long_clip_costs_one_search_per_frame():
    """Ten minutes of phones at 30 fps: no frames x spans matrix (it would be 18 000 x 6 000)."""
    phones = [segment("M" if k % 2 else "AA", 0.05 * k, 0.05 * (k + 1)) for k in range(12_000)]
    seal = BilabialSeal(phones)
    weights = seal.weights(np.arange(18_000) / 30, 1 / 30)
    assert len(seal) == 6_000 and abs(weights.mean() - 0.5) < 0.01


def test_the_lips_meet_on_the_bilabials_and_nowhere_else():
    """The seal replaces the acoustic rules' guess: full on a bilabial, none between them, and what
    holds the lips apart gives way by the same weight."""
    rng = np.random.default_rng(0)
    articulators = rng.uniform(0.2, 1, (5, N_ARTICULATORS)).astype(np.float32)
    weights = np.array([0.0, 0.25, 0.5, 1.0, 0.0])
    sealed = seal_lips(articulators, weights)
    assert sealed.dtype == articulators.dtype
    np.testing.assert_allclose(sealed[:, A["close"]], weights, rtol=1e-6)
    for name in ("funnel", "tuck", "teeth"):
        np.testing.assert_allclose(sealed[:, A[name]], articulators[:, A[name]] * (1 - weights), rtol=1e-6)
    for name in ("open", "round", "spread", "tongue_tip"):
        np.testing.assert_array_equal(sealed[:, A[name]], articulators[:, A[name]])
    others = [i for i in range(N_ARTICULATORS) if i != A["close"]]
    np.testing.assert_array_equal(sealed[[0, 4]][:, others], articulators[[0, 4]][:, others])


def test_the_words_engine_seals_the_lips_on_the_transcripts_bilabials(synthesis, monkeypatch):
    """With an English transcript the words are aligned, not recognised: the lips meet on the
    synthesiser's own /p b m/ and nowhere else, and the jaw hears the words' visemes (the words
    read-out's phone half): lower than the acoustic engine's on /p b m/ and /f v/, higher on open vowels."""
    monkeypatch.setattr(sphinx, "recognize_words", lambda *a, **k: pytest.fail("a transcript was given"))
    options = dict(fps=100, language="en-US", transcript=SENTENCE)
    words = animate_audio(synthesis.audio, AnimationOptions(engine=Engine.WORDS, **options))
    acoustic = animate_audio(synthesis.audio, AnimationOptions(engine=Engine.ACOUSTIC, **options))
    assert words.engine == "words" and words.weights.shape == acoustic.weights.shape
    truth = [p for p in synthesis.phones if p.phone in IPA_BILABIALS]
    centres = np.round([100 * (p.start_s + p.end_s) / 2 for p in truth]).astype(int)
    closed = aperture(words)[centres] < 0.05
    assert closed.mean() >= 0.75, closed               # the alignment finds (nearly) every one
    change = words.curve("JawOpen") - acoustic.curve("JawOpen")
    shift = {}
    for name, visemes in (("closed", ("PP", "FF")), ("open", ("aa", "E"))):
        frames = [int(round(100 * (p.start_s + p.end_s) / 2)) for p in synthesis.phones if p.viseme in visemes]
        shift[name] = float(np.mean(change[frames]))
    assert shift["closed"] < -0.02 and shift["open"] > 0.02, shift
    sealed = BilabialSeal(sphinx.align_phones(synthesis.audio, SENTENCE)).weights(words.times, 0.01) > 0
    assert 0.05 < sealed.mean() < 0.4
    assert not words.curve("MouthClose")[~sealed].any()
    assert acoustic.curve("MouthClose")[~sealed].any()   # the rules alone would have closed there too


def test_words_are_recognised_without_a_transcript(synthesis):
    """The en-US language model hears words in speech (a synthetic voice is hard for it, so only
    some), nothing in silence, and the same words every time."""
    words = sphinx.recognize_words(synthesis.audio)
    assert len(words) >= 5 and {"my", "mother"} <= set(words)
    assert sphinx.recognize_words(synthesis.audio) == words
    silence = Audio(np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE)
    assert sphinx.recognize_words(silence) == []
    phones = sphinx.word_phones(silence)
    assert [p.phone for p in phones] == ["sil"] and phones[-1].end_s == pytest.approx(1.0)


def test_progress_covers_the_recognition_and_the_animation(synthesis):
    seen: list[float] = []
    animate_audio(synthesis.audio, AnimationOptions(engine=Engine.WORDS), progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert any(0 < f <= 0.8 for f in seen[:2])   # recognition reports before the animation starts


def test_real_speech_words_and_closures():
    """A real recording (shared sample): its words are recognised, and the words engine seals the
    lips in a few per cent of the speech, each time on a recognised bilabial."""
    path = SHARED / "video" / "talking_man_frontal_15s.mp4"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared samples are not checked out here)")
    audio = decode_file(path)
    words = sphinx.recognize_words(audio)
    assert {"teachers", "students", "education"} <= set(words), words
    clip = animate_audio(audio, AnimationOptions(engine=Engine.WORDS))
    jaw = clip.curve("JawOpen")
    sealed = (clip.curve("MouthClose") >= 0.99 * jaw) & (jaw > 0.02)
    assert 0.01 < sealed[jaw > 0.02].mean() < 0.2
    on_bilabial = BilabialSeal(sphinx.word_phones(audio)).weights(clip.times, 1 / clip.fps) > 0
    assert on_bilabial[sealed].all()


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def test_cli_animate_engine_words(tmp_path, synthesis):
    assert ENGINE_NAMES["words"] is Engine.WORDS
    wav = tmp_path / "speech.wav"
    write_wav(wav, synthesis.audio.samples)
    script = Path(sys.executable).with_name("ftalk")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fantasy_talking.cli.main"]
    result = subprocess.run([*command, "animate", str(wav), "--engine", "words", "-o", str(tmp_path / "words")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads((tmp_path / "words.json").read_text())
    assert out["engine"] == "words" and len(out["frames"]) > 60


def test_grpc_clip_with_the_words_engine_and_no_stream(synthesis):
    """A real server on a free port: AnimateClip with SPEECH_ENGINE_WORDS names the engine;
    StreamAnimation refuses it with INVALID_ARGUMENT (it needs the whole clip) and the server
    goes on serving; ServerInfo lists it as clips only."""
    from fantasy_talking.server.app import build_server
    from fantasy_talking.server.client import open_channel
    from fantasy_talking.server.config import ServerConfig
    from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2, info_pb2, info_pb2_grpc

    fmt = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=SAMPLE_RATE, channels=1)
    options = common_pb2.AnimationOptions(fps=30, engine=common_pb2.SPEECH_ENGINE_WORDS)
    pcm = synthesis.audio.samples.astype("<f4")
    server = build_server(ServerConfig(port=0, max_concurrent_streams=2, max_clip_seconds=20.0))
    try:
        with open_channel(server.address) as channel:
            stub = animation_pb2_grpc.AnimationServiceStub(channel)
            request = animation_pb2.AnimateClipRequest(pcm=animation_pb2.RawAudio(format=fmt, data=pcm.tobytes()),
                                                       options=options)
            clip = stub.AnimateClip(request)
            assert clip.header.engine == "words" and len(clip.frames) > 60
            Req = animation_pb2.StreamAnimationRequest
            requests = [Req(config=animation_pb2.StreamConfig(audio_format=fmt, options=options)),
                        Req(audio=pcm[:3200].tobytes()), Req(end=animation_pb2.EndOfAudio())]
            with pytest.raises(grpc.RpcError) as refused:
                list(stub.StreamAnimation(iter(requests)))
            assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "whole clip" in refused.value.details()
            assert stub.AnimateClip(request).header.engine == "words"
            info = info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(info_pb2.GetServerInfoRequest())
            engines = {e.name: e for e in info.engines}
            assert not engines["words"].streaming
    finally:
        server.stop(0).wait()


def test_known_phones_are_one_hot_visemes_on_the_feature_clock():
    from fantasy_talking.articulation.known_phones import KnownPhones
    from fantasy_talking.speech.phonemes import VISEMES

    known = KnownPhones([segment("M", 0.10, 0.20), segment("AA", 0.20, 0.35)])
    names = [VISEMES[i] for i in known.posteriors(0.0, 0, 40).argmax(axis=1)]
    assert names[:10] == ["sil"] * 10 and names[10:20] == ["PP"] * 10 and names[20:35] == ["aa"] * 15
    assert names[35:] == ["sil"] * 5
    later = known.posteriors(0.05, 3, 10)    # a track that starts at 0.05 s, from its frame 3 (0.08 s)
    assert [VISEMES[i] for i in later.argmax(axis=1)] == ["sil"] * 2 + ["PP"] * 8
    assert (KnownPhones([]).posteriors(0.0, 0, 3).argmax(axis=1) == 0).all()


def test_the_words_engine_streams_its_known_phones_chunk_by_chunk(synthesis):
    """Fed in odd chunks, the words engine gives the whole clip's frames bit for bit."""
    from fantasy_talking.animation.stream import StreamingAnimator

    options = AnimationOptions(engine=Engine.WORDS, language="en-US", transcript=SENTENCE)
    whole = animate_audio(synthesis.audio, options)
    phones = sphinx.align_phones(synthesis.audio, SENTENCE)
    animator, frames, start = StreamingAnimator(options, phones), [], 0
    samples = synthesis.audio.samples
    for size in np.random.default_rng(4).integers(100, 9000, 200):
        frames += animator.push(samples[start:start + size]).frames
        start += size
        if start >= len(samples):
            break
    frames += animator.finish().frames
    np.testing.assert_array_equal(np.array([f.weights for f in frames]), whole.weights)
