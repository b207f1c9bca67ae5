"""Hostile and careless input on a real server: resampling, sample range, transcripts, images,
malformed protobuf. Each was a defect found by trying the service as a hostile client would."""
from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import wave
from pathlib import Path

import av
import grpc
import numpy as np
import pytest
from PIL import Image

from fantasy_talking.pipeline import MAX_TRANSCRIPT_CHARS_PER_SECOND, MAX_TRANSCRIPT_WORDS_PER_SECOND
from fantasy_talking.server import request_guard
from fantasy_talking.server.app import build_server
from fantasy_talking.server.client import open_channel
from fantasy_talking.server.config import ServerConfig
from fantasytalking.v1 import (
    animation_pb2, animation_pb2_grpc, common_pb2, head_pb2, head_pb2_grpc, info_pb2, info_pb2_grpc,
    speech_pb2, speech_pb2_grpc,
)

Req = animation_pb2.StreamAnimationRequest
S16, F32 = common_pb2.AUDIO_ENCODING_PCM_S16LE, common_pb2.AUDIO_ENCODING_PCM_F32LE
RATES = (8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000)
TEXT = "Maybe the bold moon will pop up. Please, be calm."


@pytest.fixture(scope="module")
def server():
    running = build_server(ServerConfig(port=0, max_concurrent_streams=8, max_clip_seconds=60))
    yield running
    running.stop(0).wait()


@pytest.fixture(scope="module")
def stub(server):
    with open_channel(server.address) as channel:
        yield animation_pb2_grpc.AnimationServiceStub(channel)


@pytest.fixture(scope="module")
def espeak_22k() -> np.ndarray:
    """espeak-ng speech at its own 22.05 kHz, as float samples (no resampling involved)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (tools/setup.sh installs it)")
    wav = subprocess.run(["espeak-ng", "--stdout", TEXT], capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(wav)) as w:
        assert w.getframerate() == 22_050
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float32) / 32768


def at_rate(x_22k: np.ndarray, rate: int) -> np.ndarray:
    """The same speech at `rate`, by linear interpolation (test data only; no product resampler)."""
    t = np.arange(int(len(x_22k) * rate / 22_050)) * 22_050 / rate
    return np.interp(t, np.arange(len(x_22k)), x_22k).astype(np.float32)


def pcm_bytes(x: np.ndarray, encoding: int, channels: int) -> bytes:
    frames = np.repeat(x[:, None], channels, axis=1) if channels == 2 else x
    if encoding == S16:
        return (np.clip(frames, -1, 1) * 32767).round().astype("<i2").tobytes()
    return frames.astype("<f4").tobytes()


def wav_file(x: np.ndarray, rate: int, encoding: int, channels: int) -> bytes:
    """A real WAV file of the same samples, written by FFmpeg's own muxer."""
    buf = io.BytesIO()
    codec, fmt = ("pcm_s16le", "s16") if encoding == S16 else ("pcm_f32le", "flt")
    layout = "stereo" if channels == 2 else "mono"
    data = np.frombuffer(pcm_bytes(x, encoding, channels), "<i2" if encoding == S16 else "<f4")
    with av.open(buf, "w", format="wav") as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(data.reshape(1, -1), format=fmt, layout=layout)
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buf.getvalue()


def collect(responses) -> dict:
    out = {"header": None, "frame": [], "viseme": [], "status": None}
    for response in responses:
        kind = response.WhichOneof("response")
        if kind in ("header", "status"):
            out[kind] = getattr(response, kind)
        else:
            out[kind].append(getattr(response, kind))
    return out


def curves(frames) -> np.ndarray:
    return np.array([[*f.blendshapes, *f.angles, *(v for q in f.joints for v in (q.x, q.y, q.z, q.w))]
                     for f in frames])


# ---------------------------------------------------------------- one resampler for every path

