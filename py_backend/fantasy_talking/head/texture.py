"""The texture atlas: the photo projected onto the face, skin tone everywhere the photo is blind.

Layout (UV, v down): the face in the top-left 3/4 square, planar-projected from the head frame;
the right column holds flat patches for skin (cranium, ears, neck), eyes, teeth, mouth and tongue.
The photo only ever lands on face triangles that faced the camera; its weight fades to the skin
tone towards the face outline and on surfaces turned away, so nothing is smeared round the head.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

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
IRIS_UV_RADIUS = 0.5 * np.arcsin(0.55) / np.pi
"""Iris radius on the eyeball patch: the iris spans about ±33° of a 12 mm eyeball."""


@dataclass(frozen=True)
class Texture:
    """The baked atlas and what it says about how much of the head the photo actually showed."""

    rgb: np.ndarray
    inferred_fraction: float
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


def _oval_fade(mesh: HeadMesh) -> np.ndarray:
    """0 on the face outline, 0.5 one edge in, 1 further in: the photo blends out at the face's edge."""
    fade = np.ones(topo.N_FACE)
    oval = np.array(topo.face_oval())
    fade[oval] = 0.0
    tris = topo.face_triangles()
    touching = np.isin(tris, oval).any(axis=1)
    ring1 = np.setdiff1d(np.unique(tris[touching]), oval)
    fade[ring1] = 0.5
    return fade


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
    visibility = np.clip((facing - 0.15) / 0.35, 0.0, 1.0) * _oval_fade(mesh)
    photo_xy = landmarks.points[: topo.N_FACE, :2]
    skin_px = _sample(rgb, photo_xy[list(SKIN_SAMPLES)][visibility[list(SKIN_SAMPLES)] > 0.5]
                      if (visibility[list(SKIN_SAMPLES)] > 0.5).any() else photo_xy[list(SKIN_SAMPLES)],
                      radius=max(1, int(landmarks.inter_ocular_px * 0.03)))
    skin = np.median(skin_px, axis=0).astype(np.float32)

    atlas = np.empty((size, size, 3), np.float32)
    atlas[:] = skin
    face_uv = mesh.uv[face] * size
    attributes = np.column_stack([photo_xy, visibility])
    values, covered = rasterize(face_uv, topo.face_triangles(), attributes, (size, size))
    map_x = values[..., 0]
    map_y = values[..., 1]
    weight = np.where(covered, values[..., 2], 0.0)[..., None]
    photo = cv2.remap(rgb, map_x, map_y, interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    atlas = photo.astype(np.float32) * weight + atlas * (1.0 - weight)

    def box(name):
        u0, v0, u1, v1 = PATCHES[name]
        return slice(int(v0 * size), int(v1 * size)), slice(int(u0 * size), int(u1 * size))

    iris_centre = landmarks.points[[LEFT_IRIS, RIGHT_IRIS], :2]
    iris_radius = max(1, int(0.25 * np.linalg.norm(landmarks.points[LEFT_IRIS + 1, :2] - iris_centre[0])))
    iris_rgb = np.median(_sample(rgb, iris_centre, iris_radius), axis=0)
    rows, cols = box("eye")
    atlas[rows, cols] = _eye_patch(rows.stop - rows.start, iris_rgb)
    rows, cols = box("teeth")
    atlas[rows, cols] = _teeth_patch(cols.stop - cols.start, rows.stop - rows.start)
    rows, cols = box("mouth")
    atlas[rows, cols] = (95, 30, 35)
    rows, cols = box("tongue")
    atlas[rows, cols] = (175, 85, 90)

    skin_parts = np.isin(mesh.part, [Part.FACE, Part.CRANIUM, Part.NECK, Part.EAR])
    tris = mesh.triangles[skin_parts[mesh.triangles].all(axis=1)]
    p = mesh.positions
    area = 0.5 * np.linalg.norm(np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]]), axis=1)
    seen_vertex = np.zeros(mesh.n_vertices)
    seen_vertex[face] = visibility
    seen = float((area * seen_vertex[tris].mean(axis=1)).sum() / area.sum())
    return Texture(rgb=np.clip(atlas, 0, 255).astype(np.uint8), inferred_fraction=1.0 - seen,
                   skin_rgb=tuple(int(c) for c in skin))
