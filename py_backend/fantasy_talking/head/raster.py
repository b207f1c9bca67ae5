"""A small scan-converter: interpolate per-vertex attributes over triangles into an image grid.

Used to bake the texture in UV space, on machines without any GPU or OpenGL.
"""
from __future__ import annotations

import numpy as np


def rasterize(points: np.ndarray, triangles: np.ndarray, attributes: np.ndarray,
              size: tuple[int, int], nearest: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Interpolate `attributes` (V, K) over triangles given in pixel coordinates `points` (V, 2).

    Returns (H, W, K) float32 values and an (H, W) coverage mask. Later triangles win overlaps,
    unless `nearest`: then attribute 0 is a depth (larger is nearer) and the nearest surface wins.
    """
    height, width = size
    out = np.zeros((height, width, attributes.shape[1]), dtype=np.float32)
    if nearest:
        out[..., 0] = -np.inf
    mask = np.zeros((height, width), dtype=bool)
    for tri in triangles:
        p = points[tri]
        x0, y0 = np.floor(p.min(axis=0)).astype(int)
        x1, y1 = np.ceil(p.max(axis=0)).astype(int)
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width - 1), min(y1, height - 1)
        if x1 < x0 or y1 < y0:
            continue
        xs, ys = np.meshgrid(np.arange(x0, x1 + 1) + 0.5, np.arange(y0, y1 + 1) + 0.5)
        (ax, ay), (bx, by), (cx, cy) = p
        det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy)
        if abs(det) < 1e-12:
            continue
        w0 = ((by - cy) * (xs - cx) + (cx - bx) * (ys - cy)) / det
        w1 = ((cy - ay) * (xs - cx) + (ax - cx) * (ys - cy)) / det
        w2 = 1.0 - w0 - w1
        inside = (w0 >= -1e-4) & (w1 >= -1e-4) & (w2 >= -1e-4)
        if not inside.any():
            continue
        a = attributes[tri]
        values = w0[..., None] * a[0] + w1[..., None] * a[1] + w2[..., None] * a[2]
        region = out[y0:y1 + 1, x0:x1 + 1]
        if nearest:
            inside &= values[..., 0] > region[..., 0]
        region[inside] = values[inside]
        mask[y0:y1 + 1, x0:x1 + 1] |= inside
    return out, mask


def triangle_map(points: np.ndarray, triangles: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Which triangle covers each pixel of a size² grid, and where in it: (H, W) index (-1 for none) and
    (H, W, 3) barycentric weights. `points` are (V, 2) pixel coordinates. OpenCV fills the triangles; the
    weights are then solved per pixel, so the whole map costs one small fill per triangle."""
    import cv2

    ids = np.zeros((size, size), dtype=np.float32)
    fixed = np.round(points * 16).astype(np.int32)
    for k, tri in enumerate(triangles):
        cv2.fillConvexPoly(ids, fixed[tri], float(k + 1), lineType=cv2.LINE_8, shift=4)
    index = ids.astype(np.int64) - 1
    ys, xs = np.nonzero(index >= 0)
    tri = triangles[index[ys, xs]]
    a, b, c = points[tri[:, 0]], points[tri[:, 1]], points[tri[:, 2]]
    px = np.column_stack([xs + 0.5, ys + 0.5])
    v0, v1, v2 = b - a, c - a, px - a
    det = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)
    w1 = (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / det
    w2 = (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / det
    bary = np.zeros((size, size, 3), dtype=np.float32)
    # pixels on a triangle's outline may lie just outside it: clamp to its edge, keeping weights summing to 1
    weights = np.clip(np.column_stack([1 - w1 - w2, w1, w2]), 0.0, None)
    bary[ys, xs] = weights / np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
    return index, bary
