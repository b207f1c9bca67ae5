"""No client can stall the others: message-cost limits and sliced work, on a real server.

Before the limits and slicing, one 3.9 MiB audio chunk gave the other real-time streams of the
worker 2.6 s of latency, and 100,000 emotion keyframes in one Audio2Face-3D message 4.3 s.
"""
from __future__ import annotations

import threading
import time

import grpc
import numpy as np
import pytest

from fantasy_talking.server.app import build_server
from fantasy_talking.server.client import open_channel, stream_samples
from fantasy_talking.server.config import ServerConfig
from fantasy_talking.server.limits import MAX_CHUNK_SECONDS, MAX_EMOTION_KEYFRAMES
from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2, info_pb2, info_pb2_grpc
from nvidia_ace_compat import a2f_controller_service_pb2_grpc, a2f_pb2, audio_pb2, controller_pb2
from nvidia_ace_compat import emotion_with_timecode_pb2

Req = animation_pb2.StreamAnimationRequest
MODULES = ("fantasy_talking.server.animation_service", "fantasy_talking.server.info_service",
           "fantasy_talking.server.a2f_service")
REALTIME_STREAMS = 4
LOOKAHEAD_MS = 100
BUDGET_MS = LOOKAHEAD_MS + 600
"""p99 budget for the real-time streams: generous for a busy 2-core CI machine (the unloaded p99 is
about look-ahead + 5 ms), and still far below the multi-second stalls this test guards against."""
F32_48K_STEREO = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=48_000,
                                        channels=2)


@pytest.fixture(scope="module")
def server():
    running = build_server(ServerConfig(port=0, max_concurrent_streams=16), service_modules=MODULES)
    yield running
    running.stop(0).wait()


def largest_stream_chunk() -> bytes:
    """MAX_CHUNK_SECONDS of 48 kHz stereo float32: 3.84 MB, just under the 4 MiB message cap."""
    n = int(48_000 * MAX_CHUNK_SECONDS)
    tone = 0.3 * np.sin(np.arange(n) * 0.05).astype(np.float32)
    return np.repeat(tone[:, None], 2, axis=1).astype("<f4").tobytes()


def largest_a2f_message(second: int) -> controller_pb2.AudioStream:
    """MAX_CHUNK_SECONDS of 48 kHz 16-bit audio with MAX_EMOTION_KEYFRAMES emotion keyframes."""
    n = int(48_000 * MAX_CHUNK_SECONDS)
    audio = (3000 * np.sin(np.arange(n) * 0.05)).astype("<i2").tobytes()
    emotions = [emotion_with_timecode_pb2.EmotionWithTimeCode(
        time_code=second * MAX_CHUNK_SECONDS + k * MAX_CHUNK_SECONDS / MAX_EMOTION_KEYFRAMES,
        emotion={"joy": (k % 10) / 10, "anger": 0.1}) for k in range(MAX_EMOTION_KEYFRAMES)]
    return controller_pb2.AudioStream(audio_with_emotion=a2f_pb2.AudioWithEmotion(audio_buffer=audio,
                                                                                  emotions=emotions))


def a2f_header() -> controller_pb2.AudioStream:
    return controller_pb2.AudioStream(audio_stream_header=controller_pb2.AudioStreamHeader(
        audio_header=audio_pb2.AudioHeader(audio_format=audio_pb2.AudioHeader.AUDIO_FORMAT_PCM, channel_count=1,
                                           samples_per_second=48_000, bits_per_sample=16)))


def flood_stream_animation(address: str, stop: threading.Event, sent: list[int]) -> None:
    chunk = largest_stream_chunk()
    with open_channel(address) as channel:
        stub = animation_pb2_grpc.AnimationServiceStub(channel)

        def requests():
            yield Req(config=animation_pb2.StreamConfig(audio_format=F32_48K_STEREO, idle_after_ms=10_000))
            while not stop.is_set():
                sent[0] += 1
                yield Req(audio=chunk)
            yield Req(end=animation_pb2.EndOfAudio())

        for _ in stub.StreamAnimation(requests()):
            pass


