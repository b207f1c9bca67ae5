"""The texture atlas: the photo projected onto the face, skin tone everywhere the photo is blind.

Layout (UV, v down): the face in the top-left 3/4 square, planar-projected from the head frame;
the right column holds flat patches for skin (cranium, ears, neck), eyes, teeth, mouth and tongue.
The photo only ever lands on face triangles that faced the camera; its weight fades to the skin
tone towards the face outline and on surfaces turned away, so nothing is smeared round the head.
Where the photo saw only one side of a turned face, the far side takes the colours of its mirror
image on the near side.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.ndimage import distance_transform_edt

from fantasy_talking.head import topology as topo
from fantasy_talking.head.fit import FaceFit
from fantasy_talking.head.landmarks import LEFT_IRIS, RIGHT_IRIS, FaceLandmarks
from fantasy_talking.head.raster import rasterize
from fantasy_talking.head.template import HeadMesh, Part

FACE_PATCH = (0.0, 0.0, 0.75, 0.75)
PATCHES = {
    "skin": (0.75, 0.0, 1.0, 0.25),
    "eye": (0.75, 0.25, 1.0, 0.5),
    "teeth": (0.75, 0.5, 1.0, 0.625),
    "mouth": (0.75, 0.625, 0.875, 0.75),
    "tongue": (0.875, 0.625, 1.0, 0.75),
}
PART_PATCH = {Part.CRANIUM: "skin", Part.NECK: "skin", Part.EAR: "skin", Part.EYE_LEFT: "eye",
              Part.EYE_RIGHT: "eye", Part.TEETH_UPPER: "teeth", Part.TEETH_LOWER: "teeth",
              Part.MOUTH: "mouth", Part.TONGUE: "tongue"}
SKIN_SAMPLES = (50, 280, 101, 330, 151, 9, 108, 337, 36, 266)
"""Cheek, forehead and nose-side landmarks whose photo colours give the skin tone."""
IRIS_UV_RADIUS = 0.5 * np.arcsin(0.55) / np.pi
"""Iris radius on the eyeball patch: the iris spans about ±33° of a 12 mm eyeball."""
MAP_SIDE = 384
"""The photo look-up map is rasterised at this side and upsampled: it is piecewise linear, so this is exact
enough, and it keeps a 4096² atlas as fast as a 1024² one."""
HAIR_HOPS = 4
"""Near the outline (this many edges in), texels far from the skin tone (hair, background) give way to skin."""


@dataclass(frozen=True)
class Texture:
    """The baked atlas and what it says about how much of the head the photo actually showed."""

    rgb: np.ndarray
    inferred_fraction: float
    face_inferred_fraction: float
    skin_rgb: tuple[int, int, int]


def _inset(patch, uv: np.ndarray, margin: float = 0.04) -> np.ndarray:
    u0, v0, u1, v1 = patch
    du, dv = (u1 - u0) * margin, (v1 - v0) * margin
    return np.stack([u0 + du + uv[:, 0] * (u1 - u0 - 2 * du), v0 + dv + uv[:, 1] * (v1 - v0 - 2 * dv)], 1)


def layout_uvs(mesh: HeadMesh) -> None:
    """Give every vertex its atlas coordinate (in place): planar face, per-part patches elsewhere."""
    face = mesh.part == Part.FACE
    xy = mesh.positions[face][:, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = float((hi - lo).max())
    centred = (xy - (lo + hi) / 2) / span + 0.5
    planar = np.stack([centred[:, 0], 1.0 - centred[:, 1]], 1)
    uv = mesh.uv.copy()
    uv[face] = _inset(FACE_PATCH, planar, margin=0.02)
    for part, patch in PART_PATCH.items():
        sel = mesh.part == part
        uv[sel] = _inset(PATCHES[patch], mesh.uv[sel])
    mesh.uv = uv


def _rings_from_outline() -> np.ndarray:
    """Edge hops from each face vertex to the face outline (0 on the outline)."""
    tris = topo.face_triangles()
    neighbours = [set() for _ in range(topo.N_FACE)]
    for a, b, c in tris.tolist():
        neighbours[a] |= {b, c}
        neighbours[b] |= {a, c}
        neighbours[c] |= {a, b}
    hops = np.full(topo.N_FACE, np.inf)
    frontier = list(topo.face_oval())
    hops[frontier] = 0
    while frontier:
        nxt = []
        for v in frontier:
            for n in neighbours[v]:
                if hops[n] == np.inf:
                    hops[n] = hops[v] + 1
                    nxt.append(n)
        frontier = nxt
    return hops


def _fill_uncovered(values: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Copy the nearest covered texel into uncovered ones, so upsampling never blends in empty texels."""
    if covered.all() or not covered.any():
        return values
    _, (iy, ix) = distance_transform_edt(~covered, return_indices=True)
    return values[iy, ix]


