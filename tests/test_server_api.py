"""The core gRPC API against a real in-process server on a free port, with real clients and codecs."""
from __future__ import annotations

import shutil
import subprocess
import threading
import time

import grpc
import numpy as np
import pytest
from conftest import encode_audio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from fantasy_talking import __version__
from fantasy_talking.animation.rig import ARKIT_52, JOINTS, VISEME_CURVES
from fantasy_talking.audio.decode import decode_file, resample
from fantasy_talking.server.app import build_server
from fantasy_talking.server.client import f32_chunks, open_channel, stream_samples
from fantasy_talking.server.config import ServerConfig
from fantasytalking.v1 import (
    animation_pb2, animation_pb2_grpc, common_pb2, info_pb2, info_pb2_grpc,
)

MAX_STREAMS = 3
MAX_CLIP_SECONDS = 20.0
F32_16K = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1)
S16_16K = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_S16LE, sample_rate_hz=16_000, channels=1)
Req = animation_pb2.StreamAnimationRequest
SPEECH_TEXT = "Hello there, this is a streaming test of the talking face."


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    """About three seconds of espeak-ng speech at 16 kHz."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (tools/setup.sh installs it)")
    wav = subprocess.run(["espeak-ng", "--stdout", "-s", "170", SPEECH_TEXT],
                         capture_output=True, check=True).stdout
    return decode_file(wav).samples


@pytest.fixture(scope="module")
def server():
    running = build_server(ServerConfig(port=0, max_concurrent_streams=MAX_STREAMS,
                                        max_clip_seconds=MAX_CLIP_SECONDS))
    yield running
    running.stop(0).wait()


@pytest.fixture(scope="module")
def channel(server):
    with open_channel(server.address) as ch:
        yield ch


@pytest.fixture(scope="module")
def stub(channel):
    return animation_pb2_grpc.AnimationServiceStub(channel)


def config(fmt=F32_16K, idle_after_ms: int = 0, **options) -> Req:
    return Req(config=animation_pb2.StreamConfig(audio_format=fmt, idle_after_ms=idle_after_ms,
                                                 options=common_pb2.AnimationOptions(**options)))


def collect(responses) -> dict:
    out = {"header": None, "frames": [], "visemes": [], "status": None}
    for response in responses:
        kind = response.WhichOneof("response")
        if kind in ("header", "status"):
            out[kind] = getattr(response, kind)
        else:
            out[kind + "s"].append(getattr(response, kind))
    return out


def small_clip_ok(stub) -> None:
    """A request that must succeed: proof the server still serves after an error."""
    pcm = (0.1 * np.sin(np.arange(8000) * 0.05)).astype("<f4").tobytes()
    answer = stub.AnimateClip(animation_pb2.AnimateClipRequest(pcm=animation_pb2.RawAudio(format=F32_16K, data=pcm)))
    assert len(answer.frames) == 15


def assert_clock(frames, fps: int) -> None:
    times = np.array([f.time_s for f in frames])
    indices = np.array([f.index for f in frames])
    assert np.all(np.diff(indices) == 1) and indices[0] == 0
    np.testing.assert_allclose(times, indices / fps, atol=1e-9)


def test_stream_sends_header_frames_visemes_and_status(stub, speech):
    result = stream_samples(stub, speech, common_pb2.AnimationOptions(fps=30), chunk_ms=37, realtime=False)
    assert list(result.header.blendshape_names) == list(ARKIT_52)
    assert list(result.header.joint_names) == list(JOINTS)
    assert (result.header.fps, result.header.engine, result.header.lookahead_ms) == (30, "acoustic", 100)
    duration = len(speech) / 16_000
    assert abs(len(result.frames) - duration * 30) <= 2
    assert_clock(result.frames, 30)
    assert all(len(f.blendshapes) == 52 and len(f.joints) == 5 for f in result.frames)
    assert max(f.blendshapes[ARKIT_52.index("JawOpen")] for f in result.frames) > 0.1
    quats = np.array([[q.x, q.y, q.z, q.w] for f in result.frames for q in f.joints])
    np.testing.assert_allclose(np.linalg.norm(quats, axis=1), 1.0, atol=1e-3)
    assert len(result.visemes) >= 5
    assert {v.viseme for v in result.visemes} - {"sil"}
    assert all(0 <= v.start_s < v.end_s <= duration + 0.1 for v in result.visemes)
    assert result.status.code == common_pb2.StreamStatus.CODE_OK
    assert result.status.frames == len(result.frames)
    assert result.status.audio_seconds == pytest.approx(duration, abs=1e-3)


def test_stream_of_stereo_44k_s16_is_resampled_on_the_fly(stub, speech):
    x = resample(speech, 16_000, 44_100)
    pcm = (np.clip(np.repeat(x[:, None], 2, axis=1), -1, 1) * 32767).astype("<i2").tobytes()
    fmt = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_S16LE, sample_rate_hz=44_100, channels=2)
    step = 4 * 441 * 3
    requests = [config(fmt, fps=60, rig=common_pb2.RIG_PROFILE_ARKIT_52_VISEMES)]
    requests += [Req(audio=pcm[i:i + step]) for i in range(0, len(pcm), step)]
    result = collect(stub.StreamAnimation(iter(requests + [Req(end=animation_pb2.EndOfAudio())])))
    assert list(result["header"].blendshape_names) == list(ARKIT_52 + VISEME_CURVES)
    assert abs(len(result["frames"]) - len(x) / 44_100 * 60) <= 3
    assert_clock(result["frames"], 60)
    assert result["status"].audio_seconds == pytest.approx(len(x) / 44_100, abs=1e-3)


def test_stream_equals_clip_for_the_same_audio_and_options(stub, speech):
    options = common_pb2.AnimationOptions(fps=30, lookahead_ms=150, seed=7, head_motion=1.5)
    clip = stub.AnimateClip(animation_pb2.AnimateClipRequest(
        pcm=animation_pb2.RawAudio(format=F32_16K, data=speech.astype("<f4").tobytes()), options=options))
    rng = np.random.default_rng(3)
    cuts = np.sort(rng.choice(np.arange(1, len(speech)), size=40, replace=False))
    pieces = np.split(speech.astype("<f4"), cuts)
    requests = [config(idle_after_ms=10_000, fps=30, lookahead_ms=150, seed=7, head_motion=1.5)]
    requests += [Req(audio=p.tobytes()) for p in pieces] + [Req(end=animation_pb2.EndOfAudio())]
    streamed = collect(stub.StreamAnimation(iter(requests)))
    assert list(streamed["header"].blendshape_names) == list(clip.header.blendshape_names)
    assert len(streamed["frames"]) == len(clip.frames) > 60
    np.testing.assert_allclose([f.blendshapes for f in streamed["frames"]],
                               [f.blendshapes for f in clip.frames], atol=1e-5)
    np.testing.assert_allclose([[(q.x, q.y, q.z, q.w) for q in f.joints] for f in streamed["frames"]],
                               [[(q.x, q.y, q.z, q.w) for q in f.joints] for f in clip.frames], atol=1e-5)
    assert [v.viseme for v in streamed["visemes"]] == [v.viseme for v in clip.visemes]


@pytest.mark.parametrize("container, codec, rate", [
    ("wav", "pcm_s16le", 16_000), ("mp3", "libmp3lame", 16_000), ("flac", "flac", 16_000),
    ("ogg", "libopus", 48_000), ("ipod", "aac", 16_000),
], ids=["wav", "mp3", "flac", "ogg-opus", "m4a-aac"])
def test_animate_clip_decodes_real_files(stub, speech, container, codec, rate):
    data = encode_audio(speech, container, codec, rate)
    answer = stub.AnimateClip(animation_pb2.AnimateClipRequest(file=data, options=common_pb2.AnimationOptions(fps=25)))
    assert answer.header.fps == 25 and list(answer.header.blendshape_names) == list(ARKIT_52)
    assert answer.duration_s == pytest.approx(len(speech) / 16_000, abs=0.2)  # AAC adds priming samples
    assert abs(len(answer.frames) - answer.duration_s * 25) <= 2
    assert_clock(answer.frames, 25)
    assert max(f.blendshapes[ARKIT_52.index("JawOpen")] for f in answer.frames) > 0.1
    assert answer.visemes


def test_animate_clip_with_an_english_transcript_uses_the_words_engine(stub, speech):
    pytest.importorskip("fantasy_talking.speech.sphinx", reason="the words engine is not installed")
    answer = stub.AnimateClip(animation_pb2.AnimateClipRequest(
        pcm=animation_pb2.RawAudio(format=F32_16K, data=speech.astype("<f4").tobytes()),
        options=common_pb2.AnimationOptions(language="en-US", transcript=SPEECH_TEXT)))
    assert answer.header.engine == "words"
    assert any(v.phoneme for v in answer.visemes)
    assert abs(len(answer.frames) - answer.duration_s * 30) <= 2


def test_interrupt_settles_to_neutral_while_the_stream_stays_open(stub, speech):
    jaw = ARKIT_52.index("JawOpen")

    def requests():
        yield config(idle_after_ms=50)
        for chunk in f32_chunks(speech[8000:20000], 20):
            time.sleep(0.02)
            yield Req(audio=chunk)
        yield Req(interrupt=animation_pb2.Interrupt())
        time.sleep(0.6)
        yield Req(end=animation_pb2.EndOfAudio())

    result = collect(stub.StreamAnimation(requests()))
    assert result["status"].code == common_pb2.StreamStatus.CODE_INTERRUPTED
    assert_clock(result["frames"], 30)
    assert max(f.blendshapes[jaw] for f in result["frames"]) > 0.1
    assert [f.idle for f in result["frames"][-5:]] == [True] * 5
    assert max(f.blendshapes[jaw] for f in result["frames"][-5:]) < 0.05


def test_audio_after_an_interrupt_is_animated_on_the_same_clock(stub, speech):
    jaw = ARKIT_52.index("JawOpen")
    chunks = [Req(audio=c) for c in f32_chunks(speech[8000:24000], 20)]
    result = collect(stub.StreamAnimation(iter([config(idle_after_ms=10_000), *chunks,
                                                Req(interrupt=animation_pb2.Interrupt()), *chunks,
                                                Req(end=animation_pb2.EndOfAudio())])))
    assert result["status"].code == common_pb2.StreamStatus.CODE_OK
    assert result["status"].audio_seconds == pytest.approx(2.0, abs=1e-3)
    assert_clock(result["frames"], 30)
    assert len(result["frames"]) >= 30, "the second second of audio is never dropped"
    assert max(f.blendshapes[jaw] for f in result["frames"][-30:]) > 0.1


def test_idle_frames_flow_while_the_client_is_silent(stub, speech):
    went_quiet = threading.Event()

    def requests():
        yield config(idle_after_ms=100)
        time.sleep(1.2)
        went_quiet.set()
        for chunk in f32_chunks(speech[:8000], 20):
            yield Req(audio=chunk)
        yield Req(end=animation_pb2.EndOfAudio())

    result = collect(stub.StreamAnimation(requests()))
    assert went_quiet.is_set()
    idle = [f for f in result["frames"] if f.idle]
    assert len(idle) >= 20, "about 1.1 s of silence should give ~33 idle frames at 30 fps"
    assert_clock(result["frames"], 30)
    assert result["frames"][-1].time_s >= 1.0 + 0.4
    assert result["status"].audio_seconds == pytest.approx(0.5, abs=1e-3)


def oversized_pcm() -> bytes:
    return bytes(5 * 1024 * 1024)


@pytest.mark.parametrize("name, call, code", [
    ("corrupt file", lambda s: s.AnimateClip(animation_pb2.AnimateClipRequest(file=b"RIFF0000WAVEjunk" * 50)),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("no audio", lambda s: s.AnimateClip(animation_pb2.AnimateClipRequest()), grpc.StatusCode.INVALID_ARGUMENT),
    ("clip rate out of range", lambda s: s.AnimateClip(animation_pb2.AnimateClipRequest(pcm=animation_pb2.RawAudio(
        format=common_pb2.AudioFormat(encoding=1, sample_rate_hz=96_000, channels=1), data=bytes(960)))),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("clip bad options", lambda s: s.AnimateClip(animation_pb2.AnimateClipRequest(
        pcm=animation_pb2.RawAudio(format=S16_16K, data=bytes(3200)), options=common_pb2.AnimationOptions(fps=500))),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("clip too long", lambda s: s.AnimateClip(animation_pb2.AnimateClipRequest(
        pcm=animation_pb2.RawAudio(format=S16_16K, data=bytes(int(2 * 16_000 * (MAX_CLIP_SECONDS + 1)))))),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("message too large", lambda s: s.AnimateClip(animation_pb2.AnimateClipRequest(file=oversized_pcm())),
     grpc.StatusCode.RESOURCE_EXHAUSTED),
    ("audio before config", lambda s: collect(s.StreamAnimation(iter([Req(audio=bytes(640))]))),
     grpc.StatusCode.FAILED_PRECONDITION),
    ("no config at all", lambda s: collect(s.StreamAnimation(iter([]))), grpc.StatusCode.INVALID_ARGUMENT),
    ("second config", lambda s: collect(s.StreamAnimation(iter([config(), Req(audio=bytes(640)), config()]))),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("stream rate out of range", lambda s: collect(s.StreamAnimation(iter([config(common_pb2.AudioFormat(
        encoding=1, sample_rate_hz=4000, channels=1))]))), grpc.StatusCode.INVALID_ARGUMENT),
    ("encoding unset", lambda s: collect(s.StreamAnimation(iter([config(common_pb2.AudioFormat(
        sample_rate_hz=16_000, channels=1))]))), grpc.StatusCode.INVALID_ARGUMENT),
    ("partial sample frame", lambda s: collect(s.StreamAnimation(iter([config(S16_16K), Req(audio=bytes(641))]))),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("stream bad options", lambda s: collect(s.StreamAnimation(iter([config(lookahead_ms=900)]))),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("stream phonetic engine", lambda s: collect(s.StreamAnimation(iter([config(engine=2)]))),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("idle_after_ms out of range", lambda s: collect(s.StreamAnimation(iter([config(idle_after_ms=20)]))),
     grpc.StatusCode.INVALID_ARGUMENT),
    ("empty request", lambda s: collect(s.StreamAnimation(iter([config(), Req()]))), grpc.StatusCode.INVALID_ARGUMENT),
])
def test_bad_input_gets_a_clear_status_and_the_server_keeps_serving(stub, name, call, code):
    with pytest.raises(grpc.RpcError) as caught:
        call(stub)
    assert caught.value.code() == code, caught.value.details()
    assert len(caught.value.details()) > 15
    small_clip_ok(stub)


def test_too_many_concurrent_streams_are_refused_then_admitted_again(stub):
    release = threading.Event()

    def held():
        yield config(idle_after_ms=10_000)
        release.wait(30)
        yield Req(end=animation_pb2.EndOfAudio())

    calls = [stub.StreamAnimation(held()) for _ in range(MAX_STREAMS)]
    try:
        for call in calls:
            assert next(call).WhichOneof("response") == "header"
        with pytest.raises(grpc.RpcError) as caught:
            collect(stub.StreamAnimation(iter([config(), Req(end=animation_pb2.EndOfAudio())])))
        assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert f"too many concurrent streams ({MAX_STREAMS})" in caught.value.details()
    finally:
        release.set()
        for call in calls:
            collect(call)
    result = collect(stub.StreamAnimation(iter([config(), Req(end=animation_pb2.EndOfAudio())])))
    assert result["status"].code == common_pb2.StreamStatus.CODE_OK


def test_streams_cancelled_by_the_client_free_their_slots(stub, speech):
    """A client that hangs up mid-stream (app closed, network gone) must not keep its slot."""
    chunks = f32_chunks(speech, 20)

    def endless():
        yield config(idle_after_ms=10_000)
        for chunk in chunks:
            yield Req(audio=chunk)
        threading.Event().wait(30)

    calls = [stub.StreamAnimation(endless()) for _ in range(MAX_STREAMS)]
    for call in calls:
        assert next(call).WhichOneof("response") == "header"
        assert next(call).WhichOneof("response") in ("frame", "viseme")
    for call in calls:
        call.cancel()
    deadline = time.monotonic() + 10
    while True:
        try:
            result = collect(stub.StreamAnimation(iter([config(), Req(audio=chunks[0]), Req(end=animation_pb2.EndOfAudio())])))
            break
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and time.monotonic() < deadline
            time.sleep(0.05)
    assert result["status"].code == common_pb2.StreamStatus.CODE_OK


def test_health_reports_serving_for_every_service(channel, server):
    health = health_pb2_grpc.HealthStub(channel)
    for name in ["", *server.services]:
        answer = health.Check(health_pb2.HealthCheckRequest(service=name))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.RpcError) as caught:
        health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_lists_the_services(channel):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    answers = list(stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
    names = {s.name for s in answers[0].list_services_response.service}
    assert {"fantasytalking.v1.AnimationService", "fantasytalking.v1.InfoService",
            "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names


def test_server_info_describes_engines_limits_and_names(channel, server):
    info = info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(info_pb2.GetServerInfoRequest())
    assert info.version == __version__
    engines = {e.name: e for e in info.engines}
    assert engines["acoustic"].streaming and list(engines["acoustic"].languages) == ["*"]
    assert not engines["phonetic"].streaming and "en-US" in info.languages
    assert info.limits.max_concurrent_streams == MAX_STREAMS
    assert info.limits.max_clip_seconds == MAX_CLIP_SECONDS
    assert (info.limits.min_sample_rate_hz, info.limits.max_sample_rate_hz) == (8000, 48000)
    assert info.limits.max_message_bytes == 4 * 1024 * 1024
    assert list(info.blendshape_names["RIG_PROFILE_ARKIT_52"].names) == list(ARKIT_52)
    assert len(info.blendshape_names["RIG_PROFILE_ARKIT_52_TONGUE"].names) == 56
    assert len(info.blendshape_names["RIG_PROFILE_ARKIT_52_VISEMES"].names) == 67
    assert list(info.joint_names) == list(JOINTS)
    assert list(info.services) == server.services


def test_a_client_ahead_of_real_time_gets_no_idle_fill_while_its_audio_plays(stub, speech):
    """Two seconds sent at once, then 0.6 s of quiet: the audio is still playing, so no silence is inserted
    and the frames stay on the audio's own clock (a fill here would shift every later frame)."""

    def requests():
        yield config(idle_after_ms=100)
        yield from (Req(audio=c) for c in f32_chunks(speech[:32000], 100))
        time.sleep(0.6)
        yield Req(end=animation_pb2.EndOfAudio())

    result = collect(stub.StreamAnimation(requests()))
    assert_clock(result["frames"], 30)
    assert result["status"].audio_seconds == pytest.approx(2.0, abs=1e-3)
    assert abs(len(result["frames"]) - 60) <= 2, "2 s of audio is 60 frames; more means silence was inserted"
