"""Head pipeline pieces that need no face detector: image limits, topology, GLB packing, options, and the
shipped base head (closed, consistently wound skin; ARKit targets; warp)."""
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
    image = Image.new("RGBA" if fmt == "PNG" else "RGB", (80, 64), (200, 100, 50))
    rgb = decode_image(_encode(image, fmt))
    assert rgb.shape == (64, 80, 3) and rgb.dtype == np.uint8
    assert abs(int(rgb[32, 40, 0]) - 200) < 8


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


# The shipped base head (head/assets/hm08_head.npz): checks that need no photo.

def _base():
    from fantasy_talking.head.base_mesh import load_base_head

    return load_base_head()


def test_base_skin_is_closed_and_consistently_wound():
    base = _base()
    ids = np.where(base.skin_source >= 0, base.skin_source, base.skin_source.max() + 1)
    tris = ids[base.parts["skin"].triangles]
    edges = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    directed = Counter(map(tuple, edges.tolist()))
    assert all(count == 1 for count in directed.values())  # no edge used twice the same way
    assert all((b, a) in directed for a, b in directed)  # every edge has its twin: closed, no holes
    p = base.parts["skin"].positions
    t = base.parts["skin"].triangles
    volume = np.einsum("ij,ij->i", p[t[:, 0]], np.cross(p[t[:, 1]], p[t[:, 2]])).sum() / 6
    assert volume > 0.002  # outward-facing, head-sized


def test_base_targets_are_the_52_arkit_shapes_in_live_link_order():
    from fantasy_talking.animation.rig import ARKIT_52

    assert tuple(n[0].upper() + n[1:] for n in _base().morph_names) == ARKIT_52


def test_base_jaw_opens_the_lower_teeth_and_tongue_only():
    base = _base()
    jaw = base.morph_names.index("jawOpen")
    teeth = np.linalg.norm(base.parts["teeth"].deltas[jaw], axis=1)
    assert (teeth > 0.01).mean() > 0.3 and (teeth == 0).mean() > 0.3
    assert np.linalg.norm(base.parts["tongue"].deltas[jaw], axis=1).min() > 0.003
    marks = base.landmarks_on(base.parts["skin"].deltas[jaw].astype(np.float64))
    assert marks[152, 1] < -0.02 and abs(marks[13, 1]) < 0.002  # chin drops, upper lip stays


def test_base_lips_are_sealed_and_landmarks_sit_on_the_face():
    base = _base()
    marks = base.landmarks_on(base.parts["skin"].positions)
    upper, lower = [81, 82, 13, 312, 311], [178, 87, 14, 317, 402]
    assert np.abs(marks[upper, 1] - marks[lower, 1]).max() < 0.0005
    assert marks[1, 2] == marks[:, 2].max() or marks[1, 2] > np.percentile(marks[:, 2], 95)  # nose tip in front
    assert marks[263, 0] > 0.03 and marks[33, 0] < -0.03  # +X is the character's left


def test_warp_carries_landmarks_onto_their_targets_and_fades_away():
    from fantasy_talking.head.deform import DEPTH_TRUST, fit_warp

    base = _base()
    source = base.landmarks_on(base.parts["skin"].positions)
    target = source * [1.1, 0.95, 1.0] + [0.0, 0.01, 0.0]
    bump = np.exp(-((source - source[1]) ** 2).sum(axis=1) / (2 * 0.015 ** 2))
    target[:, 2] += 0.004 * bump  # a fuller nose
    warp = fit_warp(source, target)
    moved = warp(source)
    assert np.abs(moved[:, :2] - target[:, :2]).max() < 0.001
    nose_gain = (moved[1, 2] - warp.similarity(source[1:2])[0, 2]) / 0.004
    assert 0.5 * DEPTH_TRUST < nose_gain <= DEPTH_TRUST + 0.05  # depth counts for DEPTH_TRUST of the warp
    back = base.parts["skin"].positions[base.parts["skin"].positions[:, 2] < -0.12]
    assert np.abs(warp.displacement(warp.similarity(back))).max() < 1e-4  # the skull keeps its shape