def _unoccluded(camera_points: np.ndarray, photo_xy: np.ndarray, grid: int = 256) -> np.ndarray:
    """1 for face vertices the camera saw, 0 for those hidden behind the face itself (the far side of the nose)."""
    lo = photo_xy.min(axis=0)
    scale = (grid - 1) / max(float(np.ptp(photo_xy, axis=0).max()), 1e-6)
    pixels = (photo_xy - lo) * scale
    depth = camera_points[:, 2:3]
    zbuffer, covered = rasterize(pixels, topo.face_triangles(), depth, (grid, grid), nearest=True)
    x = np.clip(pixels[:, 0].astype(int), 0, grid - 1)
    y = np.clip(pixels[:, 1].astype(int), 0, grid - 1)
    tolerance = 0.004
    visible = ~covered[y, x] | (depth[:, 0] >= zbuffer[y, x, 0] - tolerance)
    return visible.astype(np.float64)


def _mirror_partners(face: np.ndarray) -> np.ndarray:
    """For each face vertex, the vertex nearest its mirror image across the head's midline."""
    mirrored = face * [-1.0, 1.0, 1.0]
    d2 = ((mirrored[:, None, :] - face[None, :, :]) ** 2).sum(axis=2)
    return d2.argmin(axis=1)


def _photo_layer(rgb: np.ndarray, xy: np.ndarray, weight: np.ndarray, edge: np.ndarray, skin: np.ndarray,
                 side: int) -> tuple[np.ndarray, np.ndarray]:
    """Photo colours looked up through a low-resolution coordinate map, and their blend weight, at `side`².

    Near the outline, texels far from the skin tone (hair, background) lose their weight.
    """
    xy = np.ascontiguousarray(xy, dtype=np.float32)
    seen = cv2.remap(rgb, xy[..., 0], xy[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    distance = np.linalg.norm(seen.astype(np.float32) - skin, axis=2)
    weight = weight * (1.0 - edge * np.clip((distance - 45.0) / 50.0, 0.0, 1.0))
    full = cv2.resize(np.dstack([xy, weight]).astype(np.float32), (side, side), interpolation=cv2.INTER_LINEAR)
    photo = cv2.remap(rgb, full[..., 0], full[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return photo, np.clip(full[..., 2], 0.0, 1.0)


def _sample(rgb: np.ndarray, points: np.ndarray, radius: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    samples = []
    for x, y in points.astype(int):
        x0, x1, y0, y1 = max(x - radius, 0), min(x + radius + 1, w), max(y - radius, 0), min(y + radius + 1, h)
        if x1 > x0 and y1 > y0:
            samples.append(rgb[y0:y1, x0:x1].reshape(-1, 3))
    return np.concatenate(samples) if samples else np.array([[200, 160, 140]])


def _eye_patch(size: int, iris_rgb: np.ndarray) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(xx + 0.5 - size / 2, yy + 0.5 - size / 2) / size
    patch = np.empty((size, size, 3), np.float32)
    patch[:] = (232, 226, 220)
    iris_r = IRIS_UV_RADIUS * 0.92
    ring = np.clip(1.0 - (r / iris_r - 0.8) / 0.2, 0.6, 1.0)[..., None]
    patch[r < iris_r] = (iris_rgb * ring[r < iris_r].reshape(-1, 1))
    patch[r < iris_r * 0.42] = (12, 10, 10)
    highlight = np.hypot(xx + 0.5 - size * 0.47, yy + 0.5 - size * 0.46) / size < iris_r * 0.12
    patch[highlight] = (250, 250, 250)
    return patch


def _teeth_patch(w: int, h: int) -> np.ndarray:
    u = (np.arange(w) + 0.5) / w
    v = (np.arange(h) + 0.5) / h
    gap = np.abs(((u * 14) % 1.0) - 0.5) > 0.45
    patch = np.empty((h, w, 3), np.float32)
    patch[:] = (238, 234, 222)
    patch[:, gap] = (190, 180, 170)
    patch[v < 0.12] = (180, 90, 95)
    return patch


def bake_texture(mesh: HeadMesh, fit: FaceFit, landmarks: FaceLandmarks, rgb: np.ndarray, size: int) -> Texture:
    """Project the photo onto the face and paint every other patch; `size` is the atlas side in texels."""
    face = np.flatnonzero(mesh.part == Part.FACE)
    normals = mesh.normals()
    facing = fit.pose.view_dot(normals[face])
    hops = _rings_from_outline()
    photo_xy = landmarks.points[: topo.N_FACE, :2]
    unoccluded = _unoccluded(mesh.positions[face] @ fit.pose.rotation.T, photo_xy)
    visibility = np.clip((facing - 0.15) / 0.35, 0.0, 1.0) * np.clip(hops / 2.0, 0.0, 1.0) * unoccluded
    samples = np.array(SKIN_SAMPLES)
    seen_samples = samples[visibility[samples] > 0.5]
    skin_px = _sample(rgb, photo_xy[seen_samples if len(seen_samples) else samples],
                      radius=max(1, int(landmarks.inter_ocular_px * 0.03)))
    skin = np.median(skin_px, axis=0).astype(np.float32)

    atlas = np.empty((size, size, 3), np.uint8)
    atlas[:] = skin.astype(np.uint8)
    side = int(round(FACE_PATCH[2] * size))
    low = min(side, MAP_SIDE)
    edge = np.clip(1.0 - hops / HAIR_HOPS, 0.0, 1.0)
    mirror = _mirror_partners(mesh.positions[face])
    borrowed = visibility[mirror] * (1.0 - visibility) ** 2
    attributes = np.column_stack([photo_xy, visibility, edge, photo_xy[mirror], borrowed]).astype(np.float32)
    values, covered = rasterize(mesh.uv[face] * size * (low / side), topo.face_triangles(), attributes, (low, low))
    values = _fill_uncovered(values, covered)
    values[~covered, 2] = 0.0
    values[~covered, 6] = 0.0
    for xy, w in ((slice(4, 6), 6), (slice(0, 2), 2)):
        photo, alpha = _photo_layer(rgb, values[..., xy], values[..., w], values[..., 3], skin, side)
        atlas[:side, :side] = cv2.blendLinear(photo, atlas[:side, :side], alpha, 1.0 - alpha)

    def box(name):
        u0, v0, u1, v1 = PATCHES[name]
        return slice(int(v0 * size), int(v1 * size)), slice(int(u0 * size), int(u1 * size))

    iris_centre = landmarks.points[[LEFT_IRIS, RIGHT_IRIS], :2]
    iris_radius = max(1, int(0.25 * np.linalg.norm(landmarks.points[LEFT_IRIS + 1, :2] - iris_centre[0])))
    iris_rgb = np.median(_sample(rgb, iris_centre, iris_radius), axis=0)
    rows, cols = box("eye")
    atlas[rows, cols] = _eye_patch(rows.stop - rows.start, iris_rgb).astype(np.uint8)
    rows, cols = box("teeth")
    atlas[rows, cols] = _teeth_patch(cols.stop - cols.start, rows.stop - rows.start).astype(np.uint8)
    rows, cols = box("mouth")
    atlas[rows, cols] = (95, 30, 35)
    rows, cols = box("tongue")
    atlas[rows, cols] = (175, 85, 90)

    seen_vertex = np.zeros(mesh.n_vertices)
    seen_vertex[face] = visibility
    return Texture(rgb=atlas,
                   inferred_fraction=1.0 - _seen_share(mesh, seen_vertex, [Part.FACE, Part.CRANIUM, Part.NECK, Part.EAR]),
                   face_inferred_fraction=1.0 - _seen_share(mesh, seen_vertex, [Part.FACE]),
                   skin_rgb=tuple(int(c) for c in skin))


def _seen_share(mesh: HeadMesh, seen_vertex: np.ndarray, parts: list[Part]) -> float:
    """Area-weighted share of the given parts' surface whose colour came straight from the photo."""
    inside = np.isin(mesh.part, parts)
    tris = mesh.triangles[inside[mesh.triangles].all(axis=1)]
    p = mesh.positions
    area = 0.5 * np.linalg.norm(np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]]), axis=1)
    return float((area * seen_vertex[tris].mean(axis=1)).sum() / area.sum())
