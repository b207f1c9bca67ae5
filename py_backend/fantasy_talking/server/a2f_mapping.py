"""Audio2Face-3D request parameters → our engine's options, and our frames → A2F's arrays.

Pure functions over the compatible protos (`nvidia_ace_compat`), so the transport in
`a2f_service.py` only moves messages. What is honoured, accepted or refused, and why:

* `audio_header`: mono 16-bit PCM at 16..48 kHz, as NIM asks for (NIM also refuses other bit
  depths and channel counts). Anything else is refused with the reason.
* `blendshape_params`: applied exactly as NVIDIA documents them, per curve after the engine:
  `weight * multiplier + offset`, clamped to [0, 1] only when `enable_clamping_bs_weight` is true.
  Names we do not emit (NIM's tongue shapes, say) are accepted and ignored.
* `emotion_post_processing_params.emotion_strength` scales our expression layer (prosody-driven
  brows and the emotion poses): NIM's default 0.6 is our default 1.0, 0 is neutral.
* Emotions drive the engine's emotion layer (animation/emotions.py, the same ten names): the
  header's `beginning_emotion` from the first frame, each chunk's time-coded emotions from their
  time code on, eased over half a second. They are also reported back in `emotion_aggregate`.
* `face_params` and the other emotion parameters tune NVIDIA's network and smoothing, which we
  do not have: accepted and ignored.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np

from fantasy_talking.animation.emotions import emotion_vector
from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.audio.decode import PcmEncoding, PcmFormat
from fantasy_talking.server.limits import MAX_CHUNK_SECONDS, MAX_EMOTION_KEYFRAMES  # 10 s: NIM's default too
from nvidia_ace_compat import (
    a2f_pb2, a2x_export_config_pb2, animation_data_pb2, audio_pb2, controller_pb2, emotion_aggregate_pb2,
    emotion_with_timecode_pb2, status_pb2,
)

A2F_FPS = 30
"""NIM streams at 30 frames per second; its clients and CSV tools assume it."""

MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 16_000, 48_000


NIM_DEFAULT_EMOTION_STRENGTH = 0.6


A2F_BLENDSHAPES: tuple[str, ...] = (
    "EyeBlinkLeft", "EyeLookDownLeft", "EyeLookInLeft", "EyeLookOutLeft", "EyeLookUpLeft",
    "EyeSquintLeft", "EyeWideLeft", "EyeBlinkRight", "EyeLookDownRight", "EyeLookInRight",
    "EyeLookOutRight", "EyeLookUpRight", "EyeSquintRight", "EyeWideRight",
    "JawForward", "JawLeft", "JawRight", "JawOpen",
    "MouthClose", "MouthFunnel", "MouthPucker", "MouthLeft", "MouthRight",
    "MouthSmileLeft", "MouthSmileRight", "MouthFrownLeft", "MouthFrownRight",
    "MouthDimpleLeft", "MouthDimpleRight", "MouthStretchLeft", "MouthStretchRight",
    "MouthRollLower", "MouthRollUpper", "MouthShrugLower", "MouthShrugUpper",
    "MouthPressLeft", "MouthPressRight", "MouthLowerDownLeft", "MouthLowerDownRight",
    "MouthUpperUpLeft", "MouthUpperUpRight",
    "BrowDownLeft", "BrowDownRight", "BrowInnerUp", "BrowOuterUpLeft", "BrowOuterUpRight",
    "CheekPuff", "CheekSquintLeft", "CheekSquintRight", "NoseSneerLeft", "NoseSneerRight",
    "TongueOut",
)
"""The 52 ARKit names in the order NVIDIA documents them (same spelling as ours, other order),
so clients that index by position rather than by header name still line up."""


class A2FRequestError(ValueError):
    """The request breaks the protocol or asks for something unsupported; the message says what to send."""


@dataclass(frozen=True)
class BlendshapeAdjustment:
    """Per-curve `w * multiplier + offset` in A2F order, then an optional clamp to [0, 1]."""

    multipliers: np.ndarray
    offsets: np.ndarray
    clamp: bool

    def apply(self, weights: np.ndarray) -> np.ndarray:
        adjusted = weights * self.multipliers + self.offsets
        return np.clip(adjusted, 0.0, 1.0) if self.clamp else adjusted


@dataclass(frozen=True)
class StreamSettings:
    """Everything the service needs from one request header."""

    pcm: PcmFormat
    options: AnimationOptions
    adjustment: BlendshapeAdjustment
    beginning_emotion: dict[str, float]

    @property
    def bytes_per_second(self) -> int:
        return self.pcm.sample_rate * self.pcm.bytes_per_frame


def pcm_format(header: audio_pb2.AudioHeader) -> PcmFormat:
    """The A2F audio header as our PcmFormat, refusing what NIM refuses and what we cannot resample."""
    if header.audio_format != audio_pb2.AudioHeader.AUDIO_FORMAT_PCM:
        raise A2FRequestError(f"audio_format {header.audio_format} is not supported; send AUDIO_FORMAT_PCM")
    if header.channel_count != 1:
        raise A2FRequestError(f"channel_count {header.channel_count} is not supported; send mono audio (1)")
    if header.bits_per_sample != 16:
        raise A2FRequestError(f"bits_per_sample {header.bits_per_sample} is not supported; send 16-bit PCM")
    rate = header.samples_per_second
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise A2FRequestError(f"samples_per_second {rate} is not supported; "
                              f"send {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz (16000 is best)")
    return PcmFormat(encoding=PcmEncoding.S16LE, sample_rate=rate, channels=1)


def blendshape_adjustment(params: a2f_pb2.BlendShapeParameters) -> BlendshapeAdjustment:
    """Multipliers (default 1) and offsets (default 0) by name, laid out in A2F_BLENDSHAPES order."""
    multipliers = np.ones(len(A2F_BLENDSHAPES), dtype=np.float32)
    offsets = np.zeros(len(A2F_BLENDSHAPES), dtype=np.float32)
    index = {name: i for i, name in enumerate(A2F_BLENDSHAPES)}
    for table, target in ((params.bs_weight_multipliers, multipliers), (params.bs_weight_offsets, offsets)):
        for name, value in table.items():
            if not np.isfinite(value):
                raise A2FRequestError(f"blendshape parameter {name!r} is not a finite number")
            if name in index:
                target[index[name]] = value
    return BlendshapeAdjustment(multipliers, offsets, bool(params.enable_clamping_bs_weight))


def checked_emotions(emotions: dict[str, float], where: str) -> dict[str, float]:
    """Emotion names and strengths checked against the engine's emotion layer."""
    try:
        emotion_vector(emotions)
    except ValueError as exc:
        raise A2FRequestError(f"{where}: {exc}") from None
    return dict(emotions)