def flood_a2f(address: str, stop: threading.Event, sent: list[int]) -> None:
    with open_channel(address) as channel:
        stub = a2f_controller_service_pb2_grpc.A2FControllerServiceStub(channel)

        def requests():
            yield a2f_header()
            second = 0
            while not stop.is_set() and second < 50:   # the stream's clip limit is 600 s
                sent[1] += 1
                yield largest_a2f_message(second)
                second += 1
            yield controller_pb2.AudioStream(end_of_audio=controller_pb2.AudioStream.EndOfAudio())

        for _ in stub.ProcessAudioStream(requests()):
            pass


def test_limits_are_published(server):
    with open_channel(server.address) as channel:
        limits = info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(info_pb2.GetServerInfoRequest()).limits
    assert limits.max_chunk_seconds == MAX_CHUNK_SECONDS
    assert limits.max_emotion_keyframes == MAX_EMOTION_KEYFRAMES
    assert limits.max_transcript_chars > 0 and limits.max_transcript_words_per_second > 0
    assert limits.max_transcript_chars_per_second > 0
    assert limits.min_image_side_px > 0 and limits.max_image_aspect > 1


def test_a_chunk_over_the_limit_is_invalid_argument(server):
    too_long = np.zeros(int(16_000 * (MAX_CHUNK_SECONDS + 0.5)), "<f4").tobytes()
    with open_channel(server.address) as channel:
        stub = animation_pb2_grpc.AnimationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            list(stub.StreamAnimation(iter([
                Req(config=animation_pb2.StreamConfig(audio_format=common_pb2.AudioFormat(
                    encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1))),
                Req(audio=too_long)])))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "limit per message" in caught.value.details()


def test_too_many_emotion_keyframes_are_invalid_argument(server):
    message = largest_a2f_message(0)
    message.audio_with_emotion.emotions.append(emotion_with_timecode_pb2.EmotionWithTimeCode(time_code=0.5))
    with open_channel(server.address) as channel:
        stub = a2f_controller_service_pb2_grpc.A2FControllerServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            list(stub.ProcessAudioStream(iter([a2f_header(), message])))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"{MAX_EMOTION_KEYFRAMES + 1} emotion keyframes" in caught.value.details()


def test_a_largest_legal_chunk_gives_the_frames_of_small_chunks(server):
    """Slicing is invisible: one 10 s chunk and 20 ms chunks of the same audio give the same frames."""
    rng = np.random.default_rng(5)
    audio = (0.3 * np.sin(np.arange(16_000 * 10) * 0.03) * (1 + rng.standard_normal(16_000 * 10) * 0.1)).astype("<f4")
    config = Req(config=animation_pb2.StreamConfig(audio_format=common_pb2.AudioFormat(
        encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1), idle_after_ms=10_000))
    end = Req(end=animation_pb2.EndOfAudio())
    with open_channel(server.address) as channel:
        stub = animation_pb2_grpc.AnimationServiceStub(channel)
        whole = [r.frame for r in stub.StreamAnimation(iter([config, Req(audio=audio.tobytes()), end]))
                 if r.WhichOneof("response") == "frame"]
        small = [r.frame for r in stub.StreamAnimation(iter(
            [config, *[Req(audio=audio[i:i + 320].tobytes()) for i in range(0, len(audio), 320)], end]))
            if r.WhichOneof("response") == "frame"]
    assert len(whole) == len(small) == 300
    np.testing.assert_array_equal([f.blendshapes for f in whole], [f.blendshapes for f in small])


def realtime_streams(address: str, speech: np.ndarray) -> list:
    """REALTIME_STREAMS real-time streams of `speech` at LOOKAHEAD_MS, side by side; their results."""
    results = []

    def realtime() -> None:
        with open_channel(address) as channel:
            results.append(stream_samples(animation_pb2_grpc.AnimationServiceStub(channel), speech,
                                          common_pb2.AnimationOptions(lookahead_ms=LOOKAHEAD_MS),
                                          idle_after_ms=10_000, timeout=120))

    streams = [threading.Thread(target=realtime) for _ in range(REALTIME_STREAMS)]
    for stream in streams:
        stream.start()
    for stream in streams:
        stream.join()
    return results


