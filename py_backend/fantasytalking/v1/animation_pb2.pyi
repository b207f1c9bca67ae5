from fantasytalking.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamConfig(_message.Message):
    __slots__ = ("audio_format", "options", "idle_after_ms")
    AUDIO_FORMAT_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    IDLE_AFTER_MS_FIELD_NUMBER: _ClassVar[int]
    audio_format: _common_pb2.AudioFormat
    options: _common_pb2.AnimationOptions
    idle_after_ms: int
    def __init__(self, audio_format: _Optional[_Union[_common_pb2.AudioFormat, _Mapping]] = ..., options: _Optional[_Union[_common_pb2.AnimationOptions, _Mapping]] = ..., idle_after_ms: _Optional[int] = ...) -> None: ...

class Interrupt(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EndOfAudio(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class StreamAnimationRequest(_message.Message):
    __slots__ = ("config", "audio", "interrupt", "end")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    AUDIO_FIELD_NUMBER: _ClassVar[int]
    INTERRUPT_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    config: StreamConfig
    audio: bytes
    interrupt: Interrupt
    end: EndOfAudio
    def __init__(self, config: _Optional[_Union[StreamConfig, _Mapping]] = ..., audio: _Optional[bytes] = ..., interrupt: _Optional[_Union[Interrupt, _Mapping]] = ..., end: _Optional[_Union[EndOfAudio, _Mapping]] = ...) -> None: ...

class StreamAnimationResponse(_message.Message):
    __slots__ = ("header", "frame", "viseme", "status")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    VISEME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    header: _common_pb2.AnimationHeader
    frame: _common_pb2.AnimationFrame
    viseme: _common_pb2.VisemeEvent
    status: _common_pb2.StreamStatus
    def __init__(self, header: _Optional[_Union[_common_pb2.AnimationHeader, _Mapping]] = ..., frame: _Optional[_Union[_common_pb2.AnimationFrame, _Mapping]] = ..., viseme: _Optional[_Union[_common_pb2.VisemeEvent, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.StreamStatus, _Mapping]] = ...) -> None: ...

class RawAudio(_message.Message):
    __slots__ = ("format", "data")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    format: _common_pb2.AudioFormat
    data: bytes
    def __init__(self, format: _Optional[_Union[_common_pb2.AudioFormat, _Mapping]] = ..., data: _Optional[bytes] = ...) -> None: ...

class AnimateClipRequest(_message.Message):
    __slots__ = ("file", "pcm", "options")
    FILE_FIELD_NUMBER: _ClassVar[int]
    PCM_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    file: bytes
    pcm: RawAudio
    options: _common_pb2.AnimationOptions
    def __init__(self, file: _Optional[bytes] = ..., pcm: _Optional[_Union[RawAudio, _Mapping]] = ..., options: _Optional[_Union[_common_pb2.AnimationOptions, _Mapping]] = ...) -> None: ...

class AnimateClipResponse(_message.Message):
    __slots__ = ("header", "frames", "visemes", "duration_s")
    HEADER_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    VISEMES_FIELD_NUMBER: _ClassVar[int]
    DURATION_S_FIELD_NUMBER: _ClassVar[int]
    header: _common_pb2.AnimationHeader
    frames: _containers.RepeatedCompositeFieldContainer[_common_pb2.AnimationFrame]
    visemes: _containers.RepeatedCompositeFieldContainer[_common_pb2.VisemeEvent]
    duration_s: float
    def __init__(self, header: _Optional[_Union[_common_pb2.AnimationHeader, _Mapping]] = ..., frames: _Optional[_Iterable[_Union[_common_pb2.AnimationFrame, _Mapping]]] = ..., visemes: _Optional[_Iterable[_Union[_common_pb2.VisemeEvent, _Mapping]]] = ..., duration_s: _Optional[float] = ...) -> None: ...
