"""Audio2Face-3D compatible endpoint: real gRPC round trips with a client built on the compatible protos.

The client stands for NVIDIA's: `nvidia_ace_compat` declares NVIDIA's packages, services and field
numbers, so the bytes on the wire are the ones NVIDIA's own stubs send and parse.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import threading
import time
import wave
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fantasy_talking.animation.rig import ARKIT_52, JOINTS
from fantasy_talking.server.a2f_mapping import A2F_BLENDSHAPES, MAX_CHUNK_SECONDS
from fantasy_talking.server.app import build_server
from fantasy_talking.server.config import ServerConfig
from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2
from nvidia_ace_compat import (
    a2f_controller_service_pb2_grpc, a2f_pb2, a2x_export_config_pb2, a2x_export_config_pb2_grpc, audio_pb2,
    controller_pb2, emotion_aggregate_pb2, emotion_with_timecode_pb2, status_pb2,
)

A2F_MODULE = "fantasy_talking.server.a2f_service"
ANIMATION_MODULE = "fantasy_talking.server.animation_service"
SENTENCE = "Hello there. The quick brown fox jumps over the lazy dog, and we watch the jaw move."


def espeak_wav(tmp_dir: Path, text: str) -> tuple[bytes, int]:
    """Mono 16-bit PCM of `text` spoken by espeak-ng, at its native rate (22050 Hz)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    path = tmp_dir / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        return wav.readframes(wav.getnframes()), wav.getframerate()


def to_16k(pcm: bytes, rate: int) -> bytes:
    """Linear-interpolated 16 kHz copy, so tests can also exercise the no-resampling path."""
    x = np.frombuffer(pcm, "<i2").astype(np.float64)
    t = np.arange(int(len(x) * 16000 / rate)) * rate / 16000
    return np.round(np.interp(t, np.arange(len(x)), x)).astype("<i2").tobytes()


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> tuple[bytes, int]:
    return espeak_wav(tmp_path_factory.mktemp("a2f"), SENTENCE)


@pytest.fixture(scope="module")
def speech_16k(speech) -> bytes:
    return to_16k(*speech)


@pytest.fixture(scope="module")
def server():
    running = build_server(ServerConfig(port=0, max_concurrent_streams=8),
                           service_modules=[A2F_MODULE, ANIMATION_MODULE])
    yield running
    running.stop(0)


@pytest.fixture(scope="module")
def channel(server):
    with grpc.insecure_channel(server.address) as ch:
        yield ch


@pytest.fixture(scope="module")
def stub(channel):
    return a2f_controller_service_pb2_grpc.A2FControllerServiceStub(channel)


def header(rate: int = 16000, bits: int = 16, channels: int = 1, **params) -> controller_pb2.AudioStream:
    return controller_pb2.AudioStream(audio_stream_header=controller_pb2.AudioStreamHeader(
        audio_header=audio_pb2.AudioHeader(audio_format=audio_pb2.AudioHeader.AUDIO_FORMAT_PCM,
                                           channel_count=channels, samples_per_second=rate,
                                           bits_per_sample=bits), **params))


def chunk(data: bytes, emotions=()) -> controller_pb2.AudioStream:
    return controller_pb2.AudioStream(audio_with_emotion=a2f_pb2.AudioWithEmotion(
        audio_buffer=data, emotions=list(emotions)))


END = controller_pb2.AudioStream(end_of_audio=controller_pb2.AudioStream.EndOfAudio())


def requests(pcm: bytes, rate: int, chunk_s: float = 0.25, first=None, **params):
    yield first if first is not None else header(rate, **params)
    step = int(rate * chunk_s) * 2
    for i in range(0, len(pcm), step):
        yield chunk(pcm[i:i + step])
    yield END


def kinds(responses) -> list[str]:
    return [r.WhichOneof("stream_part") for r in responses]


