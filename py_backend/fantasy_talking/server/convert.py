"""Engine dataclasses ↔ protobuf messages, checked at the edge.

Proto3 leaves enums open and scalars zero when unset; this module turns that into the engine's
typed records (raising OptionsError/AudioError with a clear message) and back.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

from fantasy_talking.animation.clip import AnimationClip, Frame, VisemeEvent
from fantasy_talking.animation.options import (
    DEFAULT_LOOKAHEAD_MS, AnimationOptions, Engine, OptionsError,
)
from fantasy_talking.animation.rig import RigProfile
from fantasy_talking.audio.decode import AudioError, PcmEncoding, PcmFormat
from fantasytalking.v1 import animation_pb2, common_pb2

DEFAULT_FPS = 30


def _optional(message, name: str, default):
    return getattr(message, name) if message.HasField(name) else default


def options_from_proto(message: common_pb2.AnimationOptions) -> AnimationOptions:
    """Proto options → AnimationOptions; zero/unset fields take the product defaults."""
    try:
        rig = RigProfile(message.rig) if message.rig else RigProfile.ARKIT_52
    except ValueError:
        raise OptionsError(f"unknown rig profile {message.rig}; use a RigProfile value") from None
    try:
        engine = Engine(message.engine)
    except ValueError:
        raise OptionsError(f"unknown speech engine {message.engine}; use a SpeechEngine value") from None
    return AnimationOptions(
        fps=message.fps or DEFAULT_FPS,
        lookahead_ms=_optional(message, "lookahead_ms", DEFAULT_LOOKAHEAD_MS),
        language=message.language,
        transcript=message.transcript,
        head_motion=_optional(message, "head_motion", 1.0),
        blink=_optional(message, "blink", 1.0),
        expression=_optional(message, "expression", 1.0),
        rig=rig,
        seed=message.seed,
        engine=engine,
        emotions=tuple(sorted(message.emotions.items())),
    )


def pcm_format_from_proto(message: common_pb2.AudioFormat) -> PcmFormat:
    """Proto AudioFormat → PcmFormat; an unset encoding is an error, not a guess."""
    if message.encoding == common_pb2.AUDIO_ENCODING_UNSPECIFIED:
        raise AudioError("audio_format.encoding is not set; choose AUDIO_ENCODING_PCM_S16LE or _PCM_F32LE")
    try:
        encoding = PcmEncoding(message.encoding)
    except ValueError:
        raise AudioError(f"unknown audio encoding {message.encoding}") from None
    return PcmFormat(encoding=encoding, sample_rate=message.sample_rate_hz, channels=message.channels)


def header_to_proto(curve_names: Sequence[str], joint_names: Sequence[str], fps: int,
                    engine: str, lookahead_ms: int) -> common_pb2.AnimationHeader:
    return common_pb2.AnimationHeader(
        blendshape_names=list(curve_names), joint_names=list(joint_names),
        fps=fps, engine=engine, lookahead_ms=lookahead_ms)


class NonFiniteOutput(RuntimeError):
    """A frame holds NaN or infinity: a bug, never sent to a client (the call fails INTERNAL)."""


def check_finite(frame: Frame) -> None:
    """Raise NonFiniteOutput unless every weight, joint and angle of `frame` is a finite number.
    One sum per array: a sum is finite only when every term is (and not huge)."""
    if not math.isfinite(float(frame.weights.sum()) + float(frame.joints.sum()) + float(frame.angles.sum())):
        raise NonFiniteOutput(f"frame {frame.index} holds a non-finite value")


def frame_to_proto(frame: Frame) -> common_pb2.AnimationFrame:
    check_finite(frame)
    return common_pb2.AnimationFrame(
        time_s=frame.time_s,
        index=frame.index,
        blendshapes=frame.weights.tolist(),
        joints=[common_pb2.Quaternion(x=x, y=y, z=z, w=w) for x, y, z, w in frame.joints.tolist()],
        idle=frame.idle,
        angles=frame.angles.tolist(),
    )


def viseme_to_proto(event: VisemeEvent) -> common_pb2.VisemeEvent:
    return common_pb2.VisemeEvent(
        viseme_id=event.viseme_id, viseme=event.viseme, phoneme=event.phoneme,
        start_s=event.start_s, end_s=event.end_s)


def visemes_to_proto(events: Iterable[VisemeEvent]) -> list[common_pb2.VisemeEvent]:
    return [viseme_to_proto(e) for e in events]


def clip_to_proto(clip: AnimationClip, lookahead_ms: int) -> animation_pb2.AnimateClipResponse:
    return animation_pb2.AnimateClipResponse(
        header=header_to_proto(clip.curve_names, clip.joint_names, clip.fps, clip.engine, lookahead_ms),
        frames=[frame_to_proto(f) for f in clip.frames()],
        visemes=visemes_to_proto(clip.visemes),
        duration_s=clip.duration_s,
    )
