"""Bring the fitted face to the ARKit neutral: a photo taken mid-word or mid-laugh has an open mouth,
but JawOpen = 0 must mean closed lips, so the jaw region is rotated shut about the hinge first.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.head.skeleton import jaw_weights
from fantasy_talking.head.template import HeadMesh, Part

CLOSED_GAP_M = 0.0015
"""Lip gaps below this (at the middle of the mouth) count as closed."""
MAX_GAP_TO_CLOSE_M = 0.010
"""Wider openings (a shout, an "O") are left as they are: closing them folds the lips over themselves."""
MAX_CLOSE_RAD = 0.45


def lip_gap(mesh: HeadMesh) -> float:
    """Vertical gap between the inner lips at the middle of the mouth, in metres."""
    p = mesh.positions
    upper = p[[81, 82, 13, 312, 311]]
    lower = p[[178, 87, 14, 317, 402]]
    return float(np.mean(upper[:, 1] - lower[:, 1]))


def close_mouth(mesh: HeadMesh) -> float:
    """Rotate the jaw region of the skin until the lips meet; returns the angle applied (radians).

    The lower lip moves on an arc round the hinge, so a few corrective steps converge on the gap.
    Mouths open wider than MAX_GAP_TO_CLOSE_M are left open (the report says so).
    """
    if lip_gap(mesh) > MAX_GAP_TO_CLOSE_M:
        return 0.0
    hinge = mesh.anchors.jaw_hinge
    weight = jaw_weights(mesh) * np.isin(mesh.part, [Part.FACE, Part.CRANIUM])
    total = 0.0
    for _ in range(4):
        gap = lip_gap(mesh)
        if gap <= CLOSED_GAP_M or total >= MAX_CLOSE_RAD:
            break
        lip = mesh.positions[14]
        lever = max(abs(float(lip[2] - hinge[2])), 1e-3)
        angle = min((gap - 0.5 * CLOSED_GAP_M) / lever, MAX_CLOSE_RAD - total)
        c, s = np.cos(-angle), np.sin(-angle)
        rotation = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
        moved = (mesh.positions - hinge) @ rotation.T + hinge
        mesh.positions = mesh.positions + (moved - mesh.positions) * weight[:, None]
        total += angle
    return total
