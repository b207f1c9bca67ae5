"""Audio2Face-3D wire compatibility: NVIDIA ACE clients drive our streaming engine.

Serves `nvidia_ace.services.a2f_controller.v1.A2FControllerService/ProcessAudioStream` and
`nvidia_ace.services.a2x_export_config.v1.A2XExportConfigService/GetConfigs` with the compatible
protos in `nvidia_ace_compat`. Transport only: the curves come from the same `StreamingAnimator`
as StreamAnimation, and every parameter mapping lives in `a2f_mapping`.

Status codes (NVIDIA does not document NIM's; these are the natural gRPC ones): protocol and
format errors are INVALID_ARGUMENT, a full server is RESOURCE_EXHAUSTED, a bug is INTERNAL.
An error after the response header is also sent in-band as a Status ERROR first, which is
where NVIDIA's sample client looks for input-limit errors.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import AsyncIterator, Iterator

import grpc
import numpy as np

from fantasy_talking.animation.clip import Frame
from fantasy_talking.animation.options import AnimationOptions, OptionsError
from fantasy_talking.animation.stream import StreamingAnimator
from fantasy_talking.audio.decode import AudioError
from fantasy_talking.server import a2f_mapping as mapping
from fantasy_talking.server.a2f_mapping import A2FRequestError
from fantasy_talking.server import convert
from fantasy_talking.server.context import OpenStream, ServerContext, StreamShutDown
from fantasy_talking.server.status import fail
from fantasy_talking.server.limits import (
    MAX_EMOTION_KEYFRAMES, MAX_EMOTION_KEYFRAMES_PER_STREAM, chunk_error, slices,
)
from fantasy_talking.audio.pcm_stream import PcmStream
from nvidia_ace_compat import (
    a2f_controller_service_pb2, a2f_controller_service_pb2_grpc, a2f_pb2, a2x_export_config_pb2,
    a2x_export_config_pb2_grpc, animation_data_pb2, controller_pb2,
)

log = logging.getLogger(__name__)

CONTROLLER_SERVICE = a2f_controller_service_pb2.DESCRIPTOR.services_by_name["A2FControllerService"].full_name
EXPORT_CONFIG_SERVICE = a2x_export_config_pb2.DESCRIPTOR.services_by_name["A2XExportConfigService"].full_name

INTERNAL_MESSAGE = "internal error while animating; the server log has the details"


async def first_header(requests: AsyncIterator[controller_pb2.AudioStream],
                       stream: OpenStream) -> controller_pb2.AudioStreamHeader:
    """The stream's header, which must come first."""
    first = await stream.read(requests)
    if first is None:
        raise A2FRequestError("the stream ended before its audio_stream_header; send the header first")
    kind = first.WhichOneof("stream_part")
    if kind != "audio_stream_header":
        raise A2FRequestError(f"got {kind or 'an empty message'} before the audio_stream_header; "
                              "the first message must be the header")
    return first.audio_stream_header