def test_real_time_streams_stay_on_time_while_a_client_sends_the_largest_messages(server):
    speech = (0.3 * np.sin(np.arange(16_000 * 6) * 0.04)).astype(np.float32)
    stop = threading.Event()
    sent = [0, 0]
    floods = [threading.Thread(target=flood_stream_animation, args=(server.address, stop, sent)),
              threading.Thread(target=flood_a2f, args=(server.address, stop, sent))]
    for flood in floods:
        flood.start()
    try:
        deadline = time.monotonic() + 60
        while min(sent) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert min(sent) >= 2, f"the floods did not get going: {sent}"
        results = realtime_streams(server.address, speech)
    finally:
        stop.set()
        for flood in floods:
            flood.join()
    assert len(results) == REALTIME_STREAMS
    latencies = np.concatenate([r.latencies_s for r in results]) * 1000
    p99 = float(np.percentile(latencies, 99))
    assert all(r.status.code == common_pb2.StreamStatus.CODE_OK for r in results)
    assert all(len(r.frames) == 180 for r in results)
    print(f"real-time p50 {np.percentile(latencies, 50):.0f} ms, p99 {p99:.0f} ms, max {latencies.max():.0f} ms; "
          f"flood messages sent: {sent}")
    assert p99 < BUDGET_MS, f"p99 {p99:.0f} ms while a client sent the largest legal messages {sent}"


def test_real_time_streams_stay_on_time_while_a_client_has_words_recognised(server):
    """PocketSphinx holds the GIL for the whole of a decode (seconds for the words engine), so the
    server runs it in a helper process (server/offload.py): streams of the same process keep their
    budget while clips of the words engine are recognised beside them, and the clips come back."""
    from fantasy_talking.speech.tts.espeak import EspeakEngine

    try:
        espeak = EspeakEngine()
    except OSError as exc:
        pytest.skip(f"libespeak-ng is not installed (tools/setup.sh installs it): {exc}")
    text = ("The library opens at nine. Please bring your card, and put the books you borrowed back "
            "on the cart by the main desk. Maps of the city are on the upper floor, beside the big "
            "windows. ") * 2
    words_clip = espeak.synthesize(text, "en-US+m3", sample_rate=16_000).audio.samples
    assert len(words_clip) > 16_000 * 15   # seconds of decoding per clip
    speech = (0.3 * np.sin(np.arange(16_000 * 6) * 0.04)).astype(np.float32)
    stop = threading.Event()
    clips: list[animation_pb2.AnimateClipResponse] = []

    def animate_words() -> None:
        fmt = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1)
        request = animation_pb2.AnimateClipRequest(
            pcm=animation_pb2.RawAudio(format=fmt, data=words_clip.astype("<f4").tobytes()),
            options=common_pb2.AnimationOptions(engine=common_pb2.SPEECH_ENGINE_WORDS))
        with open_channel(server.address) as channel:
            stub = animation_pb2_grpc.AnimationServiceStub(channel)
            while not stop.is_set():
                clips.append(stub.AnimateClip(request, timeout=120))

    worker = threading.Thread(target=animate_words)
    worker.start()
    try:
        time.sleep(1.0)   # the first clip is being recognised
        results = realtime_streams(server.address, speech)
    finally:
        stop.set()
        worker.join()
    assert clips and all(c.header.engine == "words" and any(v.phoneme == "B" for v in c.visemes) for c in clips)
    latencies = np.concatenate([r.latencies_s for r in results]) * 1000
    p99 = float(np.percentile(latencies, 99))
    assert all(r.status.code == common_pb2.StreamStatus.CODE_OK and len(r.frames) == 180 for r in results)
    print(f"real-time p50 {np.percentile(latencies, 50):.0f} ms, p99 {p99:.0f} ms, max {latencies.max():.0f} ms; "
          f"words clips done: {len(clips)}")
    assert p99 < BUDGET_MS, f"p99 {p99:.0f} ms while the words engine recognised a clip"
