"""The head mesh: the base head (hm08, base_mesh.py) bent onto the photo's face (deform.py).

One vertex array holds every part; per-vertex part labels say which is which, and each part has its
own material. The skin is one closed surface from the crown to a capped neck, with real ears, eye
sockets and a mouth bag; eyeballs, teeth, tongue, eyelashes and hair are separate shells.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from fantasy_talking.head.base_mesh import HAIR_STYLES, load_base_head
from fantasy_talking.head.deform import Warp, fit_warp
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.fit import FaceFit
from fantasy_talking.head.hair import hair_part, keep_clear_of_skin, skin_anchors
from fantasy_talking.head.neutral import MAX_GAP_TO_CLOSE_M, SEAL_REACH_M, lip_gap, seal_lips

UPPER_LIP_INNER = (191, 80, 81, 82, 13, 312, 311, 310, 415)
LOWER_LIP_INNER = (95, 88, 178, 87, 14, 317, 402, 318, 324)
"""Inner-lip landmarks, paired top to bottom (MediaPipe indices)."""


class Part(IntEnum):
    SKIN = 0
    EYE_LEFT = 1
    EYE_RIGHT = 2
    TEETH = 3
    TONGUE = 4
    LASHES = 5
    HAIR = 6


MATERIALS: dict[str, tuple[Part, ...]] = {
    "skin": (Part.SKIN,),
    "eyes": (Part.EYE_LEFT, Part.EYE_RIGHT),
    "mouth": (Part.TEETH, Part.TONGUE),
    "lashes": (Part.LASHES,),
    "hair": (Part.HAIR,),
}
"""Material name → the parts drawn with it (one glTF primitive each)."""


@dataclass(frozen=True)
class Anchors:
    """Joint positions of the fitted head (head-frame metres)."""

    eye_left: np.ndarray
    eye_right: np.ndarray
    jaw_hinge: np.ndarray
    head_joint: np.ndarray
    neck_joint: np.ndarray
    root_joint: np.ndarray


@dataclass
class HeadMesh:
    """Every part in one triangle mesh.

    `weld` gives vertices that are one point of the surface split along a UV seam the same id (-1 for none),
    so normals stay smooth across seams. `base_deltas` are the 52 ARKit deltas in Live Link order for these
    vertices, already carried into the fitted head's frame. `landmarks` are the 468 MediaPipe points on it.
    """

    positions: np.ndarray
    triangles: np.ndarray
    part: np.ndarray
    uv: np.ndarray
    weld: np.ndarray
    base_deltas: np.ndarray
    anchors: Anchors
    landmarks: np.ndarray
    photo_positions: np.ndarray
    photo_expression: dict[str, float]
    landmark_triangles: np.ndarray
    landmark_bary: np.ndarray
    hair_style: str | None

    def at_landmarks(self, values: np.ndarray) -> np.ndarray:
        """Per-vertex values (positions, morph deltas) read at the 468 landmark points, (468, ...)."""
        return np.einsum("lk,lk...->l...", self.landmark_bary, values[self.landmark_triangles])

    @property
    def n_vertices(self) -> int:
        return int(self.positions.shape[0])

    def triangles_of(self, material: str) -> np.ndarray:
        keep = np.isin(self.part[self.triangles[:, 0]], MATERIALS[material])
        return self.triangles[keep]

    def normals(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Area-weighted vertex normals, shared by the copies of a vertex along a UV seam."""
        p = self.positions if positions is None else positions
        a, b, c = (p[self.triangles[:, k]] for k in range(3))
        face_n = np.cross(b - a, c - a)
        n = np.zeros_like(p)
        for k in range(3):
            np.add.at(n, self.triangles[:, k], face_n)
        seam = self.weld >= 0
        shared = np.zeros((int(self.weld.max()) + 1, 3))
        np.add.at(shared, self.weld[seam], n[seam])
        n[seam] = shared[self.weld[seam]]
        return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


EXPRESSION_TARGETS = ("jawOpen", "mouthFunnel", "mouthPucker", "mouthSmileLeft", "mouthSmileRight",
                      "mouthStretchLeft", "mouthStretchRight", "mouthLowerDownLeft", "mouthLowerDownRight",
                      "mouthUpperUpLeft", "mouthUpperUpRight", "mouthRollLower", "mouthRollUpper")
