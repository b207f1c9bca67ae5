"""The 52 ARKit blendshapes (and 15 visemes) of the fitted head.

The ARKit targets are Mika Suominen's "Face Units 01" (CC0) for the hm08 base head, carried through the
same fit as the mesh (template.py), so the jaw opens round the real hinge, teeth and tongue follow it,
lids slide over the eyeballs and a smile lifts the cheeks. Visemes are fixed mixes of ARKit targets.
Names are exactly `rig.ARKIT_52` (Live Link order) and `rig.VISEME_CURVES`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fantasy_talking.animation.rig import ARKIT_52, VISEME_CURVES
from fantasy_talking.head.base_mesh import load_base_head
from fantasy_talking.head.template import HeadMesh

VISEME_MIX: dict[str, dict[str, float]] = {
    "sil": {},
    "PP": {"MouthPressLeft": 0.6, "MouthPressRight": 0.6, "MouthRollLower": 0.3, "MouthRollUpper": 0.2},
    "FF": {"MouthRollLower": 0.6, "MouthUpperUpLeft": 0.3, "MouthUpperUpRight": 0.3, "JawOpen": 0.08},
    "TH": {"JawOpen": 0.18, "TongueOut": 0.3},
    "DD": {"JawOpen": 0.22, "MouthStretchLeft": 0.2, "MouthStretchRight": 0.2},
    "kk": {"JawOpen": 0.28, "MouthStretchLeft": 0.15, "MouthStretchRight": 0.15},
    "CH": {"MouthFunnel": 0.5, "MouthPucker": 0.2, "JawOpen": 0.15},
    "SS": {"JawOpen": 0.08, "MouthStretchLeft": 0.35, "MouthStretchRight": 0.35, "MouthSmileLeft": 0.15,
           "MouthSmileRight": 0.15},
    "nn": {"JawOpen": 0.16, "MouthShrugUpper": 0.2},
    "RR": {"MouthPucker": 0.4, "MouthFunnel": 0.3, "JawOpen": 0.15},
    "aa": {"JawOpen": 0.6, "MouthLowerDownLeft": 0.2, "MouthLowerDownRight": 0.2},
    "E": {"JawOpen": 0.35, "MouthStretchLeft": 0.3, "MouthStretchRight": 0.3, "MouthSmileLeft": 0.2,
          "MouthSmileRight": 0.2},
    "I": {"JawOpen": 0.2, "MouthSmileLeft": 0.4, "MouthSmileRight": 0.4, "MouthStretchLeft": 0.3,
          "MouthStretchRight": 0.3},
    "O": {"JawOpen": 0.4, "MouthFunnel": 0.6},
    "U": {"MouthPucker": 0.8, "JawOpen": 0.15},
}


@dataclass(frozen=True)
class MorphTargets:
    """Target names and their (N, V, 3) position deltas in head-frame metres."""

    names: tuple[str, ...]
    deltas: np.ndarray

    def delta(self, name: str) -> np.ndarray:
        return self.deltas[self.names.index(name)]


def build_morphs(mesh: HeadMesh) -> MorphTargets:
    """Every ARKit-52 target, then the 15 visemes, as position deltas."""
    source = [name[0].upper() + name[1:] for name in load_base_head().morph_names]
    if tuple(source) != ARKIT_52:
        raise AssertionError(f"the shipped ARKit targets are not in Live Link order: {source}")
    arkit = mesh.base_deltas
    index = {name: k for k, name in enumerate(ARKIT_52)}
    visemes = np.zeros((len(VISEME_CURVES),) + arkit.shape[1:], dtype=np.float32)
    for v, name in enumerate(VISEME_CURVES):
        for target, weight in VISEME_MIX[name.removeprefix("viseme_")].items():
            visemes[v] += weight * arkit[index[target]]
    return MorphTargets(names=ARKIT_52 + VISEME_CURVES, deltas=np.concatenate([arkit, visemes]).astype(np.float32))
