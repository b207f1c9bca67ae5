"""Articulators → ARKit curves: one linear map, so every curve's origin can be read off a table.

MouthClose is special in ARKit: it closes the lips *against* JawOpen, so lips meet when
MouthClose equals JawOpen. We therefore write it as `close × open` after the linear map.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.articulation.articulators import A, N_ARTICULATORS
from fantasy_talking.animation.rig import ALL_CURVES, CURVE_INDEX, VISEME_CURVES

# (articulator, curve, gain). Left/right pairs are listed once with "{side}".
_MAP: list[tuple[str, str, float]] = [
    ("open", "JawOpen", 1.0),
    ("open", "MouthLowerDown{side}", 0.25),
    ("close", "MouthPress{side}", 0.45),
    ("close", "MouthShrugLower", 0.15),
    ("round", "MouthPucker", 0.9),
    ("funnel", "MouthFunnel", 0.8),
    ("spread", "MouthStretch{side}", 0.35),
    ("spread", "MouthSmile{side}", 0.12),
    ("spread", "MouthDimple{side}", 0.1),
    ("tuck", "MouthRollLower", 0.65),
    ("tuck", "MouthUpperUp{side}", 0.2),
    ("tuck", "MouthShrugUpper", 0.15),
    ("teeth", "MouthUpperUp{side}", 0.25),
    ("teeth", "MouthLowerDown{side}", 0.3),
    ("tongue_tip", "TongueTipUp", 1.0),
    ("tongue_back", "TongueBackUp", 1.0),
    ("tongue_out", "TongueBetweenTeeth", 1.0),
    ("tongue_out", "TongueOut", 0.25),
    ("open", "TongueWide", 0.2),
]


def _build_matrix() -> np.ndarray:
    matrix = np.zeros((N_ARTICULATORS, len(ALL_CURVES)), np.float32)
    for articulator, curve, gain in _MAP:
        names = [curve.format(side=s) for s in ("Left", "Right")] if "{side}" in curve else [curve]
        for name in names:
            matrix[A[articulator], CURVE_INDEX[name]] += gain
    return matrix


ARTICULATOR_TO_CURVES = _build_matrix()
_JAW, _CLOSE = CURVE_INDEX["JawOpen"], CURVE_INDEX["MouthClose"]
_VISEME_SLICE = slice(CURVE_INDEX[VISEME_CURVES[0]], CURVE_INDEX[VISEME_CURVES[-1]] + 1)


def mouth_curves(articulators: np.ndarray, viseme_weights: np.ndarray) -> np.ndarray:
    """(T, N_ARTICULATORS) articulators and (T, 15) viseme weights → (T, len(ALL_CURVES)) curves."""
    curves = articulators @ ARTICULATOR_TO_CURVES
    curves[:, _CLOSE] = articulators[:, A["close"]] * curves[:, _JAW]
    curves[:, _VISEME_SLICE] = viseme_weights
    return np.clip(curves, 0.0, 1.0)
