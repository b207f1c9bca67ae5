"""The fused engine (acoustic path + PocketSphinx's phone loop as a stream): what it hears, that it
streams like the acoustic engine, and that it works end to end through the CLI and a real gRPC server."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fantasy_talking.animation.fusion import PhoneFusion
from fantasy_talking.animation.options import ENGINE_NAMES, AnimationOptions, Engine
from fantasy_talking.animation.rig import VISEMES
from fantasy_talking.animation.stream import StreamingAnimator
from fantasy_talking.articulation.phone_loop import DELAY_FRAMES, PhoneLoop
from fantasy_talking.audio.decode import SAMPLE_RATE, decode_file
from fantasy_talking.audio.features import HALF, FeatureStream
from fantasy_talking.pipeline import animate_audio

SENTENCE = "We see three green leaves. Who knew you would choose blue shoes too?"
FUSED = AnimationOptions(engine=Engine.FUSED)
ACOUSTIC = AnimationOptions(engine=Engine.ACOUSTIC)


@pytest.fixture(scope="module")
def espeak():
    from fantasy_talking.speech.tts.espeak import EspeakEngine

    try:
        return EspeakEngine()
    except OSError as exc:
        pytest.skip(f"libespeak-ng is not installed (tools/setup.sh installs it): {exc}")


@pytest.fixture(scope="module")
def synthesis(espeak):
    """English speech with its exact phones (a sentence no training run used)."""
    return espeak.synthesize(SENTENCE, "en-US+f3", sample_rate=SAMPLE_RATE)


def stream(samples: np.ndarray, options: AnimationOptions, sizes: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Push `samples` in chunks of the given sizes; the weights and how many frames each push released."""
    animator = StreamingAnimator(options)
    frames, released, start = [], [], 0
    for size in sizes:
        out = animator.push(samples[start:start + size])
        frames += out.frames
        released.append(len(out.frames))
        start += size
    frames += animator.finish().frames
    return np.array([f.weights for f in frames]), released


def loop_visemes(samples: np.ndarray, chunk: int) -> np.ndarray:
    """The phone loop's viseme per feature frame, fed in chunks as StreamingAnimator feeds it."""
    features_stream, loop, rows = FeatureStream(), PhoneLoop(), []
    padded = np.concatenate([samples, np.zeros(HALF, np.float32)])
    for start in range(0, len(padded), chunk):
        piece = padded[start:start + chunk]
        rows.append(loop.push(piece, features_stream.push(piece)))
    return np.concatenate(rows).argmax(axis=1)


def test_the_phone_loop_hears_the_visemes_of_speech(synthesis):
    """Frame accuracy over speech against the synthesiser's own phones (delayed by the loop's
    DELAY_FRAMES: a frame's phone is named 40 ms later), far above chance (1/15); /i/ and /u/
    get lip shapes of their own."""
    visemes = loop_visemes(synthesis.audio.samples, 480)
    times = (np.arange(len(visemes)) - DELAY_FRAMES) / 100.0
    truth = np.full(len(visemes), -1)
    for p in synthesis.phones:
        truth[(times >= p.start_s) & (times < p.end_s)] = VISEMES.index(p.viseme)
    speech = truth > 0
    accuracy = float(np.mean(visemes[speech] == truth[speech]))
    assert accuracy > 0.3, accuracy
    spread = np.isin(visemes, [VISEMES.index(v) for v in ("I", "E", "SS")])
    rounded = np.isin(visemes, [VISEMES.index(v) for v in ("U", "O", "CH", "RR")])
    on_i, on_u = truth == VISEMES.index("I"), truth == VISEMES.index("U")
    assert spread[on_i].mean() > spread[on_u].mean() + 0.2
    assert rounded[on_u].mean() > rounded[on_i].mean() + 0.2


def test_the_phone_loop_is_chunking_invariant_and_restarts_like_new(synthesis):
    samples = synthesis.audio.samples
    np.testing.assert_array_equal(loop_visemes(samples, 160), loop_visemes(samples, 7777))
    loop, features_stream = PhoneLoop(), FeatureStream()
    loop.push(samples[:20_000], features_stream.push(samples[:20_000]))
    loop.restart()
    features_stream = FeatureStream()
    padded = np.concatenate([samples, np.zeros(HALF, np.float32)])
    again = loop.push(padded, features_stream.push(padded)).argmax(axis=1)
    np.testing.assert_array_equal(again, loop_visemes(samples, len(padded)))


