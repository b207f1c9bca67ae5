"""Head pipeline pieces that need no face detector: image limits, topology, GLB packing, options."""
from __future__ import annotations

import io
import itertools
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from fantasy_talking.head.create import HeadOptions
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.glb import FLOAT, GltfDocument, read_glb
from fantasy_talking.head.image import decode_image
from fantasy_talking.head.raster import rasterize
from fantasy_talking.head.topology import face_oval, face_triangles


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_decodes_supported_formats_to_rgb(fmt):
    image = Image.new("RGBA" if fmt == "PNG" else "RGB", (40, 30), (200, 100, 50))
    rgb = decode_image(_encode(image, fmt))
    assert rgb.shape == (30, 40, 3) and rgb.dtype == np.uint8
    assert abs(int(rgb[15, 20, 0]) - 200) < 8


def test_large_photos_are_downscaled():
    rgb = decode_image(_encode(Image.new("RGB", (3000, 1000)), "JPEG"))
    assert rgb.shape == (683, 2048, 3)


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"hello, this is not a picture", "not an image"),
    (_encode(Image.new("RGB", (8, 8)), "GIF"), "unsupported image format"),
    (_encode(Image.new("RGB", (64, 64)), "PNG")[:60], "corrupt"),
    (_encode(Image.new("1", (7000, 6000)), "PNG"), "over the limit"),
])
def test_bad_images_say_why(data, reason):
    with pytest.raises(HeadError, match=reason):
        decode_image(data)


def test_face_topology_is_a_manifold_with_eye_and_mouth_holes():
    triangles = face_triangles()
    uses = Counter(tuple(sorted(e)) for t in triangles.tolist() for e in itertools.combinations(t, 2))
    assert max(uses.values()) == 2
    boundary = sum(1 for n in uses.values() if n == 1)
    assert boundary == 36 + 16 + 16 + 20  # face outline, two eyes, inner lips
    assert len(face_oval()) == 36 and face_oval()[0] == 10


def test_rasterize_interpolates_and_covers_only_the_triangle():
    points = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    values, mask = rasterize(points, np.array([[0, 1, 2]]), np.array([[0.0], [1.0], [0.0]]), (12, 12))
    assert mask[1, 1] and not mask[9, 9]
    assert values[1, 8, 0] == pytest.approx(0.85, abs=0.01)


def test_glb_round_trip_keeps_json_and_accessors():
    doc = GltfDocument(json={"asset": {"version": "2.0"}})
    index = doc.add_accessor(np.arange(6, dtype=np.float32), FLOAT, with_bounds=True)
    back = read_glb(doc.to_bytes())
    accessor = back.json["accessors"][index]
    assert accessor["min"] == [0.0] and accessor["max"] == [5.0]
    view = back.json["bufferViews"][accessor["bufferView"]]
    data = np.frombuffer(bytes(back.binary[view["byteOffset"]:view["byteOffset"] + view["byteLength"]]), np.float32)
    assert data.tolist() == [0, 1, 2, 3, 4, 5]


def test_read_glb_rejects_other_files():
    with pytest.raises(HeadError, match="not a GLB"):
        read_glb(b"{\"asset\": {}}" * 4)


@pytest.mark.parametrize("kwargs, reason", [
    ({"texture_size": 256}, "outside 512..4096"),
    ({"parts": frozenset({"hair"})}, "unknown head parts"),
    ({"detail": "ultra"}, "unknown mesh detail"),
])
def test_head_options_are_checked(kwargs, reason):
    with pytest.raises(HeadError, match=reason):
        HeadOptions(**kwargs)


def _tiny_head_glb() -> bytes:
    """A GLB with only what baking reads: a mesh node with named targets and neck/head joint nodes."""
    doc = GltfDocument(json={
        "asset": {"version": "2.0"},
        "nodes": [{"name": "head_mesh", "mesh": 0}, {"name": "neck"}, {"name": "head"}],
        "meshes": [{"primitives": [], "extras": {"targetNames": ["JawOpen", "EyeBlinkLeft", "viseme_aa"]}}],
    })
    return doc.to_bytes()


def test_bake_clip_keys_arkit_weights_and_head_joints():
    from fantasy_talking.animation.clip import AnimationClip
    from fantasy_talking.animation.rig import JOINTS, RigProfile, curve_names
    from fantasy_talking.formats.gltf_animation import bake_clip

    names = curve_names(RigProfile.ARKIT_52_VISEMES)
    weights = np.zeros((4, len(names)), np.float32)
    weights[:, names.index("JawOpen")] = [0.0, 0.5, 1.0, 0.25]
    weights[:, names.index("viseme_aa")] = 1.0
    joints = np.tile(np.array([0, 0, 0, 1], np.float32), (4, len(JOINTS), 1))
    clip = AnimationClip(curve_names=names, fps=10, weights=weights, joints=joints,
                         angles=np.zeros((4, 9), np.float32), idle=np.zeros(4, bool), duration_s=0.4)
    doc = read_glb(bake_clip(_tiny_head_glb(), clip, name="take"))
    (animation,) = doc.json["animations"]
    assert animation["name"] == "take"
    targets = [(c["target"]["node"], c["target"]["path"]) for c in animation["channels"]]
    assert targets == [(0, "weights"), (1, "rotation"), (2, "rotation")]

    def floats(accessor_index):
        accessor = doc.json["accessors"][accessor_index]
        view = doc.json["bufferViews"][accessor["bufferView"]]
        return np.frombuffer(bytes(doc.binary[view["byteOffset"]:view["byteOffset"] + view["byteLength"]]), np.float32)

    times = floats(animation["samplers"][0]["input"])
    keyed = floats(animation["samplers"][0]["output"]).reshape(4, 3)
    assert times.tolist() == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert keyed[:, 0].tolist() == [0.0, 0.5, 1.0, 0.25]
    assert not keyed[:, 2].any()  # viseme targets are not driven alongside ARKit curves
