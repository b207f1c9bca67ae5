"""The 52 ARKit blendshapes (and 15 visemes) as real deformations of the fitted head.

Each target is a displacement field built from a few physical moves: the jaw rotating about
its hinge, lids sliding over the eyeballs, eyeballs turning, and soft regions of skin (mouth
corners, lips, brows, cheeks, nose wings) moving the way ARKit describes the shape. Visemes are
fixed mixes of ARKit targets. Names are exactly `rig.ARKIT_52` and `rig.VISEME_CURVES`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.path import Path as Polygon

from fantasy_talking.animation.bones import JAW_MAX_RAD
from fantasy_talking.animation.rig import ARKIT_52, VISEME_CURVES
from fantasy_talking.head import topology as topo
from fantasy_talking.head.skeleton import jaw_weights
from fantasy_talking.head.template import EYEBALL_RADIUS, HeadMesh, Part

EYE_TURN_RAD = {"Up": -0.30, "Down": 0.35, "In": 0.38, "Out": 0.38}
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


def _rotation(axis: str, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


class _Sculptor:
    """Displacement primitives over the mesh; face-outline copies on the cranium follow their landmark."""

    def __init__(self, mesh: HeadMesh):
        self.mesh = mesh
        self.p = mesh.positions
        self.face = self.p[: topo.N_FACE]
        self.skin = np.isin(mesh.part, [Part.FACE, Part.CRANIUM])
        self.jaw = jaw_weights(mesh)
        self.left = 1.0 / (1.0 + np.exp(-self.p[:, 0] / 0.006))
        lips = Polygon(np.concatenate([self.face[list(topo.UPPER_LIP_OUTER), :2],
                                       self.face[list(topo.LOWER_LIP_OUTER)[::-1], :2]]))
        inside = lips.contains_points(self.p[:, :2], radius=0.002) & (mesh.part == Part.FACE)
        on_rim = np.isin(mesh.landmark, topo.UPPER_LIP_OUTER + topo.LOWER_LIP_OUTER) & (mesh.part == Part.FACE)
        self.lips = (inside | on_rim).astype(float)
        self.upper_lip = self.lips * (self.jaw < 0.5)
        self.lower_lip = self.lips * (self.jaw >= 0.5)

    def blob(self, centre: np.ndarray, radius: float) -> np.ndarray:
        d2 = ((self.p - centre) ** 2).sum(axis=1)
        return np.exp(-d2 / (2 * radius ** 2)) * self.skin

    def at(self, landmark: int) -> np.ndarray:
        return self.face[landmark]

    def rotate(self, selection: np.ndarray, pivot: np.ndarray, rotation: np.ndarray) -> np.ndarray:
        moved = (self.p - pivot) @ rotation.T + pivot
        return (moved - self.p) * selection[:, None]

    def side(self, sign: float) -> np.ndarray:
        return self.left if sign > 0 else 1.0 - self.left


def _eyelids(s: _Sculptor, upper_ids, lower_ids, centre) -> tuple[np.ndarray, np.ndarray]:
    """(upper-lid closing delta, lower-lid lift delta) for one eye.

    Upper lid vertices slide down (and lower lid vertices up) to a closing line 80% of the way down the eye, and are held
    just outside the eyeball sphere (both lids), so the closed lid covers the eye instead of cutting through it.
    """
    face = s.face
    upper, lower = face[list(upper_ids)], face[list(lower_ids)]
    ou, ol = np.argsort(upper[:, 0]), np.argsort(lower[:, 0])
    x = s.p[:, 0]
    up_y = np.interp(x, upper[ou, 0], upper[ou, 1])
    low_y = np.interp(x, lower[ol, 0], lower[ol, 1])
    close_y = low_y + 0.2 * (up_y - low_y)
    half = 0.5 * (upper[:, 0].max() - upper[:, 0].min())
    inside_x = np.clip((half * 1.4 - np.abs(x - centre[0])) / (half * 0.3), 0.0, 1.0)
    near = (s.mesh.part == Part.FACE) & (np.abs(s.p[:, 2] - centre[2]) < 0.03)
    above = np.clip(1.0 - (s.p[:, 1] - up_y) / 0.011, 0.0, 1.0) ** 1.5 * (s.p[:, 1] >= up_y - 1e-4)
    below = np.clip(1.0 - (low_y - s.p[:, 1]) / 0.008, 0.0, 1.0) ** 1.5 * (s.p[:, 1] <= low_y + 1e-4)
    w_up, w_low = above * inside_x * near, below * inside_x * near
    close = np.zeros_like(s.p)
    close[:, 1] = (close_y - up_y) * w_up
    lift = np.zeros_like(s.p)
    lift[:, 1] = (close_y - low_y) * w_low
    for delta, weight in ((close, w_up), (lift, w_low)):
        target = s.p + delta
        dx, dy = target[:, 0] - centre[0], target[:, 1] - centre[1]
        cover = centre[2] + np.sqrt(np.clip((EYEBALL_RADIUS + 0.0015) ** 2 - dx ** 2 - dy ** 2, 0, None))
        delta[:, 2] = np.where(weight > 0, np.maximum(cover - target[:, 2], 0.0) * np.sqrt(weight), 0.0)
    return close, lift


def build_morphs(mesh: HeadMesh) -> MorphTargets:
    """Every ARKit-52 target, then the 15 visemes, as position deltas."""
    s = _Sculptor(mesh)
    a = mesh.anchors
    t: dict[str, np.ndarray] = {}
    z = np.zeros_like(s.p)

    t["JawOpen"] = s.rotate(s.jaw, a.jaw_hinge, _rotation("x", JAW_MAX_RAD))
    t["JawForward"] = s.jaw[:, None] * [0, 0, 0.006]
    t["JawLeft"] = s.jaw[:, None] * [0.006, 0, 0]
    t["JawRight"] = s.jaw[:, None] * [-0.006, 0, 0]
    t["MouthClose"] = -t["JawOpen"] * s.lips[:, None]

    for side, sign, eye_part, centre, upper_ids, lower_ids, corner, brow, inner_brow, outer_brow, wing, cheek in (
            ("Left", 1.0, Part.EYE_LEFT, a.eye_left, topo.LEFT_EYE_UPPER, topo.LEFT_EYE_LOWER, topo.MOUTH_LEFT,
             topo.LEFT_BROW, topo.INNER_BROW_LEFT, topo.OUTER_BROW_LEFT, topo.NOSE_WING_LEFT, topo.CHEEK_LEFT),
            ("Right", -1.0, Part.EYE_RIGHT, a.eye_right, topo.RIGHT_EYE_UPPER, topo.RIGHT_EYE_LOWER, topo.MOUTH_RIGHT,
             topo.RIGHT_BROW, topo.INNER_BROW_RIGHT, topo.OUTER_BROW_RIGHT, topo.NOSE_WING_RIGHT, topo.CHEEK_RIGHT)):
        close, lift = _eyelids(s, upper_ids, lower_ids, centre)
        t[f"EyeBlink{side}"] = close + lift
        eyeball = (mesh.part == eye_part).astype(float)
        raise_lid = -close * [0.0, 1.0, 0.0]
        t[f"EyeLookUp{side}"] = s.rotate(eyeball, centre, _rotation("x", EYE_TURN_RAD["Up"])) + 0.25 * raise_lid
        t[f"EyeLookDown{side}"] = s.rotate(eyeball, centre, _rotation("x", EYE_TURN_RAD["Down"])) + 0.35 * close
        t[f"EyeLookIn{side}"] = s.rotate(eyeball, centre, _rotation("y", -sign * EYE_TURN_RAD["In"]))
        t[f"EyeLookOut{side}"] = s.rotate(eyeball, centre, _rotation("y", sign * EYE_TURN_RAD["Out"]))
        under_eye = centre + [0, -0.016, 0.004]
        t[f"EyeSquint{side}"] = 0.6 * lift + s.blob(under_eye, 0.008)[:, None] * [0, 0.0025, 0.0005]
        t[f"EyeWide{side}"] = 0.3 * raise_lid

        c = s.at(corner)
        corner_blob = s.blob(c, 0.011)[:, None]
        out = np.array([sign, 0, 0])
        t[f"MouthSmile{side}"] = corner_blob * ([0, 0.0055, -0.003] + 0.0035 * out) \
            + s.blob(s.at(cheek), 0.014)[:, None] * [0, 0.003, 0.0015]
        t[f"MouthFrown{side}"] = corner_blob * [0, -0.005, -0.001]
        t[f"MouthDimple{side}"] = corner_blob * ([0, 0, -0.004] + 0.002 * out)
        t[f"MouthStretch{side}"] = s.blob(c, 0.014)[:, None] * ([0, -0.002, -0.0015] + 0.005 * out)
        half = s.side(sign)[:, None]
        t[f"MouthPress{side}"] = half * (s.upper_lip[:, None] * [0, -0.0012, -0.0005]
                                         + s.lower_lip[:, None] * [0, 0.0015, -0.0005])
        t[f"MouthLowerDown{side}"] = half * s.lower_lip[:, None] * [0, -0.0045, 0.0008]
        t[f"MouthUpperUp{side}"] = half * s.upper_lip[:, None] * [0, 0.004, 0.0008]
        brow_centre = s.face[list(brow)].mean(axis=0)
        t[f"BrowDown{side}"] = s.blob(brow_centre, 0.014)[:, None] * ([0, -0.004, 0.0005] - 0.0015 * out)
        t[f"BrowOuterUp{side}"] = s.blob(s.at(outer_brow), 0.012)[:, None] * [0, 0.005, 0]
        t[f"CheekSquint{side}"] = s.blob(under_eye - [0, 0.006, 0] + 0.006 * out, 0.010)[:, None] * [0, 0.003, 0.001]
        t[f"NoseSneer{side}"] = s.blob(s.at(wing) + [0, 0.006, 0], 0.008)[:, None] * [0, 0.003, 0.001] \
            + s.blob(s.at(inner_brow), 0.008)[:, None] * [0, -0.0015, 0]

    t["BrowInnerUp"] = (s.blob(s.at(topo.INNER_BROW_LEFT), 0.011) + s.blob(s.at(topo.INNER_BROW_RIGHT), 0.011)
                        )[:, None] * [0, 0.005, 0]
    mouth_blob = s.blob(a.mouth, 0.018)[:, None]
    t["MouthLeft"] = mouth_blob * [0.007, 0, 0]
    t["MouthRight"] = mouth_blob * [-0.007, 0, 0]
    towards_centre = np.stack([-(s.p[:, 0] - a.mouth[0]), np.zeros(len(s.p)), np.zeros(len(s.p))], 1)
    lip_blob = s.blob(a.mouth, 0.016)[:, None]
    t["MouthPucker"] = lip_blob * (0.35 * towards_centre + [0, 0, 0.008])
    t["MouthFunnel"] = lip_blob * (0.2 * towards_centre + [0, 0, 0.006]) \
        + s.upper_lip[:, None] * [0, 0.002, 0] + s.lower_lip[:, None] * [0, -0.003, 0]
    t["MouthRollLower"] = s.lower_lip[:, None] * [0, 0.0015, -0.004]
    t["MouthRollUpper"] = s.upper_lip[:, None] * [0, -0.0015, -0.004]
    chin = s.face[[17, 18, 200]].mean(axis=0)
    t["MouthShrugLower"] = (s.lower_lip + s.blob(chin, 0.012))[:, None] * [0, 0.003, 0.001]
    t["MouthShrugUpper"] = s.upper_lip[:, None] * [0, 0.0025, 0.001]
    normals = mesh.normals()
    puff = (s.blob(s.at(topo.CHEEK_LEFT) + [0.004, -0.006, 0], 0.016)
            + s.blob(s.at(topo.CHEEK_RIGHT) + [-0.004, -0.006, 0], 0.016))
    t["CheekPuff"] = puff[:, None] * normals * 0.007
    tongue = (mesh.part == Part.TONGUE).astype(float)
    t["TongueOut"] = tongue[:, None] * [0, -0.003, 0.026]

    missing = set(ARKIT_52) - set(t)
    if missing:
        raise AssertionError(f"morph targets not built: {sorted(missing)}")
    arkit = np.stack([t[name] for name in ARKIT_52])
    visemes = np.stack([sum((w * t[k] for k, w in VISEME_MIX[v.removeprefix("viseme_")].items()), z)
                        for v in VISEME_CURVES])
    return MorphTargets(names=ARKIT_52 + VISEME_CURVES, deltas=np.concatenate([arkit, visemes]).astype(np.float32))
