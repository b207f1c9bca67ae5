"""The face skeleton (root → neck → head → jaw, eye_L, eye_R) and its skin weights.

Joints carry no rest rotation, so a rotation from the animation service (common.proto Quaternion,
parent space, +X left, +Y up, +Z forward) is the joint's local rotation as it is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.path import Path as Polygon

from fantasy_talking.head import topology as topo
from fantasy_talking.head.template import HeadMesh, Part

JOINT_NAMES = ("root", "neck", "head", "jaw", "eye_L", "eye_R")
PARENTS = (-1, 0, 1, 2, 2, 2)
ROOT, NECK, HEAD, JAW, EYE_L, EYE_R = range(6)


@dataclass(frozen=True)
class Skeleton:
    """Joint world positions at rest (head-frame metres) and per-vertex skin (4 influences)."""

    names: tuple[str, ...]
    parents: tuple[int, ...]
    positions: np.ndarray
    skin_joints: np.ndarray
    skin_weights: np.ndarray

    def local_offsets(self) -> np.ndarray:
        """Each joint's translation from its parent (the root's is its world position)."""
        return np.array([p - (self.positions[q] if q >= 0 else 0.0) for p, q in zip(self.positions, self.parents)])


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def jaw_weights(mesh: HeadMesh) -> np.ndarray:
    """How much each vertex follows the jaw: the lower lip, chin and jaw line 1, the upper face 0.

    The boundary runs along the mouth's inner line, then climbs to the jaw hinge. In the middle of
    the mouth the lips split cleanly along their inner rims; towards the corners both lips blend to
    0.5, so the corners stretch smoothly instead of tearing.
    """
    p = mesh.positions
    face = p[: topo.N_FACE]
    anchors = mesh.anchors
    upper, lower = face[list(topo.UPPER_LIP_INNER)], face[list(topo.LOWER_LIP_INNER)]
    line_x = upper[:, 0]
    line_y = 0.5 * (upper[:, 1] + lower[:, 1])
    order = np.argsort(line_x)
    corner_x = max(float(np.abs(line_x).max()), 1e-3)
    lateral = np.abs(p[:, 0])
    mouth_line = np.interp(p[:, 0], line_x[order], line_y[order])
    climb = np.clip((lateral - corner_x) / max(0.07 - corner_x, 1e-3), 0.0, 1.0)
    boundary = mouth_line + climb * (anchors.jaw_hinge[1] - 0.004 - mouth_line)
    band = 0.003 + 0.012 * _smoothstep(0.6, 1.2, lateral / corner_x) + 0.010 * climb
    weight = _smoothstep(boundary + band, boundary - band, p[:, 1])
    weight *= _smoothstep(anchors.jaw_hinge[2] - 0.015, anchors.jaw_hinge[2] + 0.020, p[:, 2])
    skin = np.isin(mesh.part, [Part.FACE, Part.CRANIUM])
    out = np.where(skin, weight, 0.0)

    lm = mesh.landmark
    lips = Polygon(np.concatenate([face[list(topo.UPPER_LIP_OUTER), :2], face[list(topo.LOWER_LIP_OUTER)[::-1], :2]]))
    on_rim = np.isin(lm, topo.UPPER_LIP_INNER + topo.LOWER_LIP_INNER)
    in_lips = skin & (mesh.part == Part.FACE) & (lips.contains_points(p[:, :2], radius=1e-4) | on_rim)
    split = (p[:, 1] < mouth_line).astype(float)
    split[np.isin(lm, topo.UPPER_LIP_INNER)] = 0.0
    split[np.isin(lm, topo.LOWER_LIP_INNER)] = 1.0
    to_corner = _smoothstep(0.6, 1.0, lateral / corner_x)
    out[in_lips] = (split * (1.0 - to_corner) + 0.5 * to_corner)[in_lips]
    out[np.isin(mesh.part, [Part.TEETH_LOWER, Part.TONGUE])] = 1.0
    cavity = mesh.part == Part.MOUTH
    out[cavity] = _smoothstep(anchors.mouth[1] - 0.002, anchors.mouth[1] - 0.012, p[cavity, 1])
    return out


def build_skeleton(mesh: HeadMesh) -> Skeleton:
    """Place the joints from the template's anchors and weight every vertex to at most two joints."""
    a = mesh.anchors
    positions = np.array([a.root_joint, a.neck_joint, a.head_joint, a.jaw_hinge, a.eye_left, a.eye_right])
    n = mesh.n_vertices
    joints = np.zeros((n, 4), dtype=np.uint8)
    weights = np.zeros((n, 4), dtype=np.float32)
    jaw = jaw_weights(mesh)
    joints[:, 0], joints[:, 1] = HEAD, JAW
    weights[:, 0], weights[:, 1] = 1.0 - jaw, jaw

    neck = mesh.part == Part.NECK
    y = mesh.positions[neck, 1]
    to_head = _smoothstep(a.neck_joint[1] + 0.02, a.head_joint[1] + 0.01, y)
    to_neck = _smoothstep(a.root_joint[1], a.neck_joint[1], y)
    joints[neck, 0], joints[neck, 1], joints[neck, 2] = ROOT, NECK, HEAD
    weights[neck, 0] = 1.0 - to_neck
    weights[neck, 1] = to_neck * (1.0 - to_head)
    weights[neck, 2] = to_neck * to_head
    for part, joint in ((Part.EYE_LEFT, EYE_L), (Part.EYE_RIGHT, EYE_R)):
        sel = mesh.part == part
        joints[sel, 0], weights[sel] = joint, (1.0, 0.0, 0.0, 0.0)
        joints[sel, 1] = 0
    weights /= weights.sum(axis=1, keepdims=True)
    joints[weights == 0] = 0
    return Skeleton(names=JOINT_NAMES, parents=PARENTS, positions=positions, skin_joints=joints,
                    skin_weights=weights.astype(np.float32))