"""The mouth's ARKit targets whose mix is read off the photo, so the neutral head does not keep the photo's
smile or open mouth."""
EXPRESSION_RIDGE = 2e-5
"""Ridge on the expression weights (in squared metres per landmark set): a face's own shape stays identity."""


STILL_M = 0.002
"""Landmarks that no expression target moves by more than this frame the face for the expression fit."""


def _photo_expression(base_marks: np.ndarray, deltas_at_marks: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Weights (0..1) of EXPRESSION_TARGETS that best explain the photo's lower face beyond the base head's.

    The base is first aligned to the photo by the axis-scaled similarity; the weights are then a ridge
    least-squares fit of the remaining lower-face offsets, clamped to 0..1 and refitted without the clamped ones.
    """
    from fantasy_talking.head.deform import _axis_similarity

    lower = base_marks[:, 1] < base_marks[1, 1]  # below the nose tip
    # the frame comes from the landmarks the mouth's expressions leave (nearly) alone: fitted to all of them,
    # an open jaw would be taken for a long face and never read as jawOpen
    still = np.linalg.norm(deltas_at_marks, axis=2).max(axis=0) < STILL_M
    scale, rotation, translation = _axis_similarity(base_marks[still], photo[still])
    residual = (photo - ((base_marks * scale) @ rotation.T + translation))[lower]
    residual[:, 2] *= 0.5
    design = (deltas_at_marks * scale) @ rotation.T
    design = design[:, lower]
    design[..., 2] *= 0.5
    a = design.reshape(len(design), -1).T
    b = residual.reshape(-1)
    active = np.ones(len(design), bool)
    weights = np.zeros(len(design))
    for _ in range(4):
        sub = a[:, active]
        solved = np.linalg.solve(sub.T @ sub + EXPRESSION_RIDGE * np.eye(sub.shape[1]), sub.T @ b)
        weights[:] = 0.0
        weights[active] = solved
        if (weights >= 0).all():
            break
        active &= weights > 0
    return np.clip(weights, 0.0, 1.0)


RIGHT_EYE_RIM = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE_RIM = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)


def _eyeball(positions: np.ndarray, warp: Warp, rim: np.ndarray) -> np.ndarray:
    """An eyeball moves as a whole (kept round): it follows the mean warp of its lid rim (`rim`, base-head
    points), so the lids keep resting on it, and takes the warp's mean scale."""
    centre = positions.mean(axis=0)
    shift = (warp(rim) - warp.similarity(rim)).mean(axis=0)
    return warp.similarity(centre[None])[0] + shift + ((positions - centre) * warp.mean_scale) @ warp.rotation.T


def _sealed(skin_positions: np.ndarray, base) -> np.ndarray:
    """The fitted skin with its neutral lips pressed shut (neutral.seal_lips) round the mouth."""
    skin = base.parts["skin"]
    marks = base.landmarks_on(skin_positions)
    jaw = np.linalg.norm(skin.deltas[base.morph_names.index("jawOpen")], axis=1)
    chin = np.linalg.norm(base.landmarks_on(skin.deltas[base.morph_names.index("jawOpen")].astype(np.float64))[152])
    corners = marks[[61, 291]]
    p = skin_positions
    lips = ((p[:, 0] > corners[:, 0].min() - SEAL_REACH_M) & (p[:, 0] < corners[:, 0].max() + SEAL_REACH_M)
            & (p[:, 1] < marks[0, 1] + SEAL_REACH_M) & (p[:, 1] > marks[17, 1] - SEAL_REACH_M)
            & (p[:, 2] > corners[:, 2].min() - 3 * SEAL_REACH_M))
    return seal_lips(p, skin.triangles, jaw / max(chin, 1e-9), lips, base.skin_region == 0, corners)


def build_head(fit: FaceFit, eyes: bool = True, mouth: bool = True, hair_style: str | None = None) -> HeadMesh:
    """The base head fitted to `fit`, with eyes and lashes, teeth and tongue, and a hair style, as asked."""
    if hair_style is not None and hair_style not in HAIR_STYLES:
        raise HeadError(f"unknown hair style {hair_style!r}; choose from {', '.join(HAIR_STYLES)} or none")
    base = load_base_head()
    skin = base.parts["skin"]
    base_marks = base.landmarks_on(skin.positions)
    photo = fit.vertices[:468]
    # the photo's expression (a smile, an open mouth): fit the base head wearing it, then take it off
    targets = [base.morph_names.index(name) for name in EXPRESSION_TARGETS]
    deltas_at_marks = np.stack([base.landmarks_on(skin.deltas[k].astype(np.float64)) for k in targets])
    expression = _photo_expression(base_marks, deltas_at_marks, photo)
    expressed = base_marks + np.einsum("k,kvc->vc", expression, deltas_at_marks)
    if lip_gap(photo) > MAX_GAP_TO_CLOSE_M:
        # a wide-open mouth is stretched and rolled beyond what the targets explain, and taking a wrong mix off
        # leaves swollen lips and a short chin: the neutral is bent by the landmarks no mouth target moves (eyes,
        # brows, nose, cheeks), and takes its mouth and chin from the base head
        still = np.linalg.norm(deltas_at_marks, axis=2).max(axis=0) < STILL_M
        warp = fit_warp(base_marks[still], photo[still])
    else:
        warp = fit_warp(expressed, photo, tied=tuple(zip(UPPER_LIP_INNER, LOWER_LIP_INNER)))
    # the head as photographed, for the texture: every landmark on its photo point, the inner lips untied, so
    # an open mouth's lips (which the expression targets only approximate) lie on the photo's lips
    photo_warp = fit_warp(expressed, photo)
    eye_positions = base.parts["eyes"].positions
    left_eye = eye_positions[:, 0] > 0
    rims = {True: base_marks[list(LEFT_EYE_RIM)], False: base_marks[list(RIGHT_EYE_RIM)]}

    pieces: list[tuple[Part, str]] = [(Part.SKIN, "skin")]
    if eyes:
        pieces += [(Part.EYE_LEFT, "eyes"), (Part.LASHES, "lashes")]
    if mouth:
        pieces += [(Part.TEETH, "teeth"), (Part.TONGUE, "tongue")]
    if hair_style:
        pieces.append((Part.HAIR, f"hair_{hair_style}"))

    positions, triangles, part, uv, weld, deltas = [], [], [], [], [], []
    count = 0
    for label, name in pieces:
        source = hair_part(hair_style) if label == Part.HAIR else base.parts[name]
        labels = np.full(len(source.positions), int(label), dtype=np.int8)
        if name == "eyes":
            labels[~left_eye] = int(Part.EYE_RIGHT)
            placed = source.positions.copy()
            for is_left in (True, False):
                side = left_eye if is_left else ~left_eye
                placed[side] = _eyeball(source.positions[side], warp, rims[is_left])
        else:
            placed = warp(source.positions)
        if name == "skin":
            worn = np.einsum("k,kvc->vc", expression, source.deltas[targets].astype(np.float64))
            photo_positions = photo_warp(source.positions + worn)
            placed = _sealed(placed, base)
        positions.append(placed)
        triangles.append(source.triangles + count)
        part.append(labels)
        uv.append(source.uv)
        weld.append(base.skin_source if name == "skin" else np.full(len(placed), -1))
        deltas.append(warp.linear(source.deltas))
        count += len(placed)

    positions = np.concatenate(positions)
    skin_positions = positions[: len(skin.positions)]
    j = base.joints
    anchors = Anchors(eye_left=_eyeball(eye_positions[left_eye], warp, rims[True]).mean(axis=0),
                      eye_right=_eyeball(eye_positions[~left_eye], warp, rims[False]).mean(axis=0),
                      jaw_hinge=warp(j["jaw"][None])[0], head_joint=warp(j["head"][None])[0],
                      neck_joint=warp(j["neck"][None])[0], root_joint=warp(j["root"][None])[0])
    head = HeadMesh(positions=positions, triangles=np.concatenate(triangles), part=np.concatenate(part),
                    uv=np.concatenate(uv).astype(np.float64), weld=np.concatenate(weld).astype(np.int64),
                    base_deltas=np.concatenate(deltas, axis=1).astype(np.float32), anchors=anchors,
                    landmarks=base.landmarks_on(skin_positions), photo_positions=photo_positions,
                    photo_expression=dict(zip(EXPRESSION_TARGETS, expression.round(3).tolist())),
                    landmark_triangles=skin.triangles[base.landmark_triangle], landmark_bary=base.landmark_bary,
                    hair_style=hair_style)
    if hair_style:
        hair, skin_part = head.part == Part.HAIR, head.part == Part.SKIN
        head.positions[hair] = keep_clear_of_skin(head.positions[hair], hair_part(hair_style).positions,
                                                  head.positions[skin_part], head.normals()[skin_part],
                                                  skin.positions, anchors=skin_anchors(hair_style))
    return head