def _in_range(message, field: str, low: float, high: float) -> None:
    if message.HasField(field):
        value = getattr(message, field)
        if not low <= value <= high:
            raise A2FRequestError(f"emotion_post_processing_params.{field} is {value}; allowed {low} to {high}")


def expression_strength(params: a2f_pb2.EmotionPostProcessingParameters) -> float:
    """Our expression scale from NIM's emotion_strength (0.6 → 1.0), after range checks on all fields."""
    _in_range(params, "emotion_contrast", 0.3, 3.0)
    _in_range(params, "live_blend_coef", 0.0, 1.0)
    _in_range(params, "preferred_emotion_strength", 0.0, 1.0)
    _in_range(params, "emotion_strength", 0.0, 1.0)
    _in_range(params, "max_emotions", 1, 6)
    if not params.HasField("emotion_strength"):
        return 1.0
    # Rounded so that NIM's default, which arrives as float32, maps to exactly our default.
    return min(2.0, round(params.emotion_strength / NIM_DEFAULT_EMOTION_STRENGTH, 4))


def stream_settings(header: controller_pb2.AudioStreamHeader, base: AnimationOptions) -> StreamSettings:
    """Validate a request header and derive the stream's settings from it and the server's `base` options."""
    if not header.HasField("audio_header"):
        raise A2FRequestError("audio_stream_header.audio_header is missing; describe the PCM audio you will send")
    pcm = pcm_format(header.audio_header)
    params = header.emotion_params
    if params.HasField("live_transition_time") and not params.live_transition_time > 0:
        raise A2FRequestError("emotion_params.live_transition_time must be greater than 0")
    beginning = checked_emotions(dict(params.beginning_emotion), "emotion_params.beginning_emotion")
    options = replace(base, fps=A2F_FPS, expression=expression_strength(header.emotion_post_processing_params),
                      emotions=tuple(beginning.items()))
    return StreamSettings(pcm=pcm, options=options,
                          adjustment=blendshape_adjustment(header.blendshape_params),
                          beginning_emotion=beginning)


