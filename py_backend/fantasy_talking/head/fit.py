"""Fit the head frame to the landmarks: pose, metric scale, and the face in head coordinates.

The head frame is the glTF/rig frame of common.proto: +X to the character's left, +Y up,
+Z out of the face, in metres, with the origin between the outer eye corners. The photo's
landmarks become the face surface of the template, so the fit is a similarity transform
(rotation, scale, translation) estimated from symmetric landmark pairs and the face's
vertical axis.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fantasy_talking.head.landmarks import LEFT_EYE_OUTER, RIGHT_EYE_OUTER, FaceLandmarks

EYE_CORNER_SPAN_M = 0.090
"""Average adult outer-canthal distance; it sets the metric scale of every head."""

# (character's left, character's right) landmark pairs that define the head's X axis.
SYMMETRIC_PAIRS = ((263, 33), (362, 133), (454, 234), (291, 61), (334, 105), (356, 127))
FOREHEAD, CHIN = 10, 152
FRONTAL_YAW_LIMIT = np.radians(25.0)
"""Beyond this yaw or pitch the far side of the face is inferred, and the report says so."""


@dataclass(frozen=True)
class HeadPose:
    """Where the head is in the photo: head frame → camera frame (x right, y up, z towards the camera)."""

    rotation: np.ndarray
    scale_px_per_m: float
    origin_px: np.ndarray

    @property
    def yaw_pitch_roll(self) -> tuple[float, float, float]:
        """Radians; yaw turns towards the character's left, pitch raises the chin, roll tilts to its left."""
        r = self.rotation
        yaw = float(np.arctan2(r[0, 2], r[2, 2]))
        pitch = float(np.arcsin(np.clip(-r[1, 2], -1.0, 1.0)))
        roll = float(np.arctan2(r[1, 0], r[1, 1]))
        return yaw, pitch, roll

    def project(self, head_points: np.ndarray) -> np.ndarray:
        """Head-frame metres → photo pixels (x right, y down), weak perspective."""
        cam = head_points @ self.rotation.T * self.scale_px_per_m + self.origin_px
        return np.stack([cam[:, 0], -cam[:, 1]], axis=1)

    def view_dot(self, head_normals: np.ndarray) -> np.ndarray:
        """Cosine between each normal and the direction to the camera (1 = faces the camera)."""
        return head_normals @ self.rotation[2, :]


@dataclass(frozen=True)
class FaceFit:
    """The photo's face in the head frame, with the pose that places it back on the photo."""

    vertices: np.ndarray
    pose: HeadPose
    reprojection_error: float
    frontality: float

    @property
    def is_extreme(self) -> bool:
        yaw, pitch, _ = self.pose.yaw_pitch_roll
        return abs(yaw) > FRONTAL_YAW_LIMIT or abs(pitch) > FRONTAL_YAW_LIMIT


def _camera_points(landmarks: FaceLandmarks) -> np.ndarray:
    p = landmarks.points
    return np.stack([p[:, 0], -p[:, 1], -p[:, 2]], axis=1)


def fit_face(landmarks: FaceLandmarks) -> FaceFit:
    """Estimate the head pose and express the 478 landmarks in head-frame metres."""
    cam = _camera_points(landmarks)
    x_axis = np.mean([cam[a] - cam[b] for a, b in SYMMETRIC_PAIRS], axis=0)
    x_axis /= np.linalg.norm(x_axis)
    up = cam[FOREHEAD] - cam[CHIN]
    y_axis = up - x_axis * (up @ x_axis)
    y_axis /= np.linalg.norm(y_axis)
    z_axis = np.cross(x_axis, y_axis)
    rotation = np.stack([x_axis, y_axis, z_axis], axis=1)
    origin = 0.5 * (cam[LEFT_EYE_OUTER] + cam[RIGHT_EYE_OUTER])
    scale = float(np.linalg.norm(cam[LEFT_EYE_OUTER] - cam[RIGHT_EYE_OUTER])) / EYE_CORNER_SPAN_M
    vertices = (cam - origin) @ rotation / scale
    pose = HeadPose(rotation=rotation, scale_px_per_m=scale, origin_px=origin)
    reprojected = pose.project(vertices)
    error = np.linalg.norm(reprojected - landmarks.points[:, :2], axis=1).mean() / landmarks.inter_ocular_px
    frontality = float(max(0.0, rotation[2, 2]))
    return FaceFit(vertices=vertices, pose=pose, reprojection_error=float(error), frontality=frontality)
