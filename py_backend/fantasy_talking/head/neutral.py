"""The ARKit neutral: JawOpen = 0 means closed lips, whatever the photo showed.

The fit pulls the photo's inner-lip landmarks together (template.py), so an open mouth in the photo only
shows up as a warning; then `seal_lips` presses the fitted lips shut wherever a slit would still show the
teeth, from the front or turned.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.head.fit import FaceFit

CLOSED_GAP_M = 0.0015
"""Lip gaps below this (at the middle of the mouth) count as closed."""
MAX_GAP_TO_CLOSE_M = 0.004
"""Photos with wider openings get a warning: the lips' texture is stretched over the closed mouth."""
UPPER, LOWER = (81, 82, 13, 312, 311), (178, 87, 14, 317, 402)


def lip_gap(points: np.ndarray) -> float:
    """Vertical gap between the inner lips at the middle of the mouth, in the points' units."""
    return float(np.mean(points[list(UPPER), 1] - points[list(LOWER), 1]))


def photo_lip_gap(fit: FaceFit) -> float:
    """How far the photo's lips were apart, in metres."""
    return max(0.0, lip_gap(fit.vertices))


SEAL_PIXEL_M = 0.0001
"""Resolution of the front-view silhouettes on which the seal measures the slit between the lips."""
SEAL_OVERLAP_M = 0.00025
"""The lips are pressed this far past touching, so no straight edge between two margin vertices leaves a hairline."""
SEAL_REACH_M = 0.004
"""How far above and below the lips' margins, and behind the lips' front, the closing movement fades out."""
LOWER_LIP_MOTION = 0.4
"""Skin moving by more than this share of the chin's JawOpen movement belongs to the lower lip."""
SEAL_VIEWS_DEG = (0.0, 30.0, -30.0, 60.0, -60.0)
"""Yaws the slit is looked for from: a turned head sees past the lips' far corner."""


def seal_lips(positions: np.ndarray, triangles: np.ndarray, jaw_motion: np.ndarray, lips: np.ndarray,
              surface: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """The skin with its closed lips pressed together (a copy): no slit shows the teeth between them.

    hm08's lips part towards the corners by up to a millimetre, and the fit's warp can part them further.
    Seen from each of SEAL_VIEWS_DEG, the upper lip's lowest edge and the lower lip's highest edge are found per
    column (silhouettes of the `surface` triangles among `lips`, rasterised at SEAL_PIXEL_M); where they are
    apart, each lip moves half the widest gap (plus SEAL_OVERLAP_M) towards the other, fading out over
    SEAL_REACH_M. `jaw_motion` is each vertex's JawOpen movement relative to the chin's (the lower lip follows
    the jaw); `corners` are the mouth's corners, (2, 3)."""
    lower = jaw_motion > LOWER_LIP_MOTION
    out = positions.copy()
    for _ in range(2):
        shift = np.zeros(len(positions))
        for yaw in np.radians(SEAL_VIEWS_DEG):
            turn = np.array([[np.cos(yaw), 0.0, np.sin(yaw)], [0.0, 1.0, 0.0], [-np.sin(yaw), 0.0, np.cos(yaw)]])
            shift = np.maximum(shift, _closing_shift(out @ turn.T, triangles, lower, lips, surface, corners @ turn.T))
        if not (shift > 0).any():
            break
        out[:, 1] += np.where(lower, shift, -shift)
    return out


def _closing_shift(positions, triangles, lower, lips, surface, corners) -> np.ndarray:
    """How far each lip vertex moves towards the other lip to close the slit seen along -z, (V,)."""
    import cv2

    left, right = corners[:, 0].min(), corners[:, 0].max()
    lo = np.array([left - SEAL_REACH_M, positions[lips, 1].min()])
    width = int(np.ceil((right - left + 2 * SEAL_REACH_M) / SEAL_PIXEL_M)) + 1
    height = int(np.ceil(np.ptp(positions[lips, 1]) / SEAL_PIXEL_M)) + 1
    pixels = np.round((positions[:, :2] - lo) / SEAL_PIXEL_M * 16).astype(np.int32)
    rows = np.arange(height)[:, None]
    edges = []
    for members, pick, empty in ((lips & surface & ~lower, np.min, height), (lips & surface & lower, np.max, -1)):
        mask = np.zeros((height, width), np.uint8)
        for tri in triangles[members[triangles].all(axis=1)]:
            cv2.fillConvexPoly(mask, pixels[tri], 1, lineType=cv2.LINE_8, shift=4)
        edges.append((pick(np.where(mask > 0, rows, empty), axis=0) * SEAL_PIXEL_M + lo[1], mask.any(axis=0)))
    (upper_y, has_upper), (lower_y, has_lower) = edges
    columns = lo[0] + np.arange(width) * SEAL_PIXEL_M
    gap = np.where(has_upper & has_lower & (columns > left) & (columns < right), upper_y - lower_y, 0.0)
    if not (gap > 0).any():
        return np.zeros(len(positions))
    # each column takes the widest gap within a millimetre: a straight edge spans the columns between vertices
    reach = int(0.001 / SEAL_PIXEL_M)
    kernel = np.ones((1, 2 * reach + 1), np.uint8)
    gap = cv2.dilate(np.maximum(gap, 0.0).astype(np.float32)[None], kernel)[0]
    column = np.clip(np.round((positions[:, 0] - lo[0]) / SEAL_PIXEL_M).astype(int), 0, width - 1)
    # the lips' front per column (the mouth curves back towards its corners)
    front = np.full(width, -1.0)
    np.maximum.at(front, column[lips], positions[lips, 2])
    front = cv2.dilate(front.astype(np.float32)[None], kernel)[0]
    margin = np.where(lower, lower_y[column], upper_y[column])
    fade = (np.clip(1.0 - np.abs(positions[:, 1] - margin) / SEAL_REACH_M, 0, 1)
            * np.clip(2.0 - (front[column] - positions[:, 2]) / SEAL_REACH_M, 0, 1) * lips)
    return np.where(gap[column] > 0, 0.5 * gap[column] + SEAL_OVERLAP_M, 0.0) * fade
