"""Levels of detail: the head with fewer triangles for distant or crowded scenes, still a whole rigged head.

Each level is a complete head: the same materials and textures, the same six-joint skeleton, and all 67 morph
targets. meshoptimizer's simplifier (zeux/meshoptimizer, MIT) collapses edges onto existing vertices, so a
level's index buffer refers to a subset of the full head's vertices: that subset is kept, and every vertex
attribute (position, UV, skin weights) and every morph delta is carried over exactly, with no resampling.
Each material is simplified on its own, with UV seams and open borders (hair cards, lashes) kept in place,
and with the strongest morph deltas among the attributes, so eyelids, lips and jaw keep the edges their
shapes bend along.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from fantasy_talking.head.asset import HeadAsset
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.morphs import MorphTargets
from fantasy_talking.head.options import MAX_LOD
from fantasy_talking.head.skeleton import Skeleton
from fantasy_talking.head.template import MATERIALS

LOD_KEEP = (1.0, 0.5, 0.25, 0.125)
"""Share of each material's triangles kept at each level, 0 (the full head) to options.MAX_LOD."""
LOD_TEXTURE_HALVINGS = (0, 0, 1, 2)
"""Each level's textures are halved this many times (never below MIN_TEXTURE_SIDE): a head drawn small enough
for a quarter of the triangles covers too few pixels to use the full textures, and each file stands alone."""
MIN_TEXTURE_SIDE = 128
assert len(LOD_KEEP) == len(LOD_TEXTURE_HALVINGS) == MAX_LOD + 1
MORPH_ATTRIBUTES = ("JawOpen", "EyeBlinkLeft", "EyeBlinkRight", "MouthSmileLeft", "MouthSmileRight",
                    "MouthFunnel", "MouthPucker", "BrowInnerUp")
"""The morph targets whose deltas guide the simplifier: the largest motions of jaw, lids, lips and brows."""
MORPH_WEIGHT = 20.0
"""Weight of a metre of morph displacement against a metre of position error."""
NORMAL_WEIGHT = 0.02
"""Weight of the (unit) normal: keeps creases such as the lid margins and the lips' edges."""
LOCK_BORDER = 1
"""meshopt_SimplifyLockBorder: vertices on open borders stay."""
LOCKED_BORDERS = ()
"""Materials whose open borders keep every vertex: a hair card's outline simplified to chords cuts its corners
and uncovers the layer beneath (long01's inner sheet showed as a line along the jaw in profile)."""
MIN_AREA_M2 = 1e-12
"""Triangles smaller than this (a micrometre square) are dropped: their normal is undefined."""
MAX_ERROR = 0.05
"""Largest geometric error allowed, relative to a material's size: high, so the triangle share decides."""


@functools.lru_cache(maxsize=1)
def _simplifier():
    """meshopt_simplifyWithAttributes from the meshoptimizer wheel's library, with its C prototype declared (the
    0.2.30a0 wrapper declares none for it, and ctypes would pass the float and size_t arguments wrongly)."""
    import ctypes

    from meshoptimizer._loader import lib

    function = lib.meshopt_simplifyWithAttributes
    floats, size = ctypes.POINTER(ctypes.c_float), ctypes.c_size_t
    function.argtypes = [ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint), size, floats, size, size,
                         floats, size, floats, size, ctypes.POINTER(ctypes.c_ubyte), size, ctypes.c_float,
                         ctypes.c_uint, floats]
    function.restype = size
    return function


def _simplify(triangles: np.ndarray, positions: np.ndarray, attributes: np.ndarray, weights: np.ndarray,
              keep: float, lock_border: bool = False) -> np.ndarray:
    """The triangles (indices into `positions`) simplified to about `keep` of their number."""
    import ctypes

    indices = np.ascontiguousarray(triangles.reshape(-1), dtype=np.uint32)
    points = np.ascontiguousarray(positions, dtype=np.float32)
    values = np.ascontiguousarray(attributes, dtype=np.float32)
    weights = np.ascontiguousarray(weights, dtype=np.float32)
    destination = np.zeros(len(indices), dtype=np.uint32)
    target = max(3, int(round(len(indices) / 3 * keep)) * 3)
    uints, floats = ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_float)
    count = _simplifier()(destination.ctypes.data_as(uints), indices.ctypes.data_as(uints), len(indices),
                          points.ctypes.data_as(floats), len(points), points.strides[0],
                          values.ctypes.data_as(floats), values.strides[0], weights.ctypes.data_as(floats),
                          len(weights), None, target, MAX_ERROR, LOCK_BORDER if lock_border else 0, None)
    return destination[:count].reshape(-1, 3).astype(np.int64)