@pytest.mark.parametrize("rate, encoding, channels", [
    *[(rate, S16, 1) for rate in RATES], (44_100, S16, 2), (24_000, F32, 1), (48_000, F32, 2), (8_000, F32, 2),
], ids=lambda v: str(v))
def test_stream_clip_and_file_give_the_same_curves_at_every_rate(stub, espeak_22k, rate, encoding, channels):
    """StreamAnimation (cut at random), AnimateClip with raw PCM and AnimateClip with a WAV file of the
    same samples go through one resampler, so they give the same curves (they differed by 0.007)."""
    x = at_rate(espeak_22k, rate)
    data = pcm_bytes(x, encoding, channels)
    fmt = common_pb2.AudioFormat(encoding=encoding, sample_rate_hz=rate, channels=channels)
    options = common_pb2.AnimationOptions(seed=3)
    clip = stub.AnimateClip(animation_pb2.AnimateClipRequest(pcm=animation_pb2.RawAudio(format=fmt, data=data),
                                                             options=options))
    from_file = stub.AnimateClip(animation_pb2.AnimateClipRequest(file=wav_file(x, rate, encoding, channels),
                                                                  options=options))
    width = (2 if encoding == S16 else 4) * channels
    rng = np.random.default_rng(rate)
    cuts = np.sort(rng.choice(np.arange(1, len(data) // width), size=30, replace=False)) * width
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]
    streamed = collect(stub.StreamAnimation(iter(
        [Req(config=animation_pb2.StreamConfig(audio_format=fmt, options=options, idle_after_ms=10_000)),
         *[Req(audio=p) for p in pieces], Req(end=animation_pb2.EndOfAudio())])))
    assert len(clip.frames) == len(from_file.frames) == len(streamed["frame"]) > 60
    np.testing.assert_allclose(curves(streamed["frame"]), curves(clip.frames), atol=1e-6)
    np.testing.assert_allclose(curves(from_file.frames), curves(clip.frames), atol=1e-6)
    assert [v.viseme for v in streamed["viseme"]] == [v.viseme for v in clip.visemes]


# ---------------------------------------------------------------- sample range: NaN never leaves

def assert_all_finite(frames, visemes=(), *numbers) -> None:
    assert frames
    values = curves(frames)
    assert np.isfinite(values).all(), "a curve, joint or angle is not finite"
    assert np.isfinite([f.time_s for f in frames]).all()
    assert np.isfinite([[v.start_s, v.end_s] for v in visemes] or [0.0]).all()
    assert np.isfinite(numbers).all()


HUGE = [1e19, -1e19, 3.0e38, -3.4e38, float(np.finfo(np.float32).max)]


@pytest.mark.parametrize("scale", [1e19, 1e30, 3e38 / 0.9])
def test_huge_float_samples_are_clipped_and_never_give_nan(stub, espeak_22k, scale):
    x = at_rate(espeak_22k, 16_000)[:32_000]
    samples = np.clip(x.astype(np.float64) * scale, -3.4e38, 3.4e38).astype("<f4")
    samples[::997] = np.array(HUGE, "<f4")[np.arange(len(samples[::997])) % len(HUGE)]
    assert np.isfinite(samples).all()
    fmt = common_pb2.AudioFormat(encoding=F32, sample_rate_hz=16_000, channels=1)
    fmt_48k = common_pb2.AudioFormat(encoding=F32, sample_rate_hz=48_000, channels=1)
    clip = stub.AnimateClip(animation_pb2.AnimateClipRequest(
        pcm=animation_pb2.RawAudio(format=fmt, data=samples.tobytes())))
    assert_all_finite(clip.frames, clip.visemes, clip.duration_s)
    resampled = stub.AnimateClip(animation_pb2.AnimateClipRequest(
        pcm=animation_pb2.RawAudio(format=fmt_48k, data=np.repeat(samples, 3).tobytes())))
    assert_all_finite(resampled.frames, resampled.visemes, resampled.duration_s)
    from_file = stub.AnimateClip(animation_pb2.AnimateClipRequest(file=wav_file(samples, 16_000, F32, 1)))
    assert_all_finite(from_file.frames, from_file.visemes, from_file.duration_s)
    streamed = collect(stub.StreamAnimation(iter(
        [Req(config=animation_pb2.StreamConfig(audio_format=fmt_48k, idle_after_ms=10_000)),
         *[Req(audio=np.repeat(samples[i:i + 320], 3).tobytes()) for i in range(0, len(samples), 320)],
         Req(end=animation_pb2.EndOfAudio())])))
    assert_all_finite(streamed["frame"], streamed["viseme"], streamed["status"].audio_seconds)
    # Clipping at full scale is what the docs promise: the curves equal those of ±1 samples.
    clipped = stub.AnimateClip(animation_pb2.AnimateClipRequest(
        pcm=animation_pb2.RawAudio(format=fmt, data=np.clip(samples, -1, 1).astype("<f4").tobytes())))
    np.testing.assert_array_equal(curves(clip.frames), curves(clipped.frames))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_samples_are_invalid_argument_on_every_path(stub, bad):
    samples = np.zeros(16_000, "<f4")
    samples[5000] = bad
    fmt = common_pb2.AudioFormat(encoding=F32, sample_rate_hz=16_000, channels=1)
    calls = [
        lambda: stub.AnimateClip(animation_pb2.AnimateClipRequest(
            pcm=animation_pb2.RawAudio(format=fmt, data=samples.tobytes()))),
        lambda: stub.AnimateClip(animation_pb2.AnimateClipRequest(file=wav_file(samples, 16_000, F32, 1))),
        lambda: collect(stub.StreamAnimation(iter([Req(config=animation_pb2.StreamConfig(audio_format=fmt)),
                                                   Req(audio=samples.tobytes())]))),
    ]
    for call in calls:
        with pytest.raises(grpc.RpcError) as caught:
            call()
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "NaN or infinite" in caught.value.details()


# ---------------------------------------------------------------- transcript bounds

def _rss_mb() -> float:
    return int(re.search(r"VmRSS:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024


def test_transcripts_longer_than_the_audio_can_hold_are_invalid_argument(stub, espeak_22k):
    pytest.importorskip("fantasy_talking.speech.sphinx", reason="the phonetic engine is not installed")
    x = at_rate(espeak_22k, 16_000)
    seconds = len(x) / 16_000
    pcm = animation_pb2.RawAudio(format=common_pb2.AudioFormat(encoding=F32, sample_rate_hz=16_000, channels=1),
                                 data=x.astype("<f4").tobytes())

    def animate(transcript: str):
        return stub.AnimateClip(animation_pb2.AnimateClipRequest(pcm=pcm, options=common_pb2.AnimationOptions(
            language="en-US", transcript=transcript, engine=common_pb2.SPEECH_ENGINE_PHONETIC)))

    for transcript, needle in [("word " * 200_000, "characters"),                 # the 1 MB of the report
                               ("a " * int(MAX_TRANSCRIPT_WORDS_PER_SECOND * seconds + 2), "words")]:
        with pytest.raises(grpc.RpcError) as caught:
            animate(transcript)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert needle in caught.value.details() and "send the words actually spoken" in caught.value.details()
    # The worst legal case: as many words as allowed, within the character bound.
    words = int(MAX_TRANSCRIPT_WORDS_PER_SECOND * seconds)
    worst = " ".join((["bold", "moon", "calm", "pop"] * words)[:words])
    assert len(worst) <= MAX_TRANSCRIPT_CHARS_PER_SECOND * seconds
    sizes = []
    for _ in range(6):
        answer = animate(worst)
        assert answer.header.engine == "phonetic" and len(answer.frames) > 60
        sizes.append(_rss_mb())
    print("RSS after each worst-case call, MiB:", [round(s) for s in sizes])
    # The first calls load the models and warm the worker threads' heaps; after that a worst case
    # leaves nothing behind.
    assert sizes[-1] - sizes[2] < 16, f"memory kept growing with each worst-case call: {sizes}"


# ---------------------------------------------------------------- degenerate images

def png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 160, 140)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("width, height, needle", [
    (4096, 1, "at least"), (40_000, 1, "at least"), (1, 4096, "at least"), (10, 10, "at least"),
    (4096, 200, "strip"), (300, 4000, "strip"),
])
def test_degenerate_image_sizes_are_invalid_argument(server, width, height, needle):
    with open_channel(server.address) as channel:
        stub = head_pb2_grpc.HeadServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            list(stub.CreateHead(head_pb2.CreateHeadRequest(image=png(width, height))))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"{width}x{height}" in caught.value.details() and needle in caught.value.details()


# ---------------------------------------------------------------- malformed protobuf

GARBAGE = b"\xff\xff\xff\xff\xff\x0f not a protobuf message"
METHODS = [
    ("/fantasytalking.v1.AnimationService/AnimateClip", "unary_unary"),
    ("/fantasytalking.v1.InfoService/GetServerInfo", "unary_unary"),
    ("/fantasytalking.v1.SpeechService/Speak", "unary_stream"),
    ("/fantasytalking.v1.HeadService/CreateHead", "unary_stream"),
    ("/fantasytalking.v1.AnimationService/StreamAnimation", "stream_stream"),
    ("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "stream_stream"),
    ("/grpc.health.v1.Health/Check", "unary_unary"),
]


def raw_call(channel: grpc.Channel, method: str, kind: str, payload: bytes):
    call = getattr(channel, kind)(method)
    if kind == "unary_unary":
        return call(payload, timeout=10)
    if kind == "unary_stream":
        return list(call(payload, timeout=10))
    return list(call(iter([payload]), timeout=10))


def test_malformed_protobuf_is_invalid_argument_with_one_rate_limited_warning(server, caplog, monkeypatch):
    monkeypatch.setattr(request_guard, "client_errors", request_guard.RateLimitedLog(request_guard.log))
    caplog.set_level(logging.INFO)
    with open_channel(server.address) as channel:
        for method, kind in METHODS:
            for _ in range(20):   # a flood of the same bad call
                with pytest.raises(grpc.RpcError) as caught:
                    raw_call(channel, method, kind, GARBAGE)
                assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (method, caught.value.details())
                assert "not a valid protobuf message" in caught.value.details()
                assert "DecodeError" not in caught.value.details() and "Exception" not in caught.value.details()
        info = info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(info_pb2.GetServerInfoRequest())
        assert info.version
        # A good streaming request after a bad one in the same stream is never reached: the call fails.
        good = Req(config=animation_pb2.StreamConfig(audio_format=common_pb2.AudioFormat(
            encoding=F32, sample_rate_hz=16_000, channels=1)))
        call = channel.stream_stream("/fantasytalking.v1.AnimationService/StreamAnimation")
        with pytest.raises(grpc.RpcError) as caught:
            list(call(iter([good.SerializeToString(), GARBAGE]), timeout=10))
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    records = [r for r in caplog.records if "malformed request" in r.getMessage()]
    assert len(records) == len(METHODS), [r.getMessage() for r in records]   # one line per method, not 20
    assert all(r.levelno == logging.WARNING for r in records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in caplog.records if r.exc_info]


def test_speak_answers_a_good_request_after_malformed_ones(server):
    pytest.importorskip("fantasy_talking.speech.tts.espeak")
    with open_channel(server.address) as channel:
        with pytest.raises(grpc.RpcError):
            raw_call(channel, "/fantasytalking.v1.SpeechService/Speak", "unary_stream", GARBAGE)
        answers = list(speech_pb2_grpc.SpeechServiceStub(channel).Speak(speech_pb2.SpeakRequest(text="Hello.")))
    assert answers[-1].status.code == common_pb2.StreamStatus.CODE_OK