def a2f_order(curve_names: tuple[str, ...]) -> np.ndarray:
    """Indices that take an engine frame's weights (in `curve_names` order) to A2F_BLENDSHAPES order."""
    missing = [n for n in A2F_BLENDSHAPES if n not in curve_names]
    if missing:
        raise ValueError(f"engine curves lack ARKit names {missing}")
    return np.array([curve_names.index(n) for n in A2F_BLENDSHAPES], dtype=np.intp)


def beginning_emotions(settings: StreamSettings) -> list[emotion_with_timecode_pb2.EmotionWithTimeCode]:
    """The header's beginning emotion as a keyframe at time 0, for the emotion report (none if unset)."""
    if not settings.beginning_emotion:
        return []
    return [emotion_with_timecode_pb2.EmotionWithTimeCode(time_code=0.0, emotion=settings.beginning_emotion)]


def chunk_emotions(chunk: a2f_pb2.AudioWithEmotion) -> list[emotion_with_timecode_pb2.EmotionWithTimeCode]:
    """The chunk's time-coded emotions, checked (time codes are seconds from the stream's first sample)."""
    for keyframe in chunk.emotions:
        if not (np.isfinite(keyframe.time_code) and keyframe.time_code >= 0):
            raise A2FRequestError(f"emotion time_code {keyframe.time_code} must be a number of seconds >= 0")
        checked_emotions(dict(keyframe.emotion), f"emotions at time_code {keyframe.time_code:g}")
    return list(chunk.emotions)


def response_header(audio_header: audio_pb2.AudioHeader, joint_names: tuple[str, ...],
                    start_epoch_s: float) -> controller_pb2.AnimationDataStream:
    """The first response: the echoed audio's format (the input's), blendshape and joint names, clock origin."""
    return controller_pb2.AnimationDataStream(
        animation_data_stream_header=controller_pb2.AnimationDataStreamHeader(
            audio_header=audio_header,
            skel_animation_header=animation_data_pb2.SkelAnimationHeader(
                blend_shapes=list(A2F_BLENDSHAPES), joints=list(joint_names)),
            start_time_code_since_epoch=start_epoch_s))


def skel_frame(time_s: float, weights: np.ndarray, joints_xyzw: np.ndarray) -> animation_data_pb2.SkelAnimation:
    """One frame: weights already in A2F order and adjusted; joint quaternions go scalar-first (QuatF)."""
    return animation_data_pb2.SkelAnimation(
        blend_shape_weights=[animation_data_pb2.FloatArrayWithTimeCode(time_code=time_s, values=weights.tolist())],
        rotations=[animation_data_pb2.QuatFArrayWithTimeCode(
            time_code=time_s,
            values=[animation_data_pb2.QuatF(real=w, i=x, j=y, k=z) for x, y, z, w in joints_xyzw.tolist()])])


def animation_data(skel: animation_data_pb2.SkelAnimation | None, audio_time_s: float, audio: bytes,
                   input_emotions: list[emotion_with_timecode_pb2.EmotionWithTimeCode]
                   ) -> controller_pb2.AnimationDataStream:
    """A response carrying a frame (or none), the input audio it covers, and newly received emotions."""
    data = animation_data_pb2.AnimationData(
        audio=animation_data_pb2.AudioWithTimeCode(time_code=audio_time_s, audio_buffer=audio))
    if skel is not None:
        data.skel_animation.CopyFrom(skel)
    if input_emotions:
        data.metadata["emotion_aggregate"].Pack(
            emotion_aggregate_pb2.EmotionAggregate(input_emotions=input_emotions))
    return controller_pb2.AnimationDataStream(animation_data=data)


