"""The ARKit neutral: JawOpen = 0 means closed lips, whatever the photo showed.

The base head's lips are sealed when the assets are built, and the fit pulls the photo's inner-lip
landmarks together (template.py), so an open mouth in the photo only shows up as a warning.
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
