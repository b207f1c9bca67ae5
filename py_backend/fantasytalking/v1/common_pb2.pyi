from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AudioEncoding(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIO_ENCODING_UNSPECIFIED: _ClassVar[AudioEncoding]
    AUDIO_ENCODING_PCM_S16LE: _ClassVar[AudioEncoding]
    AUDIO_ENCODING_PCM_F32LE: _ClassVar[AudioEncoding]

class RigProfile(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RIG_PROFILE_UNSPECIFIED: _ClassVar[RigProfile]
    RIG_PROFILE_ARKIT_52: _ClassVar[RigProfile]
    RIG_PROFILE_ARKIT_52_TONGUE: _ClassVar[RigProfile]
    RIG_PROFILE_ARKIT_52_VISEMES: _ClassVar[RigProfile]

class SpeechEngine(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPEECH_ENGINE_AUTO: _ClassVar[SpeechEngine]
    SPEECH_ENGINE_ACOUSTIC: _ClassVar[SpeechEngine]
    SPEECH_ENGINE_PHONETIC: _ClassVar[SpeechEngine]
    SPEECH_ENGINE_FUSED: _ClassVar[SpeechEngine]
    SPEECH_ENGINE_WORDS: _ClassVar[SpeechEngine]
AUDIO_ENCODING_UNSPECIFIED: AudioEncoding
AUDIO_ENCODING_PCM_S16LE: AudioEncoding
AUDIO_ENCODING_PCM_F32LE: AudioEncoding
RIG_PROFILE_UNSPECIFIED: RigProfile
RIG_PROFILE_ARKIT_52: RigProfile
RIG_PROFILE_ARKIT_52_TONGUE: RigProfile
RIG_PROFILE_ARKIT_52_VISEMES: RigProfile
SPEECH_ENGINE_AUTO: SpeechEngine
SPEECH_ENGINE_ACOUSTIC: SpeechEngine
SPEECH_ENGINE_PHONETIC: SpeechEngine
SPEECH_ENGINE_FUSED: SpeechEngine
SPEECH_ENGINE_WORDS: SpeechEngine

class AudioFormat(_message.Message):
    __slots__ = ("encoding", "sample_rate_hz", "channels")
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    encoding: AudioEncoding
    sample_rate_hz: int
    channels: int
    def __init__(self, encoding: _Optional[_Union[AudioEncoding, str]] = ..., sample_rate_hz: _Optional[int] = ..., channels: _Optional[int] = ...) -> None: ...

class AnimationOptions(_message.Message):
    __slots__ = ("fps", "lookahead_ms", "language", "transcript", "head_motion", "blink", "expression", "rig", "seed", "engine", "emotions")
    class EmotionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    FPS_FIELD_NUMBER: _ClassVar[int]
    LOOKAHEAD_MS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TRANSCRIPT_FIELD_NUMBER: _ClassVar[int]
    HEAD_MOTION_FIELD_NUMBER: _ClassVar[int]
    BLINK_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    RIG_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    EMOTIONS_FIELD_NUMBER: _ClassVar[int]
    fps: int
    lookahead_ms: int
    language: str
    transcript: str
    head_motion: float
    blink: float
    expression: float
    rig: RigProfile
    seed: int
    engine: SpeechEngine
    emotions: _containers.ScalarMap[str, float]
    def __init__(self, fps: _Optional[int] = ..., lookahead_ms: _Optional[int] = ..., language: _Optional[str] = ..., transcript: _Optional[str] = ..., head_motion: _Optional[float] = ..., blink: _Optional[float] = ..., expression: _Optional[float] = ..., rig: _Optional[_Union[RigProfile, str]] = ..., seed: _Optional[int] = ..., engine: _Optional[_Union[SpeechEngine, str]] = ..., emotions: _Optional[_Mapping[str, float]] = ...) -> None: ...

class Quaternion(_message.Message):
    __slots__ = ("x", "y", "z", "w")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    W_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    w: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ..., w: _Optional[float] = ...) -> None: ...

class AnimationHeader(_message.Message):
    __slots__ = ("blendshape_names", "joint_names", "fps", "engine", "lookahead_ms")
    BLENDSHAPE_NAMES_FIELD_NUMBER: _ClassVar[int]
    JOINT_NAMES_FIELD_NUMBER: _ClassVar[int]
    FPS_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    LOOKAHEAD_MS_FIELD_NUMBER: _ClassVar[int]
    blendshape_names: _containers.RepeatedScalarFieldContainer[str]
    joint_names: _containers.RepeatedScalarFieldContainer[str]
    fps: int
    engine: str
    lookahead_ms: int
    def __init__(self, blendshape_names: _Optional[_Iterable[str]] = ..., joint_names: _Optional[_Iterable[str]] = ..., fps: _Optional[int] = ..., engine: _Optional[str] = ..., lookahead_ms: _Optional[int] = ...) -> None: ...

class AnimationFrame(_message.Message):
    __slots__ = ("time_s", "index", "blendshapes", "joints", "idle", "angles")
    TIME_S_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    BLENDSHAPES_FIELD_NUMBER: _ClassVar[int]
    JOINTS_FIELD_NUMBER: _ClassVar[int]
    IDLE_FIELD_NUMBER: _ClassVar[int]
    ANGLES_FIELD_NUMBER: _ClassVar[int]
    time_s: float
    index: int
    blendshapes: _containers.RepeatedScalarFieldContainer[float]
    joints: _containers.RepeatedCompositeFieldContainer[Quaternion]
    idle: bool
    angles: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, time_s: _Optional[float] = ..., index: _Optional[int] = ..., blendshapes: _Optional[_Iterable[float]] = ..., joints: _Optional[_Iterable[_Union[Quaternion, _Mapping]]] = ..., idle: bool = ..., angles: _Optional[_Iterable[float]] = ...) -> None: ...

class VisemeEvent(_message.Message):
    __slots__ = ("viseme_id", "viseme", "phoneme", "start_s", "end_s")
    VISEME_ID_FIELD_NUMBER: _ClassVar[int]
    VISEME_FIELD_NUMBER: _ClassVar[int]
    PHONEME_FIELD_NUMBER: _ClassVar[int]
    START_S_FIELD_NUMBER: _ClassVar[int]
    END_S_FIELD_NUMBER: _ClassVar[int]
    viseme_id: int
    viseme: str
    phoneme: str
    start_s: float
    end_s: float
    def __init__(self, viseme_id: _Optional[int] = ..., viseme: _Optional[str] = ..., phoneme: _Optional[str] = ..., start_s: _Optional[float] = ..., end_s: _Optional[float] = ...) -> None: ...

class StreamStatus(_message.Message):
    __slots__ = ("code", "message", "frames", "audio_seconds")
    class Code(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        CODE_UNSPECIFIED: _ClassVar[StreamStatus.Code]
        CODE_OK: _ClassVar[StreamStatus.Code]
        CODE_INTERRUPTED: _ClassVar[StreamStatus.Code]
        CODE_SHUTDOWN: _ClassVar[StreamStatus.Code]
    CODE_UNSPECIFIED: StreamStatus.Code
    CODE_OK: StreamStatus.Code
    CODE_INTERRUPTED: StreamStatus.Code
    CODE_SHUTDOWN: StreamStatus.Code
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    AUDIO_SECONDS_FIELD_NUMBER: _ClassVar[int]
    code: StreamStatus.Code
    message: str
    frames: int
    audio_seconds: float
    def __init__(self, code: _Optional[_Union[StreamStatus.Code, str]] = ..., message: _Optional[str] = ..., frames: _Optional[int] = ..., audio_seconds: _Optional[float] = ...) -> None: ...
