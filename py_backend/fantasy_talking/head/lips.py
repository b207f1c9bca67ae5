"""An open mouth's lower lip, found again by its colour where MediaPipe's outline misses it.

On a wide "O" mouth MediaPipe puts the lower lip's outline on the tongue and lower teeth, a lip's height too
high, so the texture would give the lips the mouth's inside and the chin the lips' red. Down each column of the
lower lip, the mouth's dark opening ends where the lip begins, and the lip ends where the red gives way to skin;
the lower lip's landmarks are moved onto those edges (and the skin below them down to the chin makes room).
"""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from fantasy_talking.head.landmarks import FaceLandmarks

UPPER_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_INNER = (95, 88, 178, 87, 14, 317, 402, 318, 324)
LOWER_OUTER = (146, 91, 181, 84, 17, 314, 405, 321, 375)
UPPER_OUTER_BAND = ((0, 13), (37, 82), (267, 312))
"""Pairs spanning the upper lip, whose outline MediaPipe keeps on an open mouth: the lip's own colour."""
CHIN = 152
OPEN_GAP = 0.25
"""A mouth whose inner lips are further apart than this share of the inter-ocular distance is refined."""
MAX_SHIFT = 0.5
"""The lower lip's outline moves by at most this share of the inter-ocular distance."""


def refine_open_lips(rgb: np.ndarray, landmarks: FaceLandmarks) -> FaceLandmarks:
    """The landmarks with an open mouth's lower lip moved onto the photo's lip; unchanged for a closed mouth."""
    p = landmarks.points
    iod = landmarks.inter_ocular_px
    gap = float(np.mean(p[[14, 87, 317], 1] - p[[13, 82, 312], 1]))
    if gap < OPEN_GAP * iod:
        return landmarks
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    redness = cv2.blur(lab[..., 1], (3, 3))
    h, w = redness.shape
    lip_px = np.concatenate([_segment(lab, p[a, :2], p[b, :2]) for a, b in UPPER_OUTER_BAND])
    skin_px = np.concatenate([_segment(lab, p[a, :2], p[b, :2]) for a, b in ((17, CHIN), (50, 205), (280, 425))])
    lip_a = float(np.median(lip_px[:, 1]))
    skin_a = float(np.median(skin_px[:, 1]))
    if lip_a - skin_a < 3.0:
        return landmarks  # lips the colour of the skin: nothing to follow
    red_enough = 0.5 * (lip_a + skin_a)
    inner_new, outer_new = [], []
    for i, o in zip(LOWER_INNER, LOWER_OUTER):
        x = int(round(np.clip(0.5 * (p[i, 0] + p[o, 0]), 0, w - 1)))
        top = int(np.clip(p[i, 1] - 0.1 * iod, 0, h - 1))
        bottom = int(np.clip(p[CHIN, 1], top + 1, h))
        # up from the chin: skin, then the lower lip's red, then the mouth's inside
        red = (redness[top:bottom, x] > red_enough)[::-1]
        found = None
        if red.any():
            start = int(np.argmax(red))
            length = int(np.argmin(red[start:])) if not red[start:].all() else len(red) - start
            found = (bottom - start - length, bottom - start)
        if found and found[1] - found[0] > 0.05 * iod and abs(found[1] - p[o, 1]) < MAX_SHIFT * iod:
            inner_new.append(max(found[0], p[i, 1]))
            outer_new.append(max(found[1], p[o, 1]))
        else:
            inner_new.append(p[i, 1])
            outer_new.append(p[o, 1])
    if np.allclose(outer_new, p[list(LOWER_OUTER), 1]) and np.allclose(inner_new, p[list(LOWER_INNER), 1]):
        return landmarks
    # a smooth outline: each column's edges as the median of it and its neighbours
    inner_new, outer_new = _smooth(np.array(inner_new)), _smooth(np.array(outer_new))
    return replace(landmarks, points=_remap(p, inner_new, outer_new))


def _segment(lab: np.ndarray, a: np.ndarray, b: np.ndarray, samples: int = 12) -> np.ndarray:
    """Lab pixels along the segment a → b (ends left out)."""
    h, w = lab.shape[:2]
    t = np.linspace(0.2, 0.8, samples)[:, None]
    xy = np.round(a + (b - a) * t).astype(int)
    return lab[np.clip(xy[:, 1], 0, h - 1), np.clip(xy[:, 0], 0, w - 1)]


def _sorted_xy(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(points[:, 0])
    return points[order, 0], points[order, 1]


def _smooth(values: np.ndarray) -> np.ndarray:
    padded = np.r_[values[0], values, values[-1]]
    return np.median(np.stack([padded[:-2], padded[1:-1], padded[2:]]), axis=0)


def _remap(points: np.ndarray, inner_new: np.ndarray, outer_new: np.ndarray) -> np.ndarray:
    """Every landmark between the old inner lower lip and the chin, moved down per column: the lip band
    [old inner, old outer] onto [new inner, new outer], the skin below it [old outer, chin] onto [new outer, chin]."""
    out = points.copy()
    xs = points[list(LOWER_INNER), 0]
    order = np.argsort(xs)
    old_in = points[list(LOWER_INNER), 1][order]
    old_out = points[list(LOWER_OUTER), 1][order]
    new_in, new_out = inner_new[order], outer_new[order]
    chin = points[CHIN, 1]
    x, y = points[:468, 0], points[:468, 1]
    inside = (x > xs.min()) & (x < xs.max())
    oi, oo = np.interp(x, xs[order], old_in), np.interp(x, xs[order], old_out)
    ni, no = np.interp(x, xs[order], new_in), np.interp(x, xs[order], new_out)
    band = inside & (y >= oi - 0.5) & (y <= oo)
    below = inside & (y > oo) & (y < chin)
    t = (y - oi) / np.maximum(oo - oi, 1e-6)
    out[:468, 1] = np.where(band, ni + t * (no - ni), out[:468, 1])
    s = (y - oo) / np.maximum(chin - oo, 1e-6)
    out[:468, 1] = np.where(below, no + s * (chin - no), out[:468, 1])
    for index, value in zip(LOWER_INNER, inner_new):
        out[index, 1] = value
    for index, value in zip(LOWER_OUTER, outer_new):
        out[index, 1] = value
    return out