def end_of_processing() -> controller_pb2.AnimationDataStream:
    return controller_pb2.AnimationDataStream(
        event=controller_pb2.Event(event_type=controller_pb2.END_OF_A2F_AUDIO_PROCESSING))


def final_status(frames: int, audio_seconds: float) -> controller_pb2.AnimationDataStream:
    return controller_pb2.AnimationDataStream(status=status_pb2.Status(
        code=status_pb2.Status.SUCCESS,
        message=f"animated {audio_seconds:.3f} s of audio into {frames} frames at {A2F_FPS} fps"))

def shutdown_status(frames: int, audio_seconds: float) -> controller_pb2.AnimationDataStream:
    """The last message when the server shuts down mid-stream: what was received is animated."""
    return controller_pb2.AnimationDataStream(status=status_pb2.Status(
        code=status_pb2.Status.WARNING,
        message=f"the server is shutting down: animated the {audio_seconds:.3f} s of audio received "
                f"into {frames} frames; reconnect to go on"))


def error_status(message: str) -> controller_pb2.AnimationDataStream:
    return controller_pb2.AnimationDataStream(status=status_pb2.Status(code=status_pb2.Status.ERROR, message=message))


HONOURED = (
    "audio_header (mono, 16-bit PCM, 16-48 kHz)",
    "blendshape_params.bs_weight_multipliers",
    "blendshape_params.bs_weight_offsets",
    "blendshape_params.enable_clamping_bs_weight",
    "emotion_post_processing_params.emotion_strength (scales the expression layer; 0.6 = 1x)",
    "emotion_params.beginning_emotion and time-coded emotions (drive the emotion layer; eased over 0.5 s)",
)
ACCEPTED_IGNORED = (
    "face_params (tunes NVIDIA's network)",
    "emotion_params other than beginning_emotion (NVIDIA's emotion network settings)",
    "emotion_post_processing_params other than emotion_strength (NVIDIA's emotion smoothing)",
)


def effective_config(base: AnimationOptions, joint_names: tuple[str, ...], max_streams: int,
                     max_clip_seconds: float) -> dict:
    """What this endpoint does, as plain data for A2XExportConfigService.GetConfigs."""
    return {
        "engine": "FantasyTalking streaming engine (CPU)",
        "fps": A2F_FPS,
        "lookahead_ms": base.lookahead_ms,
        "audio": {"format": "PCM", "channel_count": 1, "bits_per_sample": 16,
                  "min_sample_rate": MIN_SAMPLE_RATE, "max_sample_rate": MAX_SAMPLE_RATE,
                  "max_audio_buffer_size_second": MAX_CHUNK_SECONDS,
                  "max_emotion_keyframes_per_message": MAX_EMOTION_KEYFRAMES,
                  "max_audio_clip_size_second": max_clip_seconds},
        "max_concurrent_streams": max_streams,
        "blendshapes": list(A2F_BLENDSHAPES),
        "joints": list(joint_names),
        "honoured_parameters": list(HONOURED),
        "accepted_and_ignored": list(ACCEPTED_IGNORED),
    }


def config_document(config: dict, config_type: int) -> a2x_export_config_pb2.A2XConfig:
    """The effective config as one A2XConfig file, JSON or YAML as asked."""
    if config_type == a2x_export_config_pb2.ConfigsTypeRequest.JSON:
        return a2x_export_config_pb2.A2XConfig(name="fantasytalking_a2f.json", content=json.dumps(config, indent=2))
    return a2x_export_config_pb2.A2XConfig(name="fantasytalking_a2f.yaml", content=to_yaml(config) + "\n")


def to_yaml(data: dict, indent: str = "") -> str:
    """Block-style YAML whose scalars and lists are JSON flow values (valid YAML 1.2), without a YAML library."""
    lines = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:\n{to_yaml(value, indent + '  ')}")
        else:
            lines.append(f"{indent}{key}: {json.dumps(value)}")
    return "\n".join(lines)
