"""One StreamAnimation call: config, audio, interrupts and idle fill on the stream clock.

The session reads requests in order and writes each output as soon as the engine releases it;
a second task fills silence with idle frames when the client stops sending. Both are coroutines
on the server loop, so a stream costs no thread, and a lock keeps their writes in order. Every
decision about animation belongs to `StreamingAnimator`; this module only moves audio in and
frames out.

Fairness: a chunk may hold up to MAX_CHUNK_SECONDS of audio; it is decoded and animated in
SLICE_SECONDS slices, giving the loop back between slices, so a client sending the largest legal
messages delays the other streams of its worker by one slice (a few ms), not by the whole chunk.
At shutdown the listener interrupts the pending read (`OpenStream.shut_down`), never a write; the
stream then animates what it has and closes with a CODE_SHUTDOWN status instead of a bare UNAVAILABLE.
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
from fantasy_talking.server.context import OpenStream, StreamShutDown
from fantasy_talking.server.limits import chunk_error, slices
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
                 context: grpc.aio.ServicerContext, stream: OpenStream | None = None) -> None:
        self._requests = requests
        self._context = context
        self._stream = stream or OpenStream()
        self._lock = asyncio.Lock()
        self._frames_sent = 0
        self._last_input = time.monotonic()
        self._interrupted = False   # the last input was an interrupt: the tail of the audio is dropped

    async def run(self) -> None:
        try:
            config = await self._await_config()
        except StreamShutDown:
            raise StreamRejected(grpc.StatusCode.UNAVAILABLE, "the server is shutting down; reconnect") from None
        try:
            pcm = PcmStream(convert.pcm_format_from_proto(config.audio_format))
            options = convert.options_from_proto(config.options)
            idle_after = _idle_after_s(config)
            if options.engine in (Engine.PHONETIC, Engine.WORDS):
                raise OptionsError(f"the {options.engine.name.lower()} engine needs the whole clip; use AnimateClip, "
                                   "or SPEECH_ENGINE_AUTO/ACOUSTIC/FUSED for streams")
            # The fused engine loads a phone model (~0.2 s): off the event loop, so other streams keep flowing.
            animator = (await asyncio.to_thread(StreamingAnimator, options) if options.engine is Engine.FUSED
                        else StreamingAnimator(options))
        except (AudioError, OptionsError) as exc:
            raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT, f"bad StreamConfig: {exc}") from exc
        await self._send(animation_pb2.StreamAnimationResponse(header=convert.header_to_proto(
            animator.curve_names, animator.joint_names, animator.fps, animator.engine, animator.lookahead_ms)))
        self._last_input = time.monotonic()
        idle = asyncio.get_running_loop().create_task(self._fill_idle(animator, idle_after))
        try:
            await self._animate(animator, pcm)
            shutdown = False
        except StreamShutDown:
            shutdown = True
        except BaseException:
            idle.cancel()
            raise
        await self._stop(idle)
        await self._finish(animator, pcm, shutdown)

    async def _stop(self, idle: asyncio.Task) -> None:
        """End the idle filler between two of its writes: it writes only under the lock, so cancelled
        while we hold it, it is sleeping or waiting, never halfway through a write."""
        async with self._lock:
            idle.cancel()
        await asyncio.gather(idle, return_exceptions=True)

    async def _await_config(self) -> animation_pb2.StreamConfig:
        first = await self._stream.read(self._requests)
        if first is None:
            raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                                 "the stream ended before its StreamConfig; send a config first")
        kind = first.WhichOneof("request")
        if kind != "config":
            raise StreamRejected(grpc.StatusCode.FAILED_PRECONDITION,
                                 f"got '{kind or 'an empty request'}' before the StreamConfig; "
                                 "the first message must be a StreamConfig")
        return first.config

    async def _send(self, response: animation_pb2.StreamAnimationResponse) -> None:
        """One write, timed for the listener's write-timeout watchdog."""
        self._stream.begin_write()
        await self._context.write(response)
        self._stream.end_write()

    async def _write(self, out: StreamOutput) -> None:
        """Visemes, then frames: a client sees each viseme no later than the frames it shapes."""
        for event in out.visemes:
            await self._send(animation_pb2.StreamAnimationResponse(viseme=convert.viseme_to_proto(event)))
        for frame in out.frames:
            await self._send(animation_pb2.StreamAnimationResponse(frame=convert.frame_to_proto(frame)))
            self._frames_sent += 1   # per frame: exact whatever ends the loop (a client gone, the watchdog)

    async def _push_audio(self, animator: StreamingAnimator, pcm: PcmStream, data: bytes) -> None:
        """Decode and animate one chunk, slice by slice, yielding the loop between slices."""
        fmt = pcm.format
        bytes_per_second = fmt.sample_rate * fmt.bytes_per_frame
        if (error := chunk_error(len(data), bytes_per_second)) is not None:
            raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT, error)
        pieces = slices(data, bytes_per_second, fmt.bytes_per_frame)
        for k, piece in enumerate(pieces):
            if k:
                await asyncio.sleep(0)
            samples = self._decode(pcm, piece)
            if len(samples):
                await self._write(animator.push(samples))

    async def _animate(self, animator: StreamingAnimator, pcm: PcmStream) -> None:
        """Every request up to `end` or the client's last one (StreamShutDown at shutdown)."""
        while (request := await self._stream.read(self._requests)) is not None:
            kind = request.WhichOneof("request")
            async with self._lock:
                if kind == "audio":
                    self._interrupted = False
                    self._last_input = time.monotonic()
                    await self._push_audio(animator, pcm, request.audio)
                    self._last_input = time.monotonic()
                elif kind == "interrupt":
                    pcm.reset()
                    self._interrupted = True
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

    async def _finish(self, animator: StreamingAnimator, pcm: PcmStream, shutdown: bool) -> None:
        """The frames still held back by the look-ahead, then the closing status."""
        async with self._lock:
            tail = pcm.flush()
            if len(tail) and not self._interrupted:
                await self._write(animator.push(tail))
            await self._write(animator.finish())
            await self._send(self._status(pcm, self._interrupted, shutdown))

    async def _fill_idle(self, animator: StreamingAnimator, idle_after: float) -> None:
        """While the client sends nothing for `idle_after` and the stream clock trails the wall clock, push
        silence in real time, frame by frame, so the face keeps breathing and blinking on the stream clock.

        The stream clock starts with the header. A client that sends faster than real time is ahead of
        the wall clock and gets no silence until the audio it sent has had time to play: a pause in its
        sending is not a pause in its audio, and filling it would shift every later frame.
        """
        frame_period = 1.0 / animator.fps
        origin = time.monotonic()
        while True:
            now = time.monotonic()
            wait = max(self._last_input + idle_after - now, origin + animator.audio_seconds - now)
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            silent_since = self._last_input
            while self._last_input == silent_since:
                silence = int(round((time.monotonic() - origin - animator.audio_seconds) * SAMPLE_RATE))
                if silence > 0:
                    async with self._lock:
                        if self._last_input != silent_since:
                            break
                        await self._write(animator.push(np.zeros(silence, dtype=np.float32)))
                await asyncio.sleep(frame_period)

    @staticmethod
    def _decode(pcm: PcmStream, data: bytes) -> np.ndarray:
        try:
            return pcm.feed(data)
        except AudioError as exc:
            raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT, f"bad audio chunk: {exc}") from exc

    def _status(self, pcm: PcmStream, interrupted: bool, shutdown: bool) -> animation_pb2.StreamAnimationResponse:
        if shutdown:
            code = common_pb2.StreamStatus.CODE_SHUTDOWN
            message = "the server is shutting down; the audio received so far is animated; reconnect to go on"
        elif interrupted:
            code, message = common_pb2.StreamStatus.CODE_INTERRUPTED, "interrupted; settled to neutral"
        else:
            code, message = common_pb2.StreamStatus.CODE_OK, "all audio animated"
        return animation_pb2.StreamAnimationResponse(status=common_pb2.StreamStatus(
            code=code, message=message, frames=self._frames_sent, audio_seconds=pcm.received_seconds))

    @property
    def frames_sent(self) -> int:
        return self._frames_sent
