"""Property tests (Hypothesis) of every request decoder and of the audio and image decoders.

Each example either succeeds or fails with the decoder's own clean error; over the wire, with a
clean gRPC status (never INTERNAL or UNKNOWN), and the server answers a good request after each.
A few hundred examples per property, derandomised so CI runs the same ones every time; the long,
coverage-guided run is tools/fuzz/fuzz_decoders.py (atheris).
"""
from __future__ import annotations

import io
import wave

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from fantasy_talking.animation.options import AnimationOptions, OptionsError
from fantasy_talking.audio.decode import FULL_SCALE, AudioError, PcmEncoding, PcmFormat, decode_file, pcm_to_float
from fantasy_talking.audio.pcm_stream import PcmStream
from fantasy_talking.head.errors import HeadError
from fantasy_talking.server import a2f_mapping, convert
from fantasy_talking.server.a2f_mapping import A2FRequestError
from fantasy_talking.server.app import build_server
from fantasy_talking.server.client import open_channel
from fantasy_talking.server.config import ServerConfig
from fantasy_talking.head.image import check_image_size
from fantasytalking.v1 import (
    animation_pb2, animation_pb2_grpc, common_pb2, head_pb2, head_pb2_grpc, speech_pb2, speech_pb2_grpc,
)
from nvidia_ace_compat import a2f_controller_service_pb2_grpc, a2f_pb2, audio_pb2, controller_pb2
from nvidia_ace_compat import emotion_with_timecode_pb2

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
WIRE = settings(FUZZ, max_examples=150)
CLEAN = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION,
         grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.OUT_OF_RANGE}

floats = st.floats(allow_nan=True, allow_infinity=True, width=32)
uint32 = st.integers(0, 2 ** 32 - 1)
rates = st.one_of(st.sampled_from([8000, 11025, 16000, 22050, 44100, 48000]), uint32)


# ---------------------------------------------------------------- real files to mutate

