"""One StreamAnimation call: config, audio, interrupts and idle fill on the stream clock.

The session reads requests in order and writes each output as soon as the engine releases it;
a second task fills silence with idle frames when the client stops sending. Both are coroutines
on the server loop, so a stream costs no thread, and a lock keeps their writes in order. Every
decision about animation belongs to `StreamingAnimator`; this module only moves audio in and
frames out.
"""
from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator

import grpc
import numpy as np

from fantasy_talking.animation.options import Engine, OptionsError
from fantasy_talking.animation.stream import StreamingAnimator, StreamOutput
from fantasy_talking.audio.decode import SAMPLE_RATE, AudioError
from fantasy_talking.audio.pcm_stream import PcmStream
from fantasy_talking.server import convert
from fantasytalking.v1 import animation_pb2, common_pb2

DEFAULT_IDLE_AFTER_MS = 250
MIN_IDLE_AFTER_MS, MAX_IDLE_AFTER_MS = 50, 10_000


class StreamRejected(Exception):
    """The client broke the protocol; carries the gRPC status to answer with."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


def _idle_after_s(config: animation_pb2.StreamConfig) -> float:
    value = config.idle_after_ms or DEFAULT_IDLE_AFTER_MS
    if not MIN_IDLE_AFTER_MS <= value <= MAX_IDLE_AFTER_MS:
        raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                             f"idle_after_ms must be {MIN_IDLE_AFTER_MS}..{MAX_IDLE_AFTER_MS} (0 means "
                             f"{DEFAULT_IDLE_AFTER_MS}), got {value}")
    return value / 1000.0


class StreamSession:
    """Runs one stream: `run()` writes the header, frames, visemes and the closing status."""

    def __init__(self, requests: AsyncIterator[animation_pb2.StreamAnimationRequest],
                 context: grpc.aio.ServicerContext) -> None:
        self._requests = requests
        self._context = context
        self._lock = asyncio.Lock()
        self._frames_sent = 0
        self._last_input = time.monotonic()

    async def run(self) -> None:
        config = await self._await_config()
        try:
            pcm = PcmStream(convert.pcm_format_from_proto(config.audio_format))
            options = convert.options_from_proto(config.options)
            idle_after = _idle_after_s(config)
            if options.engine is Engine.PHONETIC:
                raise OptionsError("the phonetic engine needs the whole clip; use AnimateClip, "
                                   "or SPEECH_ENGINE_AUTO/ACOUSTIC for streams")
            animator = StreamingAnimator(options)
        except (AudioError, OptionsError) as exc:
            raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT, f"bad StreamConfig: {exc}") from exc
        await self._context.write(animation_pb2.StreamAnimationResponse(header=convert.header_to_proto(
            animator.curve_names, animator.joint_names, animator.fps, animator.engine, animator.lookahead_ms)))
        self._last_input = time.monotonic()
        idle = asyncio.get_running_loop().create_task(self._fill_idle(animator, idle_after))
        try:
            await self._animate(animator, pcm)
        finally:
            idle.cancel()

    async def _await_config(self) -> animation_pb2.StreamConfig:
        first = await anext(self._requests, None)
        if first is None:
            raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                                 "the stream ended before its StreamConfig; send a config first")
        kind = first.WhichOneof("request")
        if kind != "config":
            raise StreamRejected(grpc.StatusCode.FAILED_PRECONDITION,
                                 f"got '{kind or 'an empty request'}' before the StreamConfig; "
                                 "the first message must be a StreamConfig")
        return first.config

    async def _write(self, out: StreamOutput) -> None:
        """Visemes, then frames: a client sees each viseme no later than the frames it shapes."""
        for event in out.visemes:
            await self._context.write(animation_pb2.StreamAnimationResponse(viseme=convert.viseme_to_proto(event)))
        for frame in out.frames:
            await self._context.write(animation_pb2.StreamAnimationResponse(frame=convert.frame_to_proto(frame)))
        self._frames_sent += len(out.frames)

    async def _animate(self, animator: StreamingAnimator, pcm: PcmStream) -> None:
        interrupted = False
        async for request in self._requests:
            kind = request.WhichOneof("request")
            async with self._lock:
                if kind == "audio":
                    samples = self._decode(pcm, request.audio)
                    interrupted = False
                    self._last_input = time.monotonic()
                    if len(samples):
                        await self._write(animator.push(samples))
                elif kind == "interrupt":
                    pcm.reset()
                    interrupted = True
                    self._last_input = time.monotonic()
                    await self._write(animator.interrupt())
                elif kind == "end":
                    break
                elif kind == "config":
                    raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                                         "a second StreamConfig was sent; a stream takes exactly one, first")
                else:
                    raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                                         "empty StreamAnimationRequest; set config, audio, interrupt or end")
        async with self._lock:
            tail = pcm.flush()
            if len(tail) and not interrupted:
                await self._write(animator.push(tail))
            await self._write(animator.finish())
            await self._context.write(self._status(pcm, interrupted))

    async def _fill_idle(self, animator: StreamingAnimator, idle_after: float) -> None:
        """While the client sends nothing for `idle_after`, push silence in real time, frame by frame,
        so the face keeps breathing and blinking on the stream clock."""
        frame_period = 1.0 / animator.fps
        while True:
            wait = self._last_input + idle_after - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            silent_since = filled_until = self._last_input
            while self._last_input == silent_since:
                silence = int(round((time.monotonic() - filled_until) * SAMPLE_RATE))
                if silence > 0:
                    async with self._lock:
                        if self._last_input != silent_since:
                            break
                        filled_until += silence / SAMPLE_RATE
                        await self._write(animator.push(np.zeros(silence, dtype=np.float32)))
                await asyncio.sleep(frame_period)

    @staticmethod
    def _decode(pcm: PcmStream, data: bytes) -> np.ndarray:
        try:
            return pcm.feed(data)
        except AudioError as exc:
            raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT, f"bad audio chunk: {exc}") from exc

    def _status(self, pcm: PcmStream, interrupted: bool) -> animation_pb2.StreamAnimationResponse:
        code = common_pb2.StreamStatus.CODE_INTERRUPTED if interrupted else common_pb2.StreamStatus.CODE_OK
        message = "interrupted; settled to neutral" if interrupted else "all audio animated"
        return animation_pb2.StreamAnimationResponse(status=common_pb2.StreamStatus(
            code=code, message=message, frames=self._frames_sent, audio_seconds=pcm.received_seconds))

    @property
    def frames_sent(self) -> int:
        return self._frames_sent
