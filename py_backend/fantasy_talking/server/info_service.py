"""InfoService: what this listener offers, read from its context at call time."""
from __future__ import annotations

import grpc

from fantasy_talking import __version__
from fantasy_talking.animation.options import MAX_FPS, MAX_LOOKAHEAD_MS
from fantasy_talking.animation.rig import JOINTS, RigProfile, curve_names
from fantasy_talking.audio.decode import MAX_INPUT_RATE, MIN_INPUT_RATE
from fantasy_talking.head import image
from fantasy_talking import pipeline
from fantasy_talking.server.context import ServerContext
from fantasy_talking.server.limits import MAX_CHUNK_SECONDS, MAX_EMOTION_KEYFRAMES
from fantasytalking.v1 import common_pb2, info_pb2, info_pb2_grpc

SERVICE_NAME = info_pb2.DESCRIPTOR.services_by_name["InfoService"].full_name


def server_info(ctx: ServerContext) -> info_pb2.ServerInfo:
    config = ctx.config
    languages = sorted({lang for e in ctx.engines for lang in e.languages if lang != "*"})
    return info_pb2.ServerInfo(
        version=__version__,
        engines=[info_pb2.EngineInfo(name=e.name, description=e.description, languages=list(e.languages),
                                     streaming=e.streaming) for e in ctx.engines],
        languages=languages,
        limits=info_pb2.Limits(
            max_message_bytes=config.max_message_bytes,
            max_concurrent_streams=config.max_concurrent_streams,
            min_sample_rate_hz=MIN_INPUT_RATE,
            max_sample_rate_hz=MAX_INPUT_RATE,
            max_fps=MAX_FPS,
            max_lookahead_ms=MAX_LOOKAHEAD_MS,
            max_clip_seconds=config.max_clip_seconds,
            max_chunk_seconds=MAX_CHUNK_SECONDS,
            max_emotion_keyframes=MAX_EMOTION_KEYFRAMES,
            max_transcript_chars=pipeline.MAX_TRANSCRIPT_CHARS,
            max_transcript_chars_per_second=pipeline.MAX_TRANSCRIPT_CHARS_PER_SECOND,
            max_transcript_words_per_second=pipeline.MAX_TRANSCRIPT_WORDS_PER_SECOND,
            min_image_side_px=image.MIN_IMAGE_SIDE_PX,
            max_image_aspect=image.MAX_IMAGE_ASPECT,
        ),
        blendshape_names={common_pb2.RigProfile.Name(p.value): info_pb2.NameList(names=curve_names(p))
                          for p in RigProfile},
        joint_names=list(JOINTS),
        services=list(ctx.services),
    )


class InfoServicer(info_pb2_grpc.InfoServiceServicer):
    def __init__(self, ctx: ServerContext) -> None:
        self._ctx = ctx

    async def GetServerInfo(self, request: info_pb2.GetServerInfoRequest, context: grpc.aio.ServicerContext):
        return server_info(self._ctx)


def add_to_server(server: grpc.aio.Server, ctx: ServerContext) -> list[str]:
    info_pb2_grpc.add_InfoServiceServicer_to_server(InfoServicer(ctx), server)
    return [SERVICE_NAME]
