"""HeadService options through a real server on a real port: choosing the hair (HeadOptions.hair)."""
from __future__ import annotations

import grpc
import pytest

from fantasy_talking.head.glb import read_glb
from fantasytalking.v1 import head_pb2

PORTRAIT = "images/woman_asian_512.jpg"


def _create(stub, image: bytes, hair: str) -> tuple[head_pb2.HeadMetadata, dict]:
    request = head_pb2.CreateHeadRequest(image=image, options=head_pb2.HeadOptions(texture_size=512, hair=hair))
    events = list(stub.CreateHead(request, timeout=120))
    (metadata,) = [e.metadata for e in events if e.HasField("metadata")]
    glb = b"".join(e.glb_chunk for e in events if e.WhichOneof("event") == "glb_chunk")
    return metadata, read_glb(glb).json


def test_an_unknown_hair_style_is_refused_before_any_work(head_stub):
    request = head_pb2.CreateHeadRequest(image=b"\x89PNG\r\n\x1a\n", options=head_pb2.HeadOptions(hair="mohawk"))
    call = head_stub.CreateHead(request, timeout=30)
    with pytest.raises(grpc.RpcError) as caught:
        list(call)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "unknown hair 'mohawk'" in caught.value.details() and "short04" in caught.value.details()


@pytest.mark.samples
@pytest.mark.parametrize("hair, style", [("", "long01"), ("none", ""), ("short04", "short04")])
def test_the_request_chooses_the_hair(head_stub, samples_dir, hair, style):
    """'' is auto (long hair for this portrait), 'none' a bare scalp, or a style by name; the server keeps
    serving after the refusal above."""
    metadata, document = _create(head_stub, (samples_dir / PORTRAIT).read_bytes(), hair)
    assert metadata.hair_style == style
    materials = [m["name"] for m in document["materials"]]
    assert ("hair" in materials) == bool(style)


@pytest.mark.samples
def test_the_request_chooses_a_level_of_detail(head_stub, samples_dir):
    image = (samples_dir / PORTRAIT).read_bytes()
    full, _ = _create(head_stub, image, "none")
    request = head_pb2.CreateHeadRequest(image=image, options=head_pb2.HeadOptions(texture_size=512, hair="none",
                                                                                   lod=2))
    events = list(head_stub.CreateHead(request, timeout=120))
    (metadata,) = [e.metadata for e in events if e.HasField("metadata")]
    glb = read_glb(b"".join(e.glb_chunk for e in events if e.WhichOneof("event") == "glb_chunk"))
    triangles = sum(glb.json["accessors"][p["indices"]]["count"] // 3 for p in glb.json["meshes"][0]["primitives"])
    assert metadata.triangle_count == triangles and 0.2 < triangles / full.triangle_count <= 0.26
    positions = glb.json["meshes"][0]["primitives"][0]["attributes"]["POSITION"]
    assert metadata.vertex_count == glb.json["accessors"][positions]["count"]
    with pytest.raises(grpc.RpcError) as caught:
        list(head_stub.CreateHead(head_pb2.CreateHeadRequest(image=image, options=head_pb2.HeadOptions(lod=4)),
                                  timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "level of detail 4" in caught.value.details()
