"""SpeechService: text → speech audio with exactly aligned face animation, streamed.

Transport only: checking, synthesis and animation live in speech/tts/speak.py; this module
maps requests to `plan_speech`/`speak`, results to messages and errors to gRPC status codes.
A cancelled call sets the cancel event, which stops synthesis inside the engine.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time

import grpc
import numpy as np

from fantasy_talking.animation.rig import JOINTS, curve_names
from fantasy_talking.server import convert
from fantasy_talking.server.blocking import iterate_in_thread
from fantasy_talking.server.context import EngineDescription, ServerContext
from fantasy_talking.server.status import fail
from fantasy_talking.speech.tts.base import Voice
from fantasy_talking.speech.tts.registry import default_registry
from fantasy_talking.pipeline.speak import ANIMATION_ENGINE, SpeechChunk, SpeechPlan, plan_speech, speak
from fantasytalking.v1 import common_pb2, speech_pb2, speech_pb2_grpc

log = logging.getLogger(__name__)

SERVICE_NAME = speech_pb2.DESCRIPTOR.services_by_name["SpeechService"].full_name
DEFAULT_SAMPLE_RATE = 16_000
INTERNAL_MESSAGE = "internal error while speaking; the server log has the details"


def _optional(message, name: str, default: float) -> float:
    return getattr(message, name) if message.HasField(name) else default


def _encode(samples: np.ndarray, encoding: int) -> bytes:
    if encoding == common_pb2.AUDIO_ENCODING_PCM_F32LE:
        return samples.astype("<f4").tobytes()
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes()


def _plan(request: speech_pb2.SpeakRequest) -> SpeechPlan:
    if request.encoding not in (common_pb2.AUDIO_ENCODING_UNSPECIFIED, common_pb2.AUDIO_ENCODING_PCM_S16LE,
                                common_pb2.AUDIO_ENCODING_PCM_F32LE):
        raise ValueError(f"unknown audio encoding {request.encoding}; use AUDIO_ENCODING_PCM_S16LE or _PCM_F32LE")
    options = convert.options_from_proto(request.options)
    return plan_speech(
        request.text, language=request.language, voice=request.voice,
        rate=_optional(request, "rate", 1.0), pitch=_optional(request, "pitch", 1.0),
        volume=_optional(request, "volume", 1.0),
        sample_rate=request.sample_rate_hz or DEFAULT_SAMPLE_RATE, options=options)


def _header(plan: SpeechPlan, encoding: int) -> speech_pb2.SpeakResponse:
    return speech_pb2.SpeakResponse(header=speech_pb2.SpeakHeader(
        audio_format=common_pb2.AudioFormat(encoding=encoding, sample_rate_hz=plan.sample_rate, channels=1),
        animation=convert.header_to_proto(curve_names(plan.options.rig), JOINTS, plan.options.fps,
                                          ANIMATION_ENGINE, 0),
        voice=plan.voice, language=plan.options.language, tts_engine=plan.engine.name,
        sentences=len(plan.sentences)))


def _chunk(chunk: SpeechChunk, encoding: int) -> speech_pb2.SpeakResponse:
    return speech_pb2.SpeakResponse(chunk=speech_pb2.SpeechChunk(
        audio=_encode(chunk.samples, encoding), start_s=chunk.start_s, end_s=chunk.end_s,
        start_sample=chunk.start_sample, frames=[convert.frame_to_proto(f) for f in chunk.frames],
        visemes=convert.visemes_to_proto(chunk.visemes), sentence=chunk.sentence, text=chunk.text))


def voice_to_proto(voice: Voice) -> speech_pb2.VoiceInfo:
    return speech_pb2.VoiceInfo(name=voice.name, engine=voice.engine, language=voice.language,
                                languages=list(voice.languages), gender=voice.gender,
                                description=voice.description)


class SpeechServicer(speech_pb2_grpc.SpeechServiceServicer):
    def __init__(self, ctx: ServerContext) -> None:
        self._ctx = ctx

    async def Speak(self, request: speech_pb2.SpeakRequest, context: grpc.aio.ServicerContext):
        try:
            plan = _plan(request)
        except ValueError as exc:
            fail(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            return
        slot = self._ctx.stream_slots.admit(context)
        if slot is None:
            return
        cancel = threading.Event()
        encoding = request.encoding or common_pb2.AUDIO_ENCODING_PCM_S16LE
        started, frames, samples = time.monotonic(), 0, 0
        try:
            yield _header(plan, encoding)
            async for chunk in iterate_in_thread(lambda: speak(plan, cancel)):
                frames += len(chunk.frames)
                samples += len(chunk.samples)
                yield _chunk(chunk, encoding)
            yield speech_pb2.SpeakResponse(status=common_pb2.StreamStatus(
                code=common_pb2.StreamStatus.CODE_OK, message="spoken", frames=frames,
                audio_seconds=samples / plan.sample_rate))
        except (asyncio.CancelledError, GeneratorExit):
            cancel.set()
            raise
        except Exception:
            log.exception("speak failed")
            fail(context, grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        finally:
            slot.release()
            log.info("speak closed voice=%s sentences=%d audio_s=%.2f frames=%d cancelled=%s wall_s=%.2f",
                     plan.voice, len(plan.sentences), samples / plan.sample_rate, frames, cancel.is_set(),
                     time.monotonic() - started)

    async def ListVoices(self, request: speech_pb2.ListVoicesRequest, context: grpc.aio.ServicerContext):
        try:
            voices = await asyncio.to_thread(default_registry().voices, request.language)
        except ValueError as exc:
            return fail(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        return speech_pb2.ListVoicesResponse(voices=[voice_to_proto(v) for v in voices])


def add_to_server(server: grpc.aio.Server, ctx: ServerContext) -> list[str]:
    speech_pb2_grpc.add_SpeechServiceServicer_to_server(SpeechServicer(ctx), server)
    for engine in default_registry().engines:
        ctx.add_engine(EngineDescription(
            engine.name, f"Text to speech ({engine.name}) with phone timings from the synthesiser; "
            "SpeechService.Speak streams its audio with aligned animation.", engine.languages(), True))
    return [SERVICE_NAME]
