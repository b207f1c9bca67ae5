from fantasytalking.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HeadPart(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HEAD_PART_UNSPECIFIED: _ClassVar[HeadPart]
    HEAD_PART_CRANIUM: _ClassVar[HeadPart]
    HEAD_PART_EARS: _ClassVar[HeadPart]
    HEAD_PART_NECK: _ClassVar[HeadPart]
    HEAD_PART_EYES: _ClassVar[HeadPart]
    HEAD_PART_MOUTH: _ClassVar[HeadPart]

class MeshDetail(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESH_DETAIL_UNSPECIFIED: _ClassVar[MeshDetail]
    MESH_DETAIL_LOW: _ClassVar[MeshDetail]
    MESH_DETAIL_MEDIUM: _ClassVar[MeshDetail]
    MESH_DETAIL_HIGH: _ClassVar[MeshDetail]
HEAD_PART_UNSPECIFIED: HeadPart
HEAD_PART_CRANIUM: HeadPart
HEAD_PART_EARS: HeadPart
HEAD_PART_NECK: HeadPart
HEAD_PART_EYES: HeadPart
HEAD_PART_MOUTH: HeadPart
MESH_DETAIL_UNSPECIFIED: MeshDetail
MESH_DETAIL_LOW: MeshDetail
MESH_DETAIL_MEDIUM: MeshDetail
MESH_DETAIL_HIGH: MeshDetail

class HeadOptions(_message.Message):
    __slots__ = ("texture_size", "parts", "detail", "hair", "lod")
    TEXTURE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    HAIR_FIELD_NUMBER: _ClassVar[int]
    LOD_FIELD_NUMBER: _ClassVar[int]
    texture_size: int
    parts: _containers.RepeatedScalarFieldContainer[HeadPart]
    detail: MeshDetail
    hair: str
    lod: int
    def __init__(self, texture_size: _Optional[int] = ..., parts: _Optional[_Iterable[_Union[HeadPart, str]]] = ..., detail: _Optional[_Union[MeshDetail, str]] = ..., hair: _Optional[str] = ..., lod: _Optional[int] = ...) -> None: ...

class CreateHeadRequest(_message.Message):
    __slots__ = ("image", "options")
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    image: bytes
    options: HeadOptions
    def __init__(self, image: _Optional[bytes] = ..., options: _Optional[_Union[HeadOptions, _Mapping]] = ...) -> None: ...

class HeadProgress(_message.Message):
    __slots__ = ("stage", "fraction")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    FRACTION_FIELD_NUMBER: _ClassVar[int]
    stage: str
    fraction: float
    def __init__(self, stage: _Optional[str] = ..., fraction: _Optional[float] = ...) -> None: ...

class Landmark(_message.Message):
    __slots__ = ("x", "y", "z")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...

class FittedPose(_message.Message):
    __slots__ = ("yaw_deg", "pitch_deg", "roll_deg", "rotation", "pixels_per_metre")
    YAW_DEG_FIELD_NUMBER: _ClassVar[int]
    PITCH_DEG_FIELD_NUMBER: _ClassVar[int]
    ROLL_DEG_FIELD_NUMBER: _ClassVar[int]
    ROTATION_FIELD_NUMBER: _ClassVar[int]
    PIXELS_PER_METRE_FIELD_NUMBER: _ClassVar[int]
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    rotation: _common_pb2.Quaternion
    pixels_per_metre: float
    def __init__(self, yaw_deg: _Optional[float] = ..., pitch_deg: _Optional[float] = ..., roll_deg: _Optional[float] = ..., rotation: _Optional[_Union[_common_pb2.Quaternion, _Mapping]] = ..., pixels_per_metre: _Optional[float] = ...) -> None: ...

class HeadQuality(_message.Message):
    __slots__ = ("face_width_px", "inter_ocular_px", "frontality", "inferred_fraction", "reprojection_error", "faces_found", "warnings", "face_inferred_fraction")
    FACE_WIDTH_PX_FIELD_NUMBER: _ClassVar[int]
    INTER_OCULAR_PX_FIELD_NUMBER: _ClassVar[int]
    FRONTALITY_FIELD_NUMBER: _ClassVar[int]
    INFERRED_FRACTION_FIELD_NUMBER: _ClassVar[int]
    REPROJECTION_ERROR_FIELD_NUMBER: _ClassVar[int]
    FACES_FOUND_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    FACE_INFERRED_FRACTION_FIELD_NUMBER: _ClassVar[int]
    face_width_px: float
    inter_ocular_px: float
    frontality: float
    inferred_fraction: float
    reprojection_error: float
    faces_found: int
    warnings: _containers.RepeatedScalarFieldContainer[str]
    face_inferred_fraction: float
    def __init__(self, face_width_px: _Optional[float] = ..., inter_ocular_px: _Optional[float] = ..., frontality: _Optional[float] = ..., inferred_fraction: _Optional[float] = ..., reprojection_error: _Optional[float] = ..., faces_found: _Optional[int] = ..., warnings: _Optional[_Iterable[str]] = ..., face_inferred_fraction: _Optional[float] = ...) -> None: ...

class HeadMetadata(_message.Message):
    __slots__ = ("morph_target_names", "joint_names", "landmarks", "pose", "quality", "glb_size", "vertex_count", "hair_style", "triangle_count")
    MORPH_TARGET_NAMES_FIELD_NUMBER: _ClassVar[int]
    JOINT_NAMES_FIELD_NUMBER: _ClassVar[int]
    LANDMARKS_FIELD_NUMBER: _ClassVar[int]
    POSE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    GLB_SIZE_FIELD_NUMBER: _ClassVar[int]
    VERTEX_COUNT_FIELD_NUMBER: _ClassVar[int]
    HAIR_STYLE_FIELD_NUMBER: _ClassVar[int]
    TRIANGLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    morph_target_names: _containers.RepeatedScalarFieldContainer[str]
    joint_names: _containers.RepeatedScalarFieldContainer[str]
    landmarks: _containers.RepeatedCompositeFieldContainer[Landmark]
    pose: FittedPose
    quality: HeadQuality
    glb_size: int
    vertex_count: int
    hair_style: str
    triangle_count: int
    def __init__(self, morph_target_names: _Optional[_Iterable[str]] = ..., joint_names: _Optional[_Iterable[str]] = ..., landmarks: _Optional[_Iterable[_Union[Landmark, _Mapping]]] = ..., pose: _Optional[_Union[FittedPose, _Mapping]] = ..., quality: _Optional[_Union[HeadQuality, _Mapping]] = ..., glb_size: _Optional[int] = ..., vertex_count: _Optional[int] = ..., hair_style: _Optional[str] = ..., triangle_count: _Optional[int] = ...) -> None: ...

class CreateHeadResponse(_message.Message):
    __slots__ = ("progress", "metadata", "glb_chunk", "status")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    GLB_CHUNK_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    progress: HeadProgress
    metadata: HeadMetadata
    glb_chunk: bytes
    status: _common_pb2.StreamStatus
    def __init__(self, progress: _Optional[_Union[HeadProgress, _Mapping]] = ..., metadata: _Optional[_Union[HeadMetadata, _Mapping]] = ..., glb_chunk: _Optional[bytes] = ..., status: _Optional[_Union[_common_pb2.StreamStatus, _Mapping]] = ...) -> None: ...
