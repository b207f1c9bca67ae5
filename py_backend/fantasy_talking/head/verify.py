"""Closed-loop check of a built head: render it in the photo's fitted pose, find the face in the render
with the same detector, and measure how far those landmarks land from the photo's.

The render and the photo are aligned by the best 2D similarity (scale, rotation, shift), so the
figure measures the head's shape and texture, not the camera framing.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.head.create import HeadResult
from fantasy_talking.head.landmarks import LEFT_IRIS, RIGHT_IRIS, detect_landmarks
from fantasy_talking.head.render import asset_renderer

FACE_LANDMARKS = slice(0, 468)


def _similarity_residual(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Residuals after the least-squares similarity transform mapping `source` onto `target` (N, 2)."""
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    s, t = source - mu_s, target - mu_t
    u, sigma, vt = np.linalg.svd(t.T @ s)
    d = np.sign(np.linalg.det(u @ vt))
    rotation = u @ np.diag([1.0, d]) @ vt
    scale = (sigma * [1.0, d]).sum() / (s ** 2).sum()
    return target - (scale * s @ rotation.T + mu_t)


def rendered_landmark_error(result: HeadResult, size: int = 512) -> float:
    """Mean landmark distance between a posed render of the head and the photo, in inter-ocular distances.

    The head wears the expression read off the photo (its neutral has it taken off), so like meets like."""
    asset, pose = result.asset, result.fit.pose
    worn = {name[0].upper() + name[1:]: weight for name, weight in asset.mesh.photo_expression.items()}
    posed, _ = asset.pose(worn)
    positions = posed @ pose.rotation.T
    normals = asset.mesh.normals(positions)
    centre = asset.mesh.landmarks.mean(axis=0) @ pose.rotation.T
    renderer = asset_renderer(asset, size, target=centre, distance=1.2, fov_deg=12.0)
    try:
        image = renderer.draw(positions, normals)
    finally:
        renderer.release()
    rendered = detect_landmarks(image).points[FACE_LANDMARKS, :2]
    photo = result.landmarks.points[FACE_LANDMARKS, :2]
    residual = _similarity_residual(rendered, photo)
    iod = np.linalg.norm(result.landmarks.points[LEFT_IRIS, :2] - result.landmarks.points[RIGHT_IRIS, :2])
    return float(np.linalg.norm(residual, axis=1).mean() / iod)