def test_fused_lip_shape_follows_the_phones(synthesis):
    """On /i/ the fused engine spreads the lips more than on /u/, and puckers them less."""
    clip = animate_audio(synthesis.audio, AnimationOptions(engine=Engine.FUSED, fps=100))
    times = clip.times
    spread = 0.5 * (clip.curve("MouthStretchLeft") + clip.curve("MouthStretchRight")
                    + clip.curve("MouthSmileLeft") + clip.curve("MouthSmileRight"))
    pucker = clip.curve("MouthPucker")

    def mean_over(viseme: str, curve: np.ndarray) -> float:
        mask = np.zeros(len(times), bool)
        for p in synthesis.phones:
            if p.viseme == viseme:
                mask |= (times >= p.start_s) & (times < p.end_s)
        return float(curve[mask].mean())

    assert mean_over("I", spread) > mean_over("U", spread)
    assert mean_over("U", pucker) > mean_over("I", pucker)


def test_the_fused_opening_reads_the_heard_phone(synthesis, monkeypatch):
    """The fused engine's learned opening has a phone half: a weight per viseme moves the jaw on the
    frames where that viseme is heard. Here a half that opens /i/ and shuts /u/ pulls the jaw apart
    on those phones against the same engine without it."""
    from fantasy_talking.articulation.acoustic import AcousticArticulation
    from fantasy_talking.articulation.opening_model import PhoneOpening

    def jaw_gap() -> float:
        clip = animate_audio(synthesis.audio, AnimationOptions(engine=Engine.FUSED, fps=100))
        jaw = clip.curve("JawOpen")

        def mean_over(viseme: str) -> float:
            mask = np.zeros(len(clip.times), bool)
            for p in synthesis.phones:
                if p.viseme == viseme:
                    mask |= (clip.times >= p.start_s) & (clip.times < p.end_s)
            return float(jaw[mask].mean())

        return mean_over("I") - mean_over("U")

    assert AcousticArticulation.PHONE_MODEL is not None   # shipped, fitted with the other halves
    monkeypatch.setattr(AcousticArticulation, "PHONE_MODEL", None)
    without = jaw_gap()
    weights = [3.0 if v == "I" else -3.0 if v == "U" else 0.0 for v in VISEMES]
    monkeypatch.setattr(AcousticArticulation, "PHONE_MODEL", PhoneOpening(tuple(weights)))
    assert jaw_gap() > without + 0.05


