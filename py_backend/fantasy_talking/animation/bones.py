"""Bone rotations for the face skeleton: jaw, neck, head and both eyes, as quaternions.

Axes follow common.proto: +X to the character's left, +Y up, +Z out of the face. A positive
rotation about +X tips the forward axis down, so it opens the jaw and nods the head.
"""
from __future__ import annotations

import numpy as np

JAW_MAX_RAD = 0.42          # ARKit JawOpen = 1 is a wide-open mouth, about 24 degrees
NECK_SHARE = 0.4            # the neck carries 40 % of head motion, the head the rest


def quat_from_euler(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """(x, y, z, w) of yaw about +Y, then pitch about +X, then roll about +Z."""
    cy, sy = np.cos(yaw / 2), np.sin(yaw / 2)
    cp, sp = np.cos(pitch / 2), np.sin(pitch / 2)
    cr, sr = np.cos(roll / 2), np.sin(roll / 2)
    # q = q_yaw(Y) * q_pitch(X) * q_roll(Z)
    x = cy * sp * cr + sy * cp * sr
    y = sy * cp * cr - cy * sp * sr
    z = cy * cp * sr - sy * sp * cr
    w = cy * cp * cr + sy * sp * sr
    return np.array([x, y, z, w], np.float32)


def joint_rotations(jaw_open: float, head: tuple[float, float, float],
                    gaze: tuple[float, float]) -> np.ndarray:
    """(5, 4) quaternions for jaw, neck, head, eye_L, eye_R (rig.JOINTS order)."""
    yaw, pitch, roll = head
    eye = quat_from_euler(gaze[0], gaze[1], 0.0)
    return np.stack([
        quat_from_euler(0.0, JAW_MAX_RAD * jaw_open, 0.0),
        quat_from_euler(NECK_SHARE * yaw, NECK_SHARE * pitch, NECK_SHARE * roll),
        quat_from_euler((1 - NECK_SHARE) * yaw, (1 - NECK_SHARE) * pitch, (1 - NECK_SHARE) * roll),
        eye,
        eye,
    ])


def livelink_angles(head: tuple[float, float, float], gaze: tuple[float, float]) -> np.ndarray:
    """The nine Live Link angles (head yaw/pitch/roll, left eye, right eye) in radians."""
    yaw, pitch = gaze
    return np.array([*head, yaw, pitch, 0.0, yaw, pitch, 0.0], np.float32)
