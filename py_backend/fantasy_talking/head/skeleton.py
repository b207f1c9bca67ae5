"""The face skeleton (root → neck → head → jaw, eye_L, eye_R) and its skin weights.

Joints carry no rest rotation, so a rotation from the animation service (common.proto Quaternion,
parent space, +X left, +Y up, +Z forward) is the joint's local rotation as it is.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from fantasy_talking.animation.rig import ARKIT_52
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
    """How much each vertex follows the jaw, read off the JawOpen target itself.

    A vertex that moves with the jaw moves as far as a point rotated about the hinge by the jaw's angle;
    the weight is the share of that rigid motion the target gives it (chin and lower teeth 1, upper face 0).
    """
    jaw_open = mesh.base_deltas[ARKIT_52.index("JawOpen")].astype(np.float64)
    hinge = mesh.anchors.jaw_hinge
    lever = mesh.positions - hinge
    reach = np.linalg.norm(lever[:, 1:], axis=1)
    moved = np.linalg.norm(jaw_open, axis=1)
    chin = int(np.argmax(moved * (mesh.part == Part.SKIN)))
    angle = moved[chin] / max(reach[chin], 1e-6)
    weight = np.clip(moved / np.maximum(reach * angle, 1e-6), 0.0, 1.0)
    rigid = np.isin(mesh.part, [Part.TEETH, Part.TONGUE])
    weight[rigid] = moved[rigid] > 0.002  # lower teeth and tongue ride the jaw whole; the upper teeth stay
    return weight


def build_skeleton(mesh: HeadMesh) -> Skeleton:
    """Place the joints from the fitted anchors and weight every vertex to at most three joints."""
    a = mesh.anchors
    positions = np.array([a.root_joint, a.neck_joint, a.head_joint, a.jaw_hinge, a.eye_left, a.eye_right])
    n = mesh.n_vertices
    joints = np.zeros((n, 4), dtype=np.uint8)
    weights = np.zeros((n, 4), dtype=np.float32)
    jaw = jaw_weights(mesh)
    y = mesh.positions[:, 1]
    to_head = _smoothstep(a.neck_joint[1], a.jaw_hinge[1] - 0.01, y)
    to_neck = _smoothstep(a.root_joint[1], a.neck_joint[1], y)
    head_share = to_neck * to_head
    joints[:, 0], joints[:, 1], joints[:, 2], joints[:, 3] = HEAD, JAW, NECK, ROOT
    weights[:, 0] = head_share * (1.0 - jaw)
    weights[:, 1] = head_share * jaw
    weights[:, 2] = to_neck * (1.0 - to_head)
    weights[:, 3] = 1.0 - to_neck
    for part, joint in ((Part.EYE_LEFT, EYE_L), (Part.EYE_RIGHT, EYE_R)):
        sel = mesh.part == part
        joints[sel] = (joint, 0, 0, 0)
        weights[sel] = (1.0, 0.0, 0.0, 0.0)
    weights /= weights.sum(axis=1, keepdims=True)
    joints[weights == 0] = 0
    return Skeleton(names=JOINT_NAMES, parents=PARENTS, positions=positions, skin_joints=joints,
                    skin_weights=weights.astype(np.float32))
