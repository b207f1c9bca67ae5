from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetServerInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EngineInfo(_message.Message):
    __slots__ = ("name", "description", "languages", "streaming")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    STREAMING_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    languages: _containers.RepeatedScalarFieldContainer[str]
    streaming: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., languages: _Optional[_Iterable[str]] = ..., streaming: bool = ...) -> None: ...

class Limits(_message.Message):
    __slots__ = ("max_message_bytes", "max_concurrent_streams", "min_sample_rate_hz", "max_sample_rate_hz", "max_fps", "max_lookahead_ms", "max_clip_seconds", "max_chunk_seconds", "max_emotion_keyframes", "max_transcript_chars", "max_transcript_chars_per_second", "max_transcript_words_per_second", "min_image_side_px", "max_image_aspect")
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_STREAMS_FIELD_NUMBER: _ClassVar[int]
    MIN_SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    MAX_SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    MAX_FPS_FIELD_NUMBER: _ClassVar[int]
    MAX_LOOKAHEAD_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_CLIP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_CHUNK_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_EMOTION_KEYFRAMES_FIELD_NUMBER: _ClassVar[int]
    MAX_TRANSCRIPT_CHARS_FIELD_NUMBER: _ClassVar[int]
    MAX_TRANSCRIPT_CHARS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    MAX_TRANSCRIPT_WORDS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    MIN_IMAGE_SIDE_PX_FIELD_NUMBER: _ClassVar[int]
    MAX_IMAGE_ASPECT_FIELD_NUMBER: _ClassVar[int]
    max_message_bytes: int
    max_concurrent_streams: int
    min_sample_rate_hz: int
    max_sample_rate_hz: int
    max_fps: int
    max_lookahead_ms: int
    max_clip_seconds: float
    max_chunk_seconds: float
    max_emotion_keyframes: int
    max_transcript_chars: int
    max_transcript_chars_per_second: float
    max_transcript_words_per_second: float
    min_image_side_px: int
    max_image_aspect: float
    def __init__(self, max_message_bytes: _Optional[int] = ..., max_concurrent_streams: _Optional[int] = ..., min_sample_rate_hz: _Optional[int] = ..., max_sample_rate_hz: _Optional[int] = ..., max_fps: _Optional[int] = ..., max_lookahead_ms: _Optional[int] = ..., max_clip_seconds: _Optional[float] = ..., max_chunk_seconds: _Optional[float] = ..., max_emotion_keyframes: _Optional[int] = ..., max_transcript_chars: _Optional[int] = ..., max_transcript_chars_per_second: _Optional[float] = ..., max_transcript_words_per_second: _Optional[float] = ..., min_image_side_px: _Optional[int] = ..., max_image_aspect: _Optional[float] = ...) -> None: ...

class ServerInfo(_message.Message):
    __slots__ = ("version", "engines", "languages", "limits", "blendshape_names", "joint_names", "services")
    class BlendshapeNamesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: NameList
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[NameList, _Mapping]] = ...) -> None: ...
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ENGINES_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    BLENDSHAPE_NAMES_FIELD_NUMBER: _ClassVar[int]
    JOINT_NAMES_FIELD_NUMBER: _ClassVar[int]
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    version: str
    engines: _containers.RepeatedCompositeFieldContainer[EngineInfo]
    languages: _containers.RepeatedScalarFieldContainer[str]
    limits: Limits
    blendshape_names: _containers.MessageMap[str, NameList]
    joint_names: _containers.RepeatedScalarFieldContainer[str]
    services: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, version: _Optional[str] = ..., engines: _Optional[_Iterable[_Union[EngineInfo, _Mapping]]] = ..., languages: _Optional[_Iterable[str]] = ..., limits: _Optional[_Union[Limits, _Mapping]] = ..., blendshape_names: _Optional[_Mapping[str, NameList]] = ..., joint_names: _Optional[_Iterable[str]] = ..., services: _Optional[_Iterable[str]] = ...) -> None: ...

class NameList(_message.Message):
    __slots__ = ("names",)
    NAMES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, names: _Optional[_Iterable[str]] = ...) -> None: ...