def curves(responses) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(names, time codes (T,), weights (T, C)) from a response list."""
    names = list(responses[0].animation_data_stream_header.skel_animation_header.blend_shapes)
    rows = [w for r in responses if r.HasField("animation_data")
            for w in r.animation_data.skel_animation.blend_shape_weights]
    return (names, np.array([w.time_code for w in rows]),
            np.array([list(w.values) for w in rows], dtype=np.float32))


def rpc_error(stub, request_iter) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        list(stub.ProcessAudioStream(request_iter))
    return info.value


def test_round_trip_names_frames_time_codes_echo_and_status(stub, speech):
    pcm, rate = speech
    responses = list(stub.ProcessAudioStream(requests(pcm, rate)))

    order = kinds(responses)
    assert order[0] == "animation_data_stream_header"
    assert order[-2:] == ["event", "status"]
    assert set(order[1:-2]) == {"animation_data"}

    head = responses[0].animation_data_stream_header
    assert list(head.skel_animation_header.blend_shapes) == list(A2F_BLENDSHAPES)
    assert sorted(A2F_BLENDSHAPES) == sorted(ARKIT_52) and "JawOpen" in A2F_BLENDSHAPES
    assert list(head.skel_animation_header.joints) == list(JOINTS)
    assert head.audio_header.samples_per_second == rate and head.audio_header.bits_per_sample == 16
    assert abs(head.start_time_code_since_epoch - time.time()) < 3600

    names, times, weights = curves(responses)
    duration = len(pcm) / 2 / rate
    assert len(times) == math.ceil(duration * 30)
    assert np.all(np.diff(times) > 0)
    assert np.allclose(times, np.arange(len(times)) / 30)
    assert weights.shape == (len(times), 52)
    assert weights[:, names.index("JawOpen")].max() > 0.2

    data = [r.animation_data for r in responses if r.HasField("animation_data")]
    assert b"".join(d.audio.audio_buffer for d in data) == pcm
    samples_before = np.cumsum([0] + [len(d.audio.audio_buffer) // 2 for d in data[:-1]])
    assert np.allclose([d.audio.time_code for d in data], samples_before / rate)
    for d in data:
        if d.HasField("skel_animation"):
            frame_time = d.skel_animation.blend_shape_weights[0].time_code
            assert d.audio.time_code <= frame_time + 1 / 30
            quats = d.skel_animation.rotations[0].values
            assert len(quats) == len(JOINTS)
            assert all(abs(q.real ** 2 + q.i ** 2 + q.j ** 2 + q.k ** 2 - 1) < 1e-3 for q in quats)

    assert responses[-2].event.event_type == controller_pb2.END_OF_A2F_AUDIO_PROCESSING
    assert responses[-1].status.code == status_pb2.Status.SUCCESS
    assert f"{len(times)} frames" in responses[-1].status.message


def test_multipliers_offsets_and_clamping_apply_as_nvidia_documents(stub, speech_16k):
    pcm = speech_16k[: 16000 * 2 * 2]
    plain = curves(list(stub.ProcessAudioStream(requests(pcm, 16000))))
    params = a2f_pb2.BlendShapeParameters(bs_weight_multipliers={"JawOpen": 3.0, "TongueTipUp": 0.0},
                                          bs_weight_offsets={"JawOpen": -0.2, "MouthClose": 0.5})
    unclamped = curves(list(stub.ProcessAudioStream(requests(pcm, 16000, blendshape_params=params))))
    params.enable_clamping_bs_weight = True
    clamped = curves(list(stub.ProcessAudioStream(requests(pcm, 16000, blendshape_params=params))))

    names = plain[0]
    jaw, close, blink = (names.index(n) for n in ("JawOpen", "MouthClose", "EyeBlinkLeft"))
    base = plain[2]
    assert np.allclose(unclamped[2][:, jaw], base[:, jaw] * 3 - 0.2, atol=1e-6)
    assert np.allclose(unclamped[2][:, close], base[:, close] + 0.5, atol=1e-6)
    assert np.array_equal(unclamped[2][:, blink], base[:, blink])
    assert unclamped[2][:, jaw].max() > 1.0 and unclamped[2][:, jaw].min() < 0.0
    assert np.allclose(clamped[2][:, jaw], np.clip(base[:, jaw] * 3 - 0.2, 0, 1), atol=1e-6)
    assert clamped[2].min() >= 0.0 and clamped[2].max() <= 1.0


def test_curves_match_stream_animation_on_the_same_audio(channel, stub, speech_16k):
    pcm = speech_16k
    a2f_names, a2f_times, a2f_weights = curves(list(stub.ProcessAudioStream(requests(pcm, 16000))))

    def ours():
        fmt = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_S16LE, sample_rate_hz=16000, channels=1)
        yield animation_pb2.StreamAnimationRequest(config=animation_pb2.StreamConfig(
            audio_format=fmt, options=common_pb2.AnimationOptions(), idle_after_ms=10_000))
        for i in range(0, len(pcm), 8000):
            yield animation_pb2.StreamAnimationRequest(audio=pcm[i:i + 8000])
        yield animation_pb2.StreamAnimationRequest(end=animation_pb2.EndOfAudio())

    responses = list(animation_pb2_grpc.AnimationServiceStub(channel).StreamAnimation(ours()))
    names = list(responses[0].header.blendshape_names)
    frames = [r.frame for r in responses if r.WhichOneof("response") == "frame"]
    weights = np.array([list(f.blendshapes) for f in frames], dtype=np.float32)
    assert len(frames) == len(a2f_times)
    assert np.array_equal([f.time_s for f in frames], a2f_times)
    for i, name in enumerate(a2f_names):
        assert np.array_equal(a2f_weights[:, i], weights[:, names.index(name)]), name


def test_emotions_are_checked_and_reported_back(stub, speech_16k):
    pcm = speech_16k[: 16000 * 2]
    keyframe = emotion_with_timecode_pb2.EmotionWithTimeCode(time_code=0.5, emotion={"joy": 0.8})
    first = header(emotion_params=a2f_pb2.EmotionParameters(beginning_emotion={"sadness": 0.3}))
    responses = list(stub.ProcessAudioStream(iter([first, chunk(pcm, [keyframe]), END])))
    reported = []
    for r in responses:
        if r.HasField("animation_data") and "emotion_aggregate" in r.animation_data.metadata:
            aggregate = emotion_aggregate_pb2.EmotionAggregate()
            assert r.animation_data.metadata["emotion_aggregate"].Unpack(aggregate)
            assert not aggregate.a2e_output
            reported.extend((e.time_code, dict(e.emotion)) for e in aggregate.input_emotions)
    assert reported == [(0.0, {"sadness": pytest.approx(0.3)}), (0.5, {"joy": pytest.approx(0.8)})]

    bad = emotion_with_timecode_pb2.EmotionWithTimeCode(time_code=0.0, emotion={"boredom": 0.5})
    err = rpc_error(stub, iter([header(), chunk(pcm, [bad]), END]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "boredom" in err.details()


@pytest.mark.parametrize("first, needle", [
    (header(rate=8000), "samples_per_second"),
    (header(rate=96000), "samples_per_second"),
    (header(bits=24), "bits_per_sample"),
    (header(channels=2), "channel_count"),
    (controller_pb2.AudioStream(audio_stream_header=controller_pb2.AudioStreamHeader()), "audio_header"),
    (header(emotion_post_processing_params=a2f_pb2.EmotionPostProcessingParameters(emotion_strength=4.0)),
     "emotion_strength"),
])
def test_malformed_header_is_invalid_argument(stub, first, needle):
    err = rpc_error(stub, iter([first, chunk(b"\0\0" * 1600), END]))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert needle in err.details()


@pytest.mark.parametrize("messages, needle", [
    ([chunk(b"\0\0" * 1600), END], "before the audio_stream_header"),
    ([END], "before the audio_stream_header"),
    ([], "ended before"),
    ([header(), header(), END], "second audio_stream_header"),
    ([header(), chunk(b"\0" * (2 * int(16000 * (MAX_CHUNK_SECONDS + 0.5)))), END], "smaller chunks"),
    ([header(), chunk(b"\0\0\0"), END], "bad audio_buffer"),
])
def test_protocol_errors_are_invalid_argument(stub, messages, needle):
    err = rpc_error(stub, iter(messages))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert needle in err.details()


def test_mid_stream_error_is_also_reported_in_band(stub):
    call = stub.ProcessAudioStream(iter([header(), chunk(b"\0\0" * 1600), header(), END]))
    received = []
    with pytest.raises(grpc.RpcError) as info:
        for response in call:
            received.append(response)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert kinds(received)[0] == "animation_data_stream_header"
    assert received[-1].status.code == status_pb2.Status.ERROR
    assert "second audio_stream_header" in received[-1].status.message


def test_health_and_exported_config(channel, stub):
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "nvidia_ace.services.a2f_controller.v1.A2FControllerService"):
        assert health.Check(health_pb2.HealthCheckRequest(service=service)).status == \
            health_pb2.HealthCheckResponse.SERVING
    export = a2x_export_config_pb2_grpc.A2XExportConfigServiceStub(channel)
    as_json = list(export.GetConfigs(a2x_export_config_pb2.ConfigsTypeRequest(
        config_type=a2x_export_config_pb2.ConfigsTypeRequest.JSON)))
    config = json.loads(as_json[0].content)
    assert config["blendshapes"] == list(A2F_BLENDSHAPES) and config["fps"] == 30
    as_yaml = list(export.GetConfigs(a2x_export_config_pb2.ConfigsTypeRequest()))
    assert as_yaml[0].name.endswith(".yaml") and "max_concurrent_streams: 8" in as_yaml[0].content


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_stream_limit_and_disconnect_leave_the_server_serving(speech_16k):
    running = build_server(ServerConfig(port=0, max_concurrent_streams=1), service_modules=[A2F_MODULE])
    try:
        with grpc.insecure_channel(running.address) as ch:
            stub = a2f_controller_service_pb2_grpc.A2FControllerServiceStub(ch)

            def slow_requests():
                yield header()
                for i in range(0, len(speech_16k), 3200):
                    yield chunk(speech_16k[i:i + 3200])
                    time.sleep(0.02)
                yield END

            first = stub.ProcessAudioStream(slow_requests())
            assert next(first).WhichOneof("stream_part") == "animation_data_stream_header"

            err = rpc_error(stub, requests(speech_16k[:3200], 16000))
            assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "too many" in err.details()

            for _ in range(5):
                next(first)
            first.cancel()
            assert _wait_for(lambda: running.context.stream_slots.open == 0)

            responses = list(stub.ProcessAudioStream(requests(speech_16k[:16000], 16000)))
            assert responses[-1].status.code == status_pb2.Status.SUCCESS
            health = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest())
            assert health.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        running.stop(0)


def test_token_guards_the_a2f_port_like_the_core_api(speech_16k):
    running = build_server(ServerConfig(port=0, token="s3cret"), service_modules=[A2F_MODULE])
    try:
        with grpc.insecure_channel(running.address) as ch:
            stub = a2f_controller_service_pb2_grpc.A2FControllerServiceStub(ch)
            err = rpc_error(stub, requests(speech_16k[:3200], 16000))
            assert err.code() == grpc.StatusCode.UNAUTHENTICATED
            responses = list(stub.ProcessAudioStream(requests(speech_16k[:3200], 16000),
                                                     metadata=[("authorization", "Bearer s3cret")]))
            assert responses[-1].status.code == status_pb2.Status.SUCCESS
    finally:
        running.stop(0)


def test_emotions_move_the_face(stub, speech_16k):
    pcm = speech_16k[: 16000 * 2 * 2]
    neutral_names, _, neutral = curves(list(stub.ProcessAudioStream(requests(pcm, 16000))))
    joy = emotion_with_timecode_pb2.EmotionWithTimeCode(time_code=1.0, emotion={"joy": 1.0})
    first = header(emotion_params=a2f_pb2.EmotionParameters(beginning_emotion={"sadness": 1.0}))
    responses = list(stub.ProcessAudioStream(iter([first, chunk(pcm, [joy]), END])))
    names, times, weights = curves(responses)
    smile, frown = names.index("MouthSmileLeft"), names.index("MouthFrownLeft")
    sad, happy = times < 0.9, times > 1.6
    assert weights[sad, frown].mean() > neutral[sad, frown].mean() + 0.3
    assert weights[happy, smile].mean() > neutral[happy, smile].mean() + 0.3
    assert weights[happy, frown].mean() < 0.1


def test_shutdown_mid_stream_animates_what_was_received_and_ends_with_a_warning(speech_16k):
    """An ACE client streaming when the server stops gets every frame of the audio it sent, the
    end-of-processing event and a WARNING status saying why, not a bare UNAVAILABLE."""
    running = build_server(ServerConfig(port=0, drain_seconds=0.0, grace_seconds=0.5),
                           service_modules=[A2F_MODULE, ANIMATION_MODULE])
    sent, done = threading.Event(), threading.Event()

    def paced():
        yield header(16000)
        step = 3200   # 100 ms
        for i in range(0, len(speech_16k), step):
            if i >= 8 * step:
                sent.set()
            time.sleep(0.05)
            yield chunk(speech_16k[i:i + step])
        done.wait(30)   # the client would go on; the server stops first

    with grpc.insecure_channel(running.address) as ch:
        call = a2f_controller_service_pb2_grpc.A2FControllerServiceStub(ch).ProcessAudioStream(paced())
        responses: list = []
        reader = threading.Thread(target=lambda: responses.extend(call))
        reader.start()
        assert sent.wait(20)
        stopped = running.stop()
        reader.join(20)
        done.set()
        assert not reader.is_alive() and stopped.wait(10)
    assert call.code() == grpc.StatusCode.OK
    assert kinds(responses)[-2:] == ["event", "status"]
    assert responses[-1].status.code == status_pb2.Status.WARNING
    assert "shutting down" in responses[-1].status.message
    data = [r.animation_data for r in responses if r.HasField("animation_data")]
    received = sum(len(d.audio.audio_buffer) for d in data) // 2 / 16000
    _, times, _ = curves(responses)
    assert received >= 0.8 and len(times) == math.ceil(received * 30)