def test_streaming_equals_offline_and_releases_frames_like_the_acoustic_engine(synthesis):
    samples = synthesis.audio.samples
    whole = animate_audio(synthesis.audio, FUSED)
    assert whole.engine == "fused"
    sizes = np.random.default_rng(5).integers(1, 2400, size=len(samples) // 600)
    sizes = np.append(sizes, max(0, len(samples) - int(sizes.sum())))
    streamed, released = stream(samples, FUSED, sizes)
    np.testing.assert_array_equal(streamed, whole.weights)
    # Same look-ahead: after every push the fused engine has released exactly as many frames.
    _, released_acoustic = stream(samples, ACOUSTIC, sizes)
    assert released == released_acoustic
    assert not np.array_equal(whole.weights, animate_audio(synthesis.audio, ACOUSTIC).weights)


def test_output_is_deterministic(synthesis):
    first = animate_audio(synthesis.audio, FUSED).weights
    again = animate_audio(synthesis.audio, FUSED).weights
    np.testing.assert_array_equal(first, again)


def test_without_speech_the_fused_engine_is_the_acoustic_engine():
    """The phone path only shapes speech: noise and silence leave the mouth to the speech gate."""
    rng = np.random.default_rng(0)
    noise = np.concatenate([np.zeros(SAMPLE_RATE // 2), 0.05 * rng.standard_normal(2 * SAMPLE_RATE)]).astype(np.float32)
    from fantasy_talking.audio.decode import Audio

    audio = Audio(noise, SAMPLE_RATE)
    np.testing.assert_array_equal(animate_audio(audio, FUSED).weights, animate_audio(audio, ACOUSTIC).weights)


def test_weights_are_read_at_call_time(monkeypatch):
    """LOCO (tools/eval/loco.py FUSION_TUNED) varies the class constants; the engine must see them."""
    monkeypatch.setattr(PhoneFusion, "W_SHAPE", 0.25)
    monkeypatch.setattr(PhoneFusion, "W_OPEN", 0.5)
    w = PhoneFusion.__new__(PhoneFusion).weights()
    assert w[0] == 0.5 and w[2] == 0.25


def test_cli_animate_engine_fused(tmp_path, espeak, synthesis):
    assert ENGINE_NAMES["fused"] is Engine.FUSED
    wav = tmp_path / "speech.wav"
    pcm = (np.clip(synthesis.audio.samples, -1, 1) * 32767).astype("<i2")
    import wave

    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    script = Path(sys.executable).with_name("ftalk")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fantasy_talking.cli.main"]
    outputs = {}
    for engine in ("fused", "acoustic"):
        result = subprocess.run([*command, "animate", str(wav), "--engine", engine,
                                 "-o", str(tmp_path / engine)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs[engine] = json.loads((tmp_path / f"{engine}.json").read_text())
    assert outputs["fused"]["engine"] == "fused" and outputs["acoustic"]["engine"] == "acoustic"
    assert len(outputs["fused"]["frames"]) == len(outputs["acoustic"]["frames"]) > 60
    bad = subprocess.run([*command, "animate", str(wav), "--engine", "fusion", "-o", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "fused" in bad.stderr


def test_interrupt_keeps_the_stream_going():
    """An interrupt restarts the phone loop on the new clock; frames keep coming, times keep rising."""
    rng = np.random.default_rng(2)
    audio = (0.1 * rng.standard_normal(SAMPLE_RATE)).astype(np.float32)
    animator = StreamingAnimator(FUSED)
    frames = animator.push(audio).frames + animator.interrupt().frames
    frames += animator.push(audio).frames + animator.finish().frames
    times = [f.time_s for f in frames]
    assert len(frames) > 60 and times == sorted(times)


def test_grpc_clip_and_stream_with_the_fused_engine(synthesis):
    """A real server on a free port: AnimateClip and StreamAnimation with SPEECH_ENGINE_FUSED agree,
    the header names the engine, and ServerInfo lists it as streaming."""
    from fantasy_talking.server.app import build_server
    from fantasy_talking.server.client import open_channel
    from fantasy_talking.server.config import ServerConfig
    from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2, info_pb2, info_pb2_grpc

    fmt = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=SAMPLE_RATE, channels=1)
    options = common_pb2.AnimationOptions(fps=30, engine=common_pb2.SPEECH_ENGINE_FUSED)
    pcm = synthesis.audio.samples.astype("<f4")
    server = build_server(ServerConfig(port=0, max_concurrent_streams=2, max_clip_seconds=20.0))
    try:
        with open_channel(server.address) as channel:
            stub = animation_pb2_grpc.AnimationServiceStub(channel)
            clip = stub.AnimateClip(animation_pb2.AnimateClipRequest(
                pcm=animation_pb2.RawAudio(format=fmt, data=pcm.tobytes()), options=options))
            assert clip.header.engine == "fused"
            Req = animation_pb2.StreamAnimationRequest
            pieces = np.array_split(pcm, 37)
            requests = [Req(config=animation_pb2.StreamConfig(audio_format=fmt, idle_after_ms=10_000, options=options))]
            requests += [Req(audio=p.tobytes()) for p in pieces] + [Req(end=animation_pb2.EndOfAudio())]
            header, frames = None, []
            for response in stub.StreamAnimation(iter(requests)):
                kind = response.WhichOneof("response")
                if kind == "header":
                    header = response.header
                elif kind == "frame":
                    frames.append(response.frame)
            assert header.engine == "fused"
            assert len(frames) == len(clip.frames) > 60
            np.testing.assert_allclose([f.blendshapes for f in frames], [f.blendshapes for f in clip.frames],
                                       atol=1e-6)
            info = info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(info_pb2.GetServerInfoRequest())
            engines = {e.name: e for e in info.engines}
            assert engines["fused"].streaming and list(engines["fused"].languages) == ["*"]
    finally:
        server.stop(0).wait()


def test_the_real_english_clip_streams_too():
    """A real recording (shared sample) through the fused engine, streamed in 20 ms chunks."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "audio" / "en_female_neutral_13s.wav"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared samples are not checked out here)")
    audio = decode_file(path)
    whole = animate_audio(audio, FUSED)
    sizes = np.full(len(audio.samples) // 320 + 1, 320)
    streamed, _ = stream(audio.samples, FUSED, sizes)
    np.testing.assert_array_equal(streamed, whole.weights)