def decimate(asset: HeadAsset, level: int) -> HeadAsset:
    """The head at a level of detail (0 returns it unchanged); HeadError for a level outside 0..MAX_LOD.

    A level carries what a GLB holds; the photo-fitting data (landmarks on the mesh) stays with the full head."""
    if not 0 <= level <= MAX_LOD:
        raise HeadError(f"level of detail {level} is outside 0..{MAX_LOD}")
    if level == 0:
        return asset
    mesh, morphs = asset.mesh, asset.morphs
    chosen = [morphs.names.index(n) for n in MORPH_ATTRIBUTES if n in morphs.names]
    attributes = np.concatenate([mesh.normals()] + [morphs.deltas[k] for k in chosen], axis=1)
    weights = np.array([NORMAL_WEIGHT] * 3 + [MORPH_WEIGHT] * (3 * len(chosen)))
    kept = [_simplify(mesh.triangles_of(m), mesh.positions, attributes, weights, LOD_KEEP[level],
                      lock_border=m in LOCKED_BORDERS)
            for m in MATERIALS if len(mesh.triangles_of(m))]
    triangles = np.concatenate(kept)
    # a collapse may leave a triangle between two copies of one point along a seam: no area, no normal
    corners = mesh.positions[triangles]
    area = np.linalg.norm(np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0]), axis=1)
    triangles = triangles[area > MIN_AREA_M2]
    # and one folded back onto another over the same corners: their normals cancel
    triangles = triangles[np.sort(np.unique(np.sort(triangles, axis=1), axis=0, return_index=True)[1])]
    used = np.zeros(mesh.n_vertices, bool)
    used[triangles.reshape(-1)] = True
    index = np.cumsum(used) - 1
    lod_mesh = dataclasses.replace(
        mesh, positions=mesh.positions[used], triangles=index[triangles], part=mesh.part[used], uv=mesh.uv[used],
        weld=mesh.weld[used], base_deltas=mesh.base_deltas[:, used], photo_positions=mesh.positions[used],
        landmarks=np.zeros((0, 3)), landmark_triangles=np.zeros((0, 3), np.int64), landmark_bary=np.zeros((0, 3)))
    skeleton = dataclasses.replace(asset.skeleton, skin_joints=asset.skeleton.skin_joints[used],
                                   skin_weights=asset.skeleton.skin_weights[used])
    images = {name: _smaller(image, LOD_TEXTURE_HALVINGS[level]) for name, image in asset.texture.images.items()}
    return dataclasses.replace(asset, mesh=lod_mesh, skeleton=skeleton,
                               texture=dataclasses.replace(asset.texture, images=images),
                               morphs=MorphTargets(names=morphs.names, deltas=morphs.deltas[:, used]))


def _smaller(image: np.ndarray, halvings: int) -> np.ndarray:
    """The image halved up to `halvings` times (area-averaged; alpha-tested RGBA keeps its coverage)."""
    import cv2

    from fantasy_talking.head.render import coverage_mipmaps

    halvings = min(halvings, max(0, int(np.log2(min(image.shape[:2]) / MIN_TEXTURE_SIDE))))
    if halvings == 0:
        return image
    if image.shape[2] == 4:
        return coverage_mipmaps(image)[halvings - 1]
    side = (image.shape[1] >> halvings, image.shape[0] >> halvings)
    return cv2.resize(image, side, interpolation=cv2.INTER_AREA)


def triangle_counts(asset: HeadAsset) -> dict[str, int]:
    """Triangles per material, as the GLB's primitives hold them."""
    return {m: int(len(asset.mesh.triangles_of(m))) for m in MATERIALS if len(asset.mesh.triangles_of(m))}