def test_triangle_map_weights_rebuild_each_pixel_centre():
    from fantasy_talking.head.raster import triangle_map

    points = np.array([[3.0, 4.0], [60.0, 8.0], [20.0, 55.0], [62.0, 60.0]])
    triangles = np.array([[0, 1, 2], [1, 3, 2]])
    index, bary = triangle_map(points, triangles, 64)
    ys, xs = np.nonzero(index >= 0)
    rebuilt = np.einsum("pk,pkc->pc", bary[ys, xs], points[triangles[index[ys, xs]]])
    inside = np.abs(rebuilt - np.column_stack([xs + 0.5, ys + 0.5])).max(axis=1) < 1e-3
    assert inside.mean() > 0.9 and np.allclose(bary[ys, xs].sum(axis=1), 1.0)


def test_decode_image_refuses_strips_tiny_and_damaged_images_with_head_errors():
    """The CLI path decodes photos without HeadService in front: degenerate sizes and a PNG whose IDAT
    checksum is wrong (PIL raises SyntaxError there) are HeadErrors, not crashes."""
    import io
    import zlib

    from PIL import Image

    from fantasy_talking.head.errors import HeadError
    from fantasy_talking.head.image import decode_image

    def png(width: int, height: int) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (width, height), (120, 90, 80)).save(out, format="PNG")
        return out.getvalue()

    for width, height in ((4096, 1), (40000, 1), (32, 32)):
        with pytest.raises(HeadError, match=f"{width}x{height}"):
            decode_image(png(width, height))
    data = bytearray(png(256, 256))
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4:idat], "big")
    crc_at = idat + 4 + length
    data[crc_at:crc_at + 4] = (zlib.crc32(bytes(data[idat:crc_at])) ^ 1).to_bytes(4, "big")
    with pytest.raises(HeadError, match="corrupt"):
        decode_image(bytes(data))
    assert decode_image(png(256, 256)).shape == (256, 256, 3)


def test_sealed_lips_hide_the_teeth_even_when_the_fit_parts_them():
    """No photo needed: the base head fitted to its own landmarks, and to landmarks whose lower lip sits 1.5 mm
    low towards the corners (a fit that parts the lips), shows no tooth between the closed lips from the front or
    three-quarter view (teeth painted green, 0.16 mm a pixel); JawOpen = 1 does show them."""
    from types import SimpleNamespace

    from fantasy_talking.head.render import Renderer
    from fantasy_talking.head.template import MATERIALS, build_head
    from fantasy_talking.head.texture import layout_uvs

    base = _base()
    marks = base.landmarks_on(base.parts["skin"].positions)
    parted = marks.copy()
    lower = [146, 91, 181, 84, 17, 314, 405, 321, 375, 95, 88, 178, 87, 14, 317, 402, 318, 324]
    parted[lower, 1] -= 0.0015 * np.clip(np.abs(marks[lower, 0]) / 0.02, 0, 1)
    jaw = base.morph_names.index("jawOpen")
    for photo in (marks, parted):
        mesh = build_head(SimpleNamespace(vertices=photo), hair_style=None)
        layout_uvs(mesh)
        images = {m: np.full((8, 8, 3), 160, np.uint8) for m in MATERIALS}
        images["mouth"] = np.zeros((8, 8, 3), np.uint8)
        images["mouth"][..., 1] = 255
        images["lashes"] = images["hair"] = np.zeros((8, 8, 4), np.uint8)
        opened = mesh.positions + mesh.base_deltas[jaw]
        renderer = Renderer(320, {m: mesh.triangles_of(m) for m in MATERIALS}, mesh.uv, images,
                            target=mesh.landmarks[[13, 14]].mean(axis=0), distance=0.16)
        try:
            views = [renderer.draw(mesh.positions, mesh.normals(), yaw_deg=yaw) for yaw in (0.0, 35.0, -35.0)]
            views.append(renderer.draw(opened, mesh.normals(opened)))
        finally:
            renderer.release()
        teeth = [int(((v[..., 1] > 150) & (v[..., 0] < 80) & (v[..., 2] < 80)).sum()) for v in views]
        assert teeth[:3] == [0, 0, 0] and teeth[3] > 500, teeth


