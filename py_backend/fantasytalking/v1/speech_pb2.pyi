from fantasytalking.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SpeakRequest(_message.Message):
    __slots__ = ("text", "language", "voice", "rate", "pitch", "volume", "sample_rate_hz", "encoding", "options")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    VOICE_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    PITCH_FIELD_NUMBER: _ClassVar[int]
    VOLUME_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    text: str
    language: str
    voice: str
    rate: float
    pitch: float
    volume: float
    sample_rate_hz: int
    encoding: _common_pb2.AudioEncoding
    options: _common_pb2.AnimationOptions
    def __init__(self, text: _Optional[str] = ..., language: _Optional[str] = ..., voice: _Optional[str] = ..., rate: _Optional[float] = ..., pitch: _Optional[float] = ..., volume: _Optional[float] = ..., sample_rate_hz: _Optional[int] = ..., encoding: _Optional[_Union[_common_pb2.AudioEncoding, str]] = ..., options: _Optional[_Union[_common_pb2.AnimationOptions, _Mapping]] = ...) -> None: ...

class SpeakHeader(_message.Message):
    __slots__ = ("audio_format", "animation", "voice", "language", "tts_engine", "sentences")
    AUDIO_FORMAT_FIELD_NUMBER: _ClassVar[int]
    ANIMATION_FIELD_NUMBER: _ClassVar[int]
    VOICE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TTS_ENGINE_FIELD_NUMBER: _ClassVar[int]
    SENTENCES_FIELD_NUMBER: _ClassVar[int]
    audio_format: _common_pb2.AudioFormat
    animation: _common_pb2.AnimationHeader
    voice: str
    language: str
    tts_engine: str
    sentences: int
    def __init__(self, audio_format: _Optional[_Union[_common_pb2.AudioFormat, _Mapping]] = ..., animation: _Optional[_Union[_common_pb2.AnimationHeader, _Mapping]] = ..., voice: _Optional[str] = ..., language: _Optional[str] = ..., tts_engine: _Optional[str] = ..., sentences: _Optional[int] = ...) -> None: ...

class SpeechChunk(_message.Message):
    __slots__ = ("audio", "start_s", "end_s", "start_sample", "frames", "visemes", "sentence", "text")
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    START_S_FIELD_NUMBER: _ClassVar[int]
    END_S_FIELD_NUMBER: _ClassVar[int]
    START_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    VISEMES_FIELD_NUMBER: _ClassVar[int]
    SENTENCE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    audio: bytes
    start_s: float
    end_s: float
    start_sample: int
    frames: _containers.RepeatedCompositeFieldContainer[_common_pb2.AnimationFrame]
    visemes: _containers.RepeatedCompositeFieldContainer[_common_pb2.VisemeEvent]
    sentence: int
    text: str
    def __init__(self, audio: _Optional[bytes] = ..., start_s: _Optional[float] = ..., end_s: _Optional[float] = ..., start_sample: _Optional[int] = ..., frames: _Optional[_Iterable[_Union[_common_pb2.AnimationFrame, _Mapping]]] = ..., visemes: _Optional[_Iterable[_Union[_common_pb2.VisemeEvent, _Mapping]]] = ..., sentence: _Optional[int] = ..., text: _Optional[str] = ...) -> None: ...

class SpeakResponse(_message.Message):
    __slots__ = ("header", "chunk", "status")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    header: SpeakHeader
    chunk: SpeechChunk
    status: _common_pb2.StreamStatus
    def __init__(self, header: _Optional[_Union[SpeakHeader, _Mapping]] = ..., chunk: _Optional[_Union[SpeechChunk, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StreamStatus, _Mapping]] = ...) -> None: ...

class ListVoicesRequest(_message.Message):
    __slots__ = ("language",)
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    language: str
    def __init__(self, language: _Optional[str] = ...) -> None: ...

class VoiceInfo(_message.Message):
    __slots__ = ("name", "engine", "language", "languages", "gender", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENGINE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGES_FIELD_NUMBER: _ClassVar[int]
    GENDER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    engine: str
    language: str
    languages: _containers.RepeatedScalarFieldContainer[str]
    gender: str
    description: str
    def __init__(self, name: _Optional[str] = ..., engine: _Optional[str] = ..., language: _Optional[str] = ..., languages: _Optional[_Iterable[str]] = ..., gender: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ListVoicesResponse(_message.Message):
    __slots__ = ("voices",)
    VOICES_FIELD_NUMBER: _ClassVar[int]
    voices: _containers.RepeatedCompositeFieldContainer[VoiceInfo]
    def __init__(self, voices: _Optional[_Iterable[_Union[VoiceInfo, _Mapping]]] = ...) -> None: ...
