"""AnimationService: speech audio → ARKit-52 curves and joint rotations, streamed or whole.

Transport only: decoding, options and the engine come from the pipeline; this module maps
requests to calls and errors to gRPC status codes.
"""
from __future__ import annotations

import asyncio
import logging
import time

import grpc

from fantasy_talking import pipeline
from fantasy_talking.animation.options import AnimationOptions, OptionsError
from fantasy_talking.audio.decode import AudioError, decode_file, decode_pcm
from fantasy_talking.server import convert
from fantasy_talking.server.blocking import release_memory
from fantasy_talking.server.context import EngineDescription, OpenStream, ServerContext
from fantasy_talking.server.offload import run_apart
from fantasy_talking.server.status import fail
from fantasy_talking.server.stream_session import StreamRejected, StreamSession
from fantasytalking.v1 import animation_pb2, animation_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = animation_pb2.DESCRIPTOR.services_by_name["AnimationService"].full_name

INTERNAL_MESSAGE = "internal error while animating; the server log has the details"

ENGINES = (
    EngineDescription("acoustic", "Language-agnostic acoustic analysis (formants, energy, spectra); "
                      "used for streams and for clips without an English transcript.", ("*",), True),
    EngineDescription("phonetic", "PocketSphinx en-US: forced alignment with a transcript, phone "
                      "recognition without. Clips only.", ("en-US",), False),
    EngineDescription("fused", "The acoustic path with lip shapes from PocketSphinx's phone loop run as a "
                      "stream; any language, same look-ahead, several times the CPU.", ("*",), True),
    EngineDescription("words", "The acoustic path with the lips sealed on every /p b m/ of the clip's words "
                      "(the English transcript's, or recognised by PocketSphinx en-US); the best lip-sync on "
                      "English, and auto's choice for clips with an English transcript. Clips only; about "
                      "4x real time when it recognises the words.", ("en-US",), False),
)


class AnimationServicer(animation_pb2_grpc.AnimationServiceServicer):
    def __init__(self, ctx: ServerContext) -> None:
        self._ctx = ctx

    async def AnimateClip(self, request: animation_pb2.AnimateClipRequest, context: grpc.aio.ServicerContext):
        started = time.monotonic()
        try:
            options = convert.options_from_proto(request.options)
            answer = await asyncio.to_thread(self._animate, request, options)
        except (AudioError, OptionsError) as exc:
            return fail(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        except Exception:
            log.exception("clip failed")
            return fail(context, grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        log.info("clip audio_s=%.2f frames=%d engine=%s compute_s=%.3f", answer.duration_s, len(answer.frames),
                 answer.header.engine, time.monotonic() - started)
        return answer

    def _animate(self, request: animation_pb2.AnimateClipRequest,
                 options: AnimationOptions) -> animation_pb2.AnimateClipResponse:
        """Decode and animate a whole clip and build the answer (blocking: runs on a worker thread,
        so a long clip's thousands of frame messages are not built on the event loop)."""
        try:
            audio = self._decode(request)
            phones = None
            if pipeline.needs_phones(options):   # PocketSphinx holds the GIL: decode in the helper process
                pipeline.check_transcript(options.transcript, audio.duration_s)
                phones = run_apart(pipeline.clip_phones, audio, options)
            clip = pipeline.animate_audio(audio, options, phones=phones)
            return convert.clip_to_proto(clip, options.lookahead_ms)
        finally:
            release_memory()

    def _decode(self, request: animation_pb2.AnimateClipRequest):
        limit = self._ctx.config.max_clip_seconds
        source = request.WhichOneof("audio")
        if source == "file":
            return decode_file(request.file, max_seconds=limit)
        if source == "pcm":
            fmt = convert.pcm_format_from_proto(request.pcm.format)
            seconds = len(request.pcm.data) / fmt.bytes_per_frame / fmt.sample_rate
            if seconds > limit:
                raise AudioError(f"the audio is longer than the {limit:g} s limit; split it")
            if not request.pcm.data:
                raise AudioError("pcm.data is empty; send some audio")
            return decode_pcm(request.pcm.data, fmt)
        raise AudioError("no audio: set `file` (a whole audio file) or `pcm` (raw PCM with its format)")

    async def StreamAnimation(self, request_iterator, context: grpc.aio.ServicerContext):
        slot = self._ctx.stream_slots.admit(context)
        if slot is None:
            return
        stream = OpenStream()
        self._ctx.open_streams.add(stream)
        session = StreamSession(request_iterator, context, stream)
        started = time.monotonic()
        try:
            await session.run()
        except StreamRejected as exc:
            log.info("stream rejected code=%s reason=%s", exc.code.name, exc)
            fail(context, exc.code, str(exc))
        except grpc.aio.AbortError:
            raise
        except Exception:
            log.exception("stream failed")
            fail(context, grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        finally:
            self._ctx.open_streams.discard(stream)
            slot.release()
            log.info("stream closed frames=%d wall_s=%.2f", session.frames_sent, time.monotonic() - started)


def add_to_server(server: grpc.aio.Server, ctx: ServerContext) -> list[str]:
    animation_pb2_grpc.add_AnimationServiceServicer_to_server(AnimationServicer(ctx), server)
    for engine in ENGINES:
        ctx.add_engine(engine)
    return [SERVICE_NAME]
