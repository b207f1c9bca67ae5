"""A reference client for AnimationService: channel set-up and a real-time paced stream.

Used by `ftalk stream`, the streaming benchmark and the tests, so they all measure the same way:
latency is the wall time from sending the chunk that holds a frame's time code to receiving
that frame (it includes the look-ahead by design). `stream_samples_async` is the same stream on
grpc.aio, for load generators that run many streams on one event loop.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Callable, Iterator

import grpc
import numpy as np

from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2

MAX_RECEIVE_BYTES = 256 * 1024 * 1024
"""Whole-clip answers grow with duration and fps; accept big ones."""


def open_channel(address: str, tls_ca: Path | None = None) -> grpc.Channel:
    """An insecure channel, or a TLS one trusting `tls_ca` (PEM)."""
    options = [("grpc.max_receive_message_length", MAX_RECEIVE_BYTES)]
    if tls_ca is None:
        return grpc.insecure_channel(address, options=options)
    credentials = grpc.ssl_channel_credentials(root_certificates=Path(tls_ca).read_bytes())
    return grpc.secure_channel(address, credentials, options=options)


def auth_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),) if token else ()


@dataclass
class StreamResult:
    """What came back from one stream, with per-frame latencies in seconds."""

    header: common_pb2.AnimationHeader | None = None
    frames: list[common_pb2.AnimationFrame] = field(default_factory=list)
    visemes: list[common_pb2.VisemeEvent] = field(default_factory=list)
    status: common_pb2.StreamStatus | None = None
    latencies_s: list[float] = field(default_factory=list)

    def latency_ms(self, q: float) -> float:
        return float(np.percentile(self.latencies_s, q) * 1000.0) if self.latencies_s else float("nan")

    @property
    def max_latency_ms(self) -> float:
        return float(max(self.latencies_s) * 1000.0) if self.latencies_s else float("nan")


def f32_chunks(samples_16k: np.ndarray, chunk_ms: int) -> list[bytes]:
    """16 kHz float samples cut into chunk_ms pieces of little-endian float32 PCM."""
    step = max(1, int(16_000 * chunk_ms / 1000))
    data = samples_16k.astype("<f4")
    return [data[i:i + step].tobytes() for i in range(0, len(data), step)]


def _config_request(options: common_pb2.AnimationOptions, idle_after_ms: int
                    ) -> animation_pb2.StreamAnimationRequest:
    return animation_pb2.StreamAnimationRequest(config=animation_pb2.StreamConfig(
        audio_format=common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE,
                                            sample_rate_hz=16_000, channels=1),
        options=options, idle_after_ms=idle_after_ms))


class _Collector:
    """Files each response into a StreamResult and times frames against their chunk's send time."""

    def __init__(self, samples_16k: np.ndarray, chunk_ms: int) -> None:
        self.result = StreamResult()
        self.chunk_s = chunk_ms / 1000.0
        self.duration = len(samples_16k) / 16_000
        self.sent_at: list[float] = []

    def add(self, response: animation_pb2.StreamAnimationResponse) -> None:
        received = time.monotonic()
        result = self.result
        kind = response.WhichOneof("response")
        if kind == "header":
            result.header = response.header
        elif kind == "frame":
            frame = response.frame
            result.frames.append(frame)
            k = int(frame.time_s / self.chunk_s)
            if frame.time_s < self.duration and k < len(self.sent_at):
                result.latencies_s.append(received - self.sent_at[k])
        elif kind == "viseme":
            result.visemes.append(response.viseme)
        elif kind == "status":
            result.status = response.status


def stream_samples(stub: animation_pb2_grpc.AnimationServiceStub, samples_16k: np.ndarray,
                   options: common_pb2.AnimationOptions, chunk_ms: int = 20, realtime: bool = True,
                   token: str | None = None, timeout: float | None = None,
                   idle_after_ms: int = 0, progress: Callable[[float], None] | None = None) -> StreamResult:
    """Stream 16 kHz mono audio (paced in real time unless `realtime` is False) and collect the answer.

    `progress` is called with the fraction of the audio sent so far.
    """
    chunks = f32_chunks(samples_16k, chunk_ms)
    collector = _Collector(samples_16k, chunk_ms)

    def requests() -> Iterator[animation_pb2.StreamAnimationRequest]:
        yield _config_request(options, idle_after_ms)
        start = time.monotonic()
        for k, chunk in enumerate(chunks):
            if realtime:
                delay = start + (k + 1) * collector.chunk_s - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            collector.sent_at.append(time.monotonic())
            yield animation_pb2.StreamAnimationRequest(audio=chunk)
            if progress is not None:
                progress((k + 1) / len(chunks))
        yield animation_pb2.StreamAnimationRequest(end=animation_pb2.EndOfAudio())

    for response in stub.StreamAnimation(requests(), metadata=auth_metadata(token), timeout=timeout):
        collector.add(response)
    return collector.result


async def stream_samples_async(stub: animation_pb2_grpc.AnimationServiceStub, samples_16k: np.ndarray,
                               options: common_pb2.AnimationOptions, chunk_ms: int = 20,
                               token: str | None = None, timeout: float | None = None,
                               idle_after_ms: int = 0) -> StreamResult:
    """`stream_samples` in real time on a grpc.aio stub (from a `grpc.aio` channel)."""
    chunks = f32_chunks(samples_16k, chunk_ms)
    collector = _Collector(samples_16k, chunk_ms)

    async def requests() -> AsyncIterator[animation_pb2.StreamAnimationRequest]:
        yield _config_request(options, idle_after_ms)
        start = time.monotonic()
        for k, chunk in enumerate(chunks):
            delay = start + (k + 1) * collector.chunk_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            collector.sent_at.append(time.monotonic())
            yield animation_pb2.StreamAnimationRequest(audio=chunk)
        yield animation_pb2.StreamAnimationRequest(end=animation_pb2.EndOfAudio())

    async for response in stub.StreamAnimation(requests(), metadata=auth_metadata(token), timeout=timeout):
        collector.add(response)
    return collector.result
