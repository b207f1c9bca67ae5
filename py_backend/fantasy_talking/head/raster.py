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