def _wav(rate: int = 16_000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((3000 * np.sin(np.arange(rate // 4) * 0.05)).astype("<i2").tobytes())
    return buf.getvalue()


def _image(fmt: str, size=(96, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (180, 140, 120)).save(buf, fmt)
    return buf.getvalue()


SEEDS = {"wav": _wav(), "wav8k": _wav(8000), "png": _image("PNG"), "jpeg": _image("JPEG")}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """A real file with a few bytes changed, a slice cut out, or truncated: parsers' weak spots."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        a = draw(st.integers(0, len(data)))
        b = draw(st.integers(a, min(len(data), a + 64)))
        del data[a:b]
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return bytes(data)


audio_files = st.one_of(st.binary(max_size=2048), mutated(SEEDS["wav"]), mutated(SEEDS["wav8k"]))
image_files = st.one_of(st.binary(max_size=2048), mutated(SEEDS["png"]), mutated(SEEDS["jpeg"]))


# ---------------------------------------------------------------- decoders, in process

@FUZZ
@given(data=st.binary(max_size=4096), encoding=st.sampled_from(list(PcmEncoding)), rate=rates,
       channels=st.integers(0, 3), cut=st.integers(0, 4096))
def test_pcm_stream_decodes_or_refuses_cleanly(data, encoding, rate, channels, cut):
    try:
        stream = PcmStream(PcmFormat(encoding, rate, channels))
        out = np.concatenate([stream.feed(data[:cut]), stream.feed(data[cut:]), stream.flush()])
    except AudioError as exc:
        assert str(exc)
        return
    assert out.dtype == np.float32 and np.isfinite(out).all() and np.abs(out).max(initial=0) <= FULL_SCALE


@FUZZ
@given(samples=hnp.arrays(np.float32, st.integers(0, 600), elements=floats))
def test_float_pcm_is_clipped_to_full_scale_or_refused_when_not_finite(samples):
    try:
        out = pcm_to_float(samples.astype("<f4").tobytes(), PcmFormat(PcmEncoding.F32LE, 16_000, 1))
    except AudioError as exc:
        assert not np.isfinite(samples).all() and "NaN or infinite" in str(exc)
        return
    np.testing.assert_array_equal(out, np.clip(samples, -1, 1))


@FUZZ
@given(data=audio_files)
def test_audio_files_decode_or_refuse_cleanly(data):
    try:
        audio = decode_file(data, max_seconds=5)
    except AudioError as exc:
        assert str(exc)
        return
    assert audio.samples.dtype == np.float32 and len(audio.samples) > 0
    assert np.isfinite(audio.samples).all() and np.abs(audio.samples).max() <= FULL_SCALE


TRUNCATED_IHDR = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0cIHDR\x00\x00\x00`\x00\xce\x00P\x08\x02\x00\x00\x00i"
                  b"\x80\xe7\xc2\x00\x00\x00-I\x00\xb8" + bytes(25) + b":\xaeB`\x82")
BAD_IDAT_CHECKSUM = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000600000005008020000006980e7c20000002d49444154789cedc1310100"
    "0000c2a0f54f6d0d0fa0000000000000000000fffc0000000000000000000000000db7b7bbadffffffa9000000500802"
    "000000696082"
)
"""Both found by atheris (tools/fuzz): PIL raises ValueError and SyntaxError for them, which CreateHead
answered with INTERNAL."""


@FUZZ
@given(data=image_files)
@example(data=TRUNCATED_IHDR)
@example(data=BAD_IDAT_CHECKSUM)
def test_images_decode_or_refuse_cleanly(data):
    from fantasy_talking.head.image import decode_image
    try:
        check_image_size(data)
        pixels = decode_image(data)
    except HeadError as exc:
        assert str(exc)
        return
    assert pixels.ndim == 3 and pixels.shape[2] == 3 and min(pixels.shape[:2]) >= 1


# ---------------------------------------------------------------- request decoders, in process

options_messages = st.builds(
    common_pb2.AnimationOptions, fps=uint32, lookahead_ms=uint32, language=st.text(max_size=12),
    transcript=st.text(max_size=40), head_motion=floats, blink=floats, expression=floats,
    rig=st.integers(-3, 9), seed=st.integers(0, 2 ** 64 - 1), engine=st.integers(-3, 9),
    emotions=st.dictionaries(st.sampled_from(["joy", "anger", "sadness", "bogus", ""]), floats, max_size=4))
audio_formats = st.builds(common_pb2.AudioFormat, encoding=st.integers(-2, 9), sample_rate_hz=rates,
                          channels=uint32)


@FUZZ
@given(message=options_messages)
def test_animation_options_decode_or_refuse_cleanly(message):
    try:
        options = convert.options_from_proto(message)
    except OptionsError as exc:
        assert str(exc)
        return
    assert isinstance(options, AnimationOptions)
    assert all(np.isfinite([options.head_motion, options.blink, options.expression]))


@FUZZ
@given(message=audio_formats)
def test_audio_formats_decode_or_refuse_cleanly(message):
    try:
        fmt = convert.pcm_format_from_proto(message)
    except AudioError as exc:
        assert str(exc)
        return
    assert 8000 <= fmt.sample_rate <= 48000 and fmt.channels in (1, 2)


emotion_maps = st.dictionaries(st.sampled_from(["joy", "anger", "fear", "x"]), floats, max_size=3)
a2f_headers = st.builds(
    controller_pb2.AudioStreamHeader,
    audio_header=st.builds(audio_pb2.AudioHeader, audio_format=st.integers(0, 3), channel_count=uint32,
                           samples_per_second=rates, bits_per_sample=uint32),
    emotion_params=st.builds(a2f_pb2.EmotionParameters, beginning_emotion=emotion_maps),
    blendshape_params=st.builds(a2f_pb2.BlendShapeParameters,
                                bs_weight_multipliers=st.dictionaries(st.sampled_from(["JawOpen", "Nope"]), floats),
                                enable_clamping_bs_weight=st.booleans()),
    emotion_post_processing_params=st.builds(a2f_pb2.EmotionPostProcessingParameters, emotion_strength=floats,
                                             max_emotions=st.integers(-3, 10)))


@FUZZ
@given(header=a2f_headers)
def test_a2f_headers_decode_or_refuse_cleanly(header):
    try:
        settings_ = a2f_mapping.stream_settings(header, AnimationOptions())
    except A2FRequestError as exc:
        assert str(exc)
        return
    assert np.isfinite(settings_.adjustment.multipliers).all()


# ---------------------------------------------------------------- over the wire

@pytest.fixture(scope="module")
def server():
    running = build_server(ServerConfig(port=0, max_concurrent_streams=8, max_clip_seconds=10),
                           service_modules=("fantasy_talking.server.animation_service",
                                            "fantasy_talking.server.info_service",
                                            "fantasy_talking.server.speech_service",
                                            "fantasy_talking.server.head_service",
                                            "fantasy_talking.server.a2f_service"))
    yield running
    running.stop(0).wait()


@pytest.fixture(scope="module")
def channel(server):
    with open_channel(server.address) as ch:
        yield ch


def clean_or_ok(call) -> None:
    try:
        call()
    except grpc.RpcError as exc:
        assert exc.code() in CLEAN, (exc.code(), exc.details())
        assert exc.details() and "Traceback" not in exc.details()


def still_serving(channel) -> None:
    answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert answer.status == health_pb2.HealthCheckResponse.SERVING


Req = animation_pb2.StreamAnimationRequest
stream_requests = st.one_of(
    st.builds(lambda f, o, i: Req(config=animation_pb2.StreamConfig(audio_format=f, options=o, idle_after_ms=i)),
              audio_formats, options_messages, st.integers(0, 20_000)),
    st.builds(lambda d: Req(audio=d), st.binary(max_size=3000)),
    st.just(Req(interrupt=animation_pb2.Interrupt())),
    st.just(Req(end=animation_pb2.EndOfAudio())),
    st.just(Req()),
)
F32_16K = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1)


@WIRE
@given(first=st.one_of(st.just(Req(config=animation_pb2.StreamConfig(audio_format=F32_16K))), stream_requests),
       rest=st.lists(stream_requests, max_size=5))
def test_stream_animation_answers_any_request_sequence_cleanly(channel, first, rest):
    stub = animation_pb2_grpc.AnimationServiceStub(channel)
    clean_or_ok(lambda: list(stub.StreamAnimation(iter([first, *rest, Req(end=animation_pb2.EndOfAudio())]),
                                                  timeout=30)))
    still_serving(channel)


@WIRE
@given(fmt=audio_formats, data=st.binary(max_size=4000), file=audio_files, use_file=st.booleans(),
       options=options_messages)
def test_animate_clip_answers_any_request_cleanly(channel, fmt, data, file, use_file, options):
    stub = animation_pb2_grpc.AnimationServiceStub(channel)
    request = (animation_pb2.AnimateClipRequest(file=file, options=options) if use_file else
               animation_pb2.AnimateClipRequest(pcm=animation_pb2.RawAudio(format=fmt, data=data), options=options))
    clean_or_ok(lambda: stub.AnimateClip(request, timeout=60))
    still_serving(channel)


a2f_parts = st.one_of(
    st.builds(lambda h: controller_pb2.AudioStream(audio_stream_header=h), a2f_headers),
    st.builds(lambda d, e: controller_pb2.AudioStream(audio_with_emotion=a2f_pb2.AudioWithEmotion(
        audio_buffer=d, emotions=[emotion_with_timecode_pb2.EmotionWithTimeCode(time_code=t, emotion=m)
                                  for t, m in e])),
        st.binary(max_size=2000), st.lists(st.tuples(floats, emotion_maps), max_size=3)),
    st.just(controller_pb2.AudioStream(end_of_audio=controller_pb2.AudioStream.EndOfAudio())),
    st.just(controller_pb2.AudioStream()),
)


@WIRE
@given(parts=st.lists(a2f_parts, min_size=1, max_size=5))
def test_a2f_stream_answers_any_message_sequence_cleanly(channel, parts):
    stub = a2f_controller_service_pb2_grpc.A2FControllerServiceStub(channel)
    clean_or_ok(lambda: list(stub.ProcessAudioStream(iter(parts), timeout=30)))
    still_serving(channel)


@settings(WIRE, max_examples=100)
@given(text=st.text(max_size=30), language=st.sampled_from(["", "en-US", "zh-CN", "xx", "en-US\x00"]),
       rate=floats, pitch=floats, volume=floats, sample_rate=rates, encoding=st.integers(-1, 4))
def test_speak_answers_any_request_cleanly(channel, text, language, rate, pitch, volume, sample_rate, encoding):
    stub = speech_pb2_grpc.SpeechServiceStub(channel)
    request = speech_pb2.SpeakRequest(text=text, language=language, rate=rate, pitch=pitch, volume=volume,
                                      sample_rate_hz=sample_rate, encoding=encoding)
    clean_or_ok(lambda: list(stub.Speak(request, timeout=60)))
    still_serving(channel)


@settings(WIRE, max_examples=100)
@given(image=st.one_of(st.binary(max_size=2048), mutated(_image("PNG", (4000, 3))), mutated(_image("PNG", (30, 30)))),
       texture=uint32, detail=st.integers(-1, 5))
@example(image=TRUNCATED_IHDR, texture=0, detail=0)
@example(image=BAD_IDAT_CHECKSUM, texture=0, detail=0)
def test_create_head_answers_any_request_cleanly(channel, image, texture, detail):
    stub = head_pb2_grpc.HeadServiceStub(channel)
    request = head_pb2.CreateHeadRequest(image=image, options=head_pb2.HeadOptions(texture_size=texture, detail=detail))
    clean_or_ok(lambda: list(stub.CreateHead(request, timeout=60)))
    still_serving(channel)


@WIRE
@given(payload=st.binary(max_size=512),
       method=st.sampled_from(["/fantasytalking.v1.AnimationService/AnimateClip",
                               "/fantasytalking.v1.InfoService/GetServerInfo",
                               "/fantasytalking.v1.SpeechService/ListVoices",
                               "/nvidia_ace.services.a2x_export_config.v1.A2XExportConfigService/GetConfigs"]))
def test_arbitrary_bytes_to_unary_methods_get_a_clean_status(channel, payload, method):
    call = channel.unary_unary(method) if "GetConfigs" not in method else channel.unary_stream(method)
    clean_or_ok(lambda: call(payload, timeout=30) if "GetConfigs" not in method else list(call(payload, timeout=30)))
    still_serving(channel)
