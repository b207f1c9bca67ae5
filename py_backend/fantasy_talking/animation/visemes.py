"""Viseme → articulator targets, and how strongly each viseme claims the lips and jaw.

Targets are the mouth a viseme aims for when spoken alone. Dominance says how hard it
fights its neighbours: a bilabial must close the lips whatever surrounds it, while a /k/
lets the lips and jaw follow the next vowel. coarticulation.py blends with these numbers.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.articulation.articulators import ARTICULATORS, N_ARTICULATORS
from fantasy_talking.animation.rig import VISEMES

# open, close, round, funnel, spread, tuck, teeth, tongue_tip, tongue_back, tongue_out
_TARGETS: dict[str, tuple[float, ...]] = {
    "sil": (0.03, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    "PP":  (0.10, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    "FF":  (0.12, 0.0, 0.0, 0.0, 0.1, 1.0, 0.3, 0.0, 0.0, 0.0),
    "TH":  (0.18, 0.0, 0.0, 0.0, 0.1, 0.0, 0.2, 0.3, 0.0, 1.0),
    "DD":  (0.20, 0.0, 0.0, 0.0, 0.15, 0.0, 0.3, 1.0, 0.0, 0.0),
    "kk":  (0.25, 0.0, 0.0, 0.0, 0.1, 0.0, 0.2, 0.0, 1.0, 0.0),
    "CH":  (0.14, 0.0, 0.5, 0.6, 0.0, 0.0, 0.6, 0.5, 0.0, 0.0),
    "SS":  (0.08, 0.0, 0.0, 0.0, 0.35, 0.0, 0.6, 0.6, 0.0, 0.0),
    "nn":  (0.18, 0.0, 0.0, 0.0, 0.1, 0.0, 0.2, 1.0, 0.0, 0.0),
    "RR":  (0.25, 0.0, 0.45, 0.45, 0.0, 0.0, 0.1, 0.3, 0.3, 0.0),
    "aa":  (0.75, 0.0, 0.0, 0.0, 0.15, 0.0, 0.2, 0.0, 0.0, 0.0),
    "E":   (0.45, 0.0, 0.0, 0.0, 0.45, 0.0, 0.3, 0.0, 0.0, 0.0),
    "I":   (0.25, 0.0, 0.0, 0.0, 0.65, 0.0, 0.3, 0.0, 0.0, 0.0),
    "O":   (0.50, 0.0, 0.55, 0.8, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    "U":   (0.22, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.3, 0.0),
}

# (jaw dominance, lip dominance): vowels own the jaw, lip-shaping consonants own the lips.
_DOMINANCE: dict[str, tuple[float, float]] = {
    "sil": (0.6, 0.6), "PP": (1.0, 5.0), "FF": (0.8, 4.0), "TH": (0.8, 2.0), "DD": (0.5, 0.4),
    "kk": (0.4, 0.3), "CH": (0.8, 4.0), "SS": (1.2, 2.0), "nn": (0.5, 0.4), "RR": (0.6, 1.5),
    "aa": (1.5, 1.0), "E": (1.2, 1.0), "I": (1.2, 1.2), "O": (1.5, 2.0), "U": (1.2, 2.5),
}

TARGETS = np.array([_TARGETS[v] for v in VISEMES], dtype=np.float32)
"""(15, N_ARTICULATORS) targets, rows in rig.VISEMES order."""

_JAW_COLUMNS = np.array([name == "open" for name in ARTICULATORS])
DOMINANCE = np.array(
    [[_DOMINANCE[v][0] if jaw else _DOMINANCE[v][1] for jaw in _JAW_COLUMNS] for v in VISEMES],
    dtype=np.float32,
)
"""(15, N_ARTICULATORS) dominance of each viseme over each articulator."""

assert TARGETS.shape == (len(VISEMES), N_ARTICULATORS)