class A2FStream:
    """One ProcessAudioStream call after its header: audio chunks and the end marker in; a header,
    frames with the audio they cover, an end-of-processing event and a status out."""

    def __init__(self, header: controller_pb2.AudioStreamHeader, base: AnimationOptions,
                 max_clip_seconds: float) -> None:
        self._settings = mapping.stream_settings(header, base)
        try:
            self._animator = StreamingAnimator(self._settings.options)
        except OptionsError as exc:
            raise A2FRequestError(str(exc)) from exc
        self._audio_header = header.audio_header
        self._order = mapping.a2f_order(tuple(self._animator.curve_names))
        self._pcm = PcmStream(self._settings.pcm)
        self._max_clip_seconds = max_clip_seconds
        self._unechoed = bytearray()
        self._echoed_samples = 0
        self._emotions = mapping.beginning_emotions(self._settings)
        self._keyframes = 0
        self.frames_sent = 0
        self.header_sent = False
        self.shut_down = False

    async def responses(self, requests: AsyncIterator[controller_pb2.AudioStream], stream: OpenStream
                        ) -> AsyncIterator[controller_pb2.AnimationDataStream]:
        """The answer to the stream's messages. Each yield is a write the watchdog times; a large
        chunk is animated in slices with the loop given back between them (see limits.py)."""
        animator = self._animator
        yield mapping.response_header(self._audio_header, tuple(animator.joint_names), time.time())
        self.header_sent = True
        try:
            while (request := await stream.read(requests)) is not None:
                kind = request.WhichOneof("stream_part")
                if kind == "audio_with_emotion":
                    chunk = request.audio_with_emotion
                    self._check(chunk)
                    pieces = slices(chunk.audio_buffer, self._settings.bytes_per_second,
                                    self._settings.pcm.bytes_per_frame)
                    for k, piece in enumerate(pieces):
                        if k:
                            await asyncio.sleep(0)
                        for response in self._emit(animator.push(self._feed(piece)).frames):
                            stream.begin_write()
                            yield response
                            stream.end_write()
                elif kind == "end_of_audio":
                    break
                elif kind == "audio_stream_header":
                    raise A2FRequestError("a second audio_stream_header was sent; a stream takes exactly one, first")
                else:
                    raise A2FRequestError("empty AudioStream message; set audio_with_emotion or end_of_audio")
        except StreamShutDown:
            self.shut_down = True
        tail = self._pcm.flush()
        frames = (animator.push(tail).frames if len(tail) else []) + animator.finish().frames
        for response in self._emit(frames, final=True):
            yield response
        yield mapping.end_of_processing()
        if self.shut_down:
            yield mapping.shutdown_status(self.frames_sent, self._pcm.received_seconds)
        else:
            yield mapping.final_status(self.frames_sent, self._pcm.received_seconds)

    def _check(self, chunk: a2f_pb2.AudioWithEmotion) -> None:
        """Check one message's size and emotions, and pass its keyframes to the engine."""
        if (error := chunk_error(len(chunk.audio_buffer), self._settings.bytes_per_second)) is not None:
            raise A2FRequestError(error)
        if len(chunk.emotions) > MAX_EMOTION_KEYFRAMES:
            raise A2FRequestError(f"a message holds {len(chunk.emotions)} emotion keyframes, more than the "
                                  f"{MAX_EMOTION_KEYFRAMES} allowed per message; send fewer (one every few "
                                  "hundred milliseconds is plenty for eased emotions)")
        self._keyframes += len(chunk.emotions)
        if self._keyframes > MAX_EMOTION_KEYFRAMES_PER_STREAM:
            raise A2FRequestError(f"the stream has sent {self._keyframes} emotion keyframes, more than the "
                                  f"{MAX_EMOTION_KEYFRAMES_PER_STREAM} allowed per stream")
        keyframes = mapping.chunk_emotions(chunk)
        for keyframe in keyframes:
            self._animator.set_emotions(keyframe.time_code, dict(keyframe.emotion))
        self._emotions.extend(keyframes)

    def _feed(self, data: bytes) -> np.ndarray:
        """Decode a slice of a checked chunk; keep its bytes for the echo."""
        try:
            samples = self._pcm.feed(data)
        except AudioError as exc:
            raise A2FRequestError(f"bad audio_buffer: {exc}") from exc
        if self._pcm.received_seconds > self._max_clip_seconds:
            raise A2FRequestError(f"the audio is longer than the {self._max_clip_seconds:g} s limit; "
                                  "split it into several streams")
        self._unechoed.extend(data)
        return samples

    def _emit(self, frames: list[Frame], final: bool = False) -> Iterator[controller_pb2.AnimationDataStream]:
        """One response per frame, each with the input audio up to the frame's end (all of it at the end)."""
        rate = self._settings.pcm.sample_rate
        for k, frame in enumerate(frames):
            last = final and k == len(frames) - 1
            convert.check_finite(frame)
            weights = self._settings.adjustment.apply(frame.weights[self._order])
            yield self._data(mapping.skel_frame(frame.time_s, weights, frame.joints),
                             None if last else round((frame.index + 1) * rate / mapping.A2F_FPS))
            self.frames_sent += 1
        if final and (self._unechoed or self._emotions):
            yield self._data(None, None)

    def _data(self, skel: animation_data_pb2.SkelAnimation | None,
              until_sample: int | None) -> controller_pb2.AnimationDataStream:
        """A response with `skel` and the unechoed audio up to `until_sample` (all of it when None)."""
        width = self._settings.pcm.bytes_per_frame
        available = len(self._unechoed) // width
        count = available if until_sample is None else max(0, min(available, until_sample - self._echoed_samples))
        audio = bytes(self._unechoed[:width * count])
        del self._unechoed[:width * count]
        start_s = self._echoed_samples / self._settings.pcm.sample_rate
        self._echoed_samples += count
        emotions, self._emotions = self._emotions, []
        return mapping.animation_data(skel, start_s, audio, emotions)


class A2FControllerServicer(a2f_controller_service_pb2_grpc.A2FControllerServiceServicer):
    def __init__(self, ctx: ServerContext) -> None:
        self._ctx = ctx

    async def ProcessAudioStream(self, request_iterator, context: grpc.aio.ServicerContext):
        slot = self._ctx.stream_slots.admit(context)
        if slot is None:
            return
        started = time.monotonic()
        stream: A2FStream | None = None
        open_stream = OpenStream()
        self._ctx.open_streams.add(open_stream)
        try:
            try:
                header = await first_header(request_iterator, open_stream)
            except StreamShutDown:
                fail(context, grpc.StatusCode.UNAVAILABLE, "the server is shutting down; reconnect")
                return
            stream = A2FStream(header, AnimationOptions(), self._ctx.config.max_clip_seconds)
            async for response in stream.responses(request_iterator, open_stream):
                yield response
        except grpc.aio.AbortError:
            raise
        except A2FRequestError as exc:
            log.info("a2f stream rejected reason=%s", exc)
            if stream is not None and stream.header_sent:
                yield mapping.error_status(str(exc))
            fail(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except grpc.RpcError:
            log.info("a2f stream dropped by the client")
        except Exception:
            log.exception("a2f stream failed")
            fail(context, grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        finally:
            self._ctx.open_streams.discard(open_stream)
            slot.release()
            log.info("a2f stream closed frames=%d wall_s=%.2f", stream.frames_sent if stream else 0,
                     time.monotonic() - started)


class A2XExportConfigServicer(a2x_export_config_pb2_grpc.A2XExportConfigServiceServicer):
    def __init__(self, ctx: ServerContext) -> None:
        self._ctx = ctx

    async def GetConfigs(self, request: a2x_export_config_pb2.ConfigsTypeRequest, context: grpc.aio.ServicerContext):
        base = AnimationOptions()
        config = mapping.effective_config(base, StreamingAnimator.joint_names,
                                          self._ctx.config.max_concurrent_streams,
                                          self._ctx.config.max_clip_seconds)
        yield mapping.config_document(config, request.config_type)


def add_to_server(server: grpc.aio.Server, ctx: ServerContext) -> list[str]:
    a2f_controller_service_pb2_grpc.add_A2FControllerServiceServicer_to_server(A2FControllerServicer(ctx), server)
    a2x_export_config_pb2_grpc.add_A2XExportConfigServiceServicer_to_server(A2XExportConfigServicer(ctx), server)
    return [CONTROLLER_SERVICE, EXPORT_CONFIG_SERVICE]