def test_face_subdivision_keeps_the_skin_closed_and_rigged():
    """No photo needed: `--detail high`'s split of the base head's face leaves the skin closed and consistently
    wound (no crack where split meets unsplit), and carries morphs and skin weights to every new point."""
    from types import SimpleNamespace

    from fantasy_talking.head.asset import HeadAsset
    from fantasy_talking.head.morphs import build_morphs
    from fantasy_talking.head.skeleton import build_skeleton
    from fantasy_talking.head.subdivide import face_triangles, subdivide_face
    from fantasy_talking.head.template import build_head
    from fantasy_talking.head.texture import layout_uvs

    base = _base()
    mesh = build_head(SimpleNamespace(vertices=base.landmarks_on(base.parts["skin"].positions)), hair_style=None)
    layout_uvs(mesh)
    asset = HeadAsset(mesh=mesh, texture=None, morphs=build_morphs(mesh), skeleton=build_skeleton(mesh))
    high = subdivide_face(asset)
    assert len(face_triangles(high)) >= 3.5 * len(face_triangles(asset))
    skin = high.mesh.triangles_of("skin")
    weld = high.mesh.weld
    ids = np.where(weld >= 0, weld, weld.max() + 1 + np.arange(high.mesh.n_vertices))[skin]
    directed = Counter(map(tuple, np.concatenate([ids[:, [0, 1]], ids[:, [1, 2]], ids[:, [2, 0]]]).tolist()))
    assert all(count == 1 for count in directed.values()) and all((b, a) in directed for a, b in directed)
    n = mesh.n_vertices
    assert high.morphs.deltas.shape[1] == high.skeleton.skin_weights.shape[0] == high.mesh.n_vertices > n
    assert np.allclose(high.skeleton.skin_weights[n:].sum(axis=1), 1.0, atol=1e-5)


def test_lash_hairs_run_from_root_to_tip_across_each_strip():
    """No photo needed: in the painted lash texture the hairs run along each strip's root → tip direction (the
    gradient of the distance to the eyeball), also where hm08's strips curve at the eye's outer corner; hairs
    painted straight down the texture ran along the curved ends there, a dark wedge (58 % of hair texels
    within 45° of root → tip then)."""
    import cv2
    from types import SimpleNamespace

    from fantasy_talking.head.template import Part, build_head
    from fantasy_talking.head.texture import _lash_image, _texel_attributes, layout_uvs

    base = _base()
    mesh = build_head(SimpleNamespace(vertices=base.landmarks_on(base.parts["skin"].positions)), hair_style=None)
    layout_uvs(mesh)
    anchors = np.stack([mesh.anchors.eye_left, mesh.anchors.eye_right])
    to_eye = np.linalg.norm(mesh.positions[:, None] - anchors[None], axis=2).min(axis=1)
    texels, covered = _texel_attributes(mesh, (Part.LASHES,), 256, to_eye[:, None].astype(np.float32))
    alpha = _lash_image(mesh, np.array([30.0, 24.0, 22.0]), 256)[..., 3].astype(np.float32) / 255
    gx, gy = cv2.Sobel(alpha, cv2.CV_32F, 1, 0), cv2.Sobel(alpha, cv2.CV_32F, 0, 1)
    jxx, jyy, jxy = (cv2.GaussianBlur(v, (0, 0), 1.5) for v in (gx * gx, gy * gy, gx * gy))
    along = 0.5 * np.arctan2(2 * jxy, jxx - jyy) + np.pi / 2  # a hair runs across its strongest gradient
    distance = cv2.GaussianBlur(np.where(covered, texels[..., 0], texels[..., 0][covered].mean()), (0, 0), 2.0)
    dy, dx = np.gradient(distance)
    cos = np.abs(np.cos(along) * dx + np.sin(along) * dy) / (np.hypot(dx, dy) + 1e-12)
    hairs = (cv2.erode(covered.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0) & (alpha > 0.4) & (jxx + jyy > 1e-3)
    assert hairs.sum() > 2000
    assert (cos[hairs] > 0.7).mean() > 0.85, (cos[hairs] > 0.7).mean()
