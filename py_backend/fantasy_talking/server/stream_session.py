"""One StreamAnimation call: config, audio, interrupts and idle fill on the stream clock.

The request iterator is read on its own thread into a queue, so the response side can keep
emitting idle frames while the client is silent. Every decision about animation belongs to
`StreamingAnimator`; this module only moves audio in and frames out, in order.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Iterator

import grpc
import numpy as np

from fantasy_talking.animation.options import Engine, OptionsError
from fantasy_talking.animation.stream import StreamingAnimator, StreamOutput
from fantasy_talking.audio.decode import SAMPLE_RATE, AudioError
from fantasy_talking.server import convert
from fantasy_talking.audio.pcm_stream import PcmStream
from fantasytalking.v1 import animation_pb2, common_pb2

DEFAULT_IDLE_AFTER_MS = 250
MIN_IDLE_AFTER_MS, MAX_IDLE_AFTER_MS = 50, 10_000
MIN_TICK_S = 0.005
QUEUE_MESSAGES = 100

_CLOSED = object()
"""Queued by the reader when the client half-closes or the call ends."""


class StreamRejected(Exception):
    """The client broke the protocol; carries the gRPC status to answer with."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class _Inbound:
    """A request and the interrupt generation it arrived in (audio from before an interrupt is dropped)."""

    generation: int
    request: animation_pb2.StreamAnimationRequest


class _RequestReader:
    """Drains the request iterator on a daemon thread; counts interrupts as they arrive.

    The queue is bounded, so a client sending faster than the engine animates is slowed down
    by gRPC flow control instead of filling the server's memory.
    """

    def __init__(self, requests: Iterator[animation_pb2.StreamAnimationRequest],
                 call_done: threading.Event) -> None:
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_MESSAGES)
        self.generation = 0
        self._requests = requests
        self._call_done = call_done
        threading.Thread(target=self._run, name="ftalk-stream-reader", daemon=True).start()

    def _put(self, item) -> None:
        while not self._call_done.is_set():
            try:
                self.queue.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    def _run(self) -> None:
        try:
            for request in self._requests:
                kind = request.WhichOneof("request")
                if kind == "interrupt":
                    self.generation += 1
                self._put(_Inbound(self.generation, request))
                if kind == "end" or self._call_done.is_set():
                    return
        except grpc.RpcError:
            pass
        finally:
            self._put(_CLOSED)


def _idle_after_s(config: animation_pb2.StreamConfig) -> float:
    value = config.idle_after_ms or DEFAULT_IDLE_AFTER_MS
    if not MIN_IDLE_AFTER_MS <= value <= MAX_IDLE_AFTER_MS:
        raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                             f"idle_after_ms must be {MIN_IDLE_AFTER_MS}..{MAX_IDLE_AFTER_MS} (0 means "
                             f"{DEFAULT_IDLE_AFTER_MS}), got {value}")
    return value / 1000.0


class StreamSession:
    """Runs one stream: `responses()` yields header, frames, visemes and the closing status."""

    def __init__(self, requests: Iterator[animation_pb2.StreamAnimationRequest],
                 call_done: threading.Event) -> None:
        self._reader = _RequestReader(requests, call_done)
        self._call_done = call_done
        self._frames_sent = 0
        self._held: object | None = None

    def responses(self) -> Iterator[animation_pb2.StreamAnimationResponse]:
        config = self._await_config()
        if config is None:
            return
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
        yield animation_pb2.StreamAnimationResponse(header=convert.header_to_proto(
            animator.curve_names, animator.joint_names, animator.fps, animator.engine, animator.lookahead_ms))
        yield from self._animate(animator, pcm, idle_after)

    def _await_config(self) -> animation_pb2.StreamConfig | None:
        while not self._call_done.is_set():
            try:
                item = self._reader.queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if item is _CLOSED:
                raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                                     "the stream ended before its StreamConfig; send a config first")
            kind = item.request.WhichOneof("request")
            if kind != "config":
                raise StreamRejected(grpc.StatusCode.FAILED_PRECONDITION,
                                     f"got '{kind or 'an empty request'}' before the StreamConfig; "
                                     "the first message must be a StreamConfig")
            return item.request.config
        return None

    def _emit(self, out: StreamOutput) -> Iterator[animation_pb2.StreamAnimationResponse]:
        for event in out.visemes:
            yield animation_pb2.StreamAnimationResponse(viseme=convert.viseme_to_proto(event))
        for frame in out.frames:
            yield animation_pb2.StreamAnimationResponse(frame=convert.frame_to_proto(frame))
        self._frames_sent += len(out.frames)

    def _animate(self, animator: StreamingAnimator, pcm: PcmStream,
                 idle_after: float) -> Iterator[animation_pb2.StreamAnimationResponse]:
        frame_period = 1.0 / animator.fps
        last_input = time.monotonic()
        filled_until: float | None = None
        interrupted = False
        while not self._call_done.is_set():
            wait = frame_period if filled_until is not None else last_input + idle_after - time.monotonic()
            try:
                item = self._next(timeout=max(wait, MIN_TICK_S))
            except queue.Empty:
                now = time.monotonic()
                if filled_until is None and now - last_input >= idle_after:
                    filled_until = last_input
                if filled_until is not None:
                    silence = int(round((now - filled_until) * SAMPLE_RATE))
                    if silence > 0:
                        filled_until += silence / SAMPLE_RATE
                        yield from self._emit(animator.push(np.zeros(silence, dtype=np.float32)))
                continue
            kind = "end" if item is _CLOSED else item.request.WhichOneof("request")
            if kind == "audio":
                chunks = [item.request.audio, *self._waiting_audio(item.generation)]
                samples = np.concatenate([self._decode(pcm, chunk) for chunk in chunks])
                if item.generation < self._reader.generation:
                    continue
                filled_until, interrupted = None, False
                if len(samples):
                    yield from self._emit(animator.push(samples))
                last_input = time.monotonic()
            elif kind == "interrupt":
                pcm.reset()
                filled_until, interrupted = None, True
                yield from self._emit(animator.interrupt())
                last_input = time.monotonic()
            elif kind == "end":
                tail = pcm.flush()
                if len(tail) and not interrupted:
                    yield from self._emit(animator.push(tail))
                yield from self._emit(animator.finish())
                yield self._status(pcm, interrupted)
                return
            elif kind == "config":
                raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                                     "a second StreamConfig was sent; a stream takes exactly one, first")
            else:
                raise StreamRejected(grpc.StatusCode.INVALID_ARGUMENT,
                                     "empty StreamAnimationRequest; set config, audio, interrupt or end")

    def _next(self, timeout: float):
        if self._held is not None:
            item, self._held = self._held, None
            return item
        return self._reader.queue.get(timeout=timeout)

    def _waiting_audio(self, generation: int) -> list[bytes]:
        """Audio already queued behind the current chunk, taken in one batch.

        Only a client ahead of the engine (or a server behind) leaves a backlog; animating it
        in one push costs less per chunk, so an overloaded server catches up instead of falling
        further behind. Any other message is held back for the next turn of the loop.
        """
        chunks: list[bytes] = []
        while self._held is None:
            try:
                item = self._reader.queue.get_nowait()
            except queue.Empty:
                break
            if item is not _CLOSED and item.generation == generation and item.request.WhichOneof("request") == "audio":
                chunks.append(item.request.audio)
            else:
                self._held = item
        return chunks

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
