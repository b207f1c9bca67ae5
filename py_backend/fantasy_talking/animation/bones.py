"""Bone rotations for the face skeleton: jaw, neck, head and both eyes, as quaternions.

Axes follow common.proto: +X to the character's left, +Y up, +Z out of the face. A positive
rotation about +X tips the forward axis down, so it opens the jaw and nods the head.
"""
from __future__ import annotations

import math

import numpy as np

JAW_MAX_RAD = 0.42          # ARKit JawOpen = 1 is a wide-open mouth, about 24 degrees
NECK_SHARE = 0.4            # the neck carries 40 % of head motion, the head the rest


def quat_from_euler(yaw: float, pitch: float, roll: float) -> tuple[float, float, float, float]:
    """The quaternion (x, y, z, w) of yaw about +Y, then pitch about +X, then roll about +Z."""
    cy, sy = math.cos(yaw / 2), math.sin(yaw / 2)
    cp, sp = math.cos(pitch / 2), math.sin(pitch / 2)
    cr, sr = math.cos(roll / 2), math.sin(roll / 2)
    # q = q_yaw(Y) * q_pitch(X) * q_roll(Z)
    return (cy * sp * cr + sy * cp * sr, sy * cp * cr - cy * sp * sr,
            cy * cp * sr - sy * sp * cr, cy * cp * cr + sy * sp * sr)


def joint_rotations(jaw_open: np.ndarray, head: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """(T, 5, 4) quaternions for jaw, neck, head, eye_L, eye_R (rig.JOINTS order), from
    jaw_open (T,), head (T, 3) yaw/pitch/roll and gaze (T, 2) yaw/pitch.

    Scalar math per frame: streams compose a frame or two per call, where numpy's per-call
    overhead on five tiny arrays would cost several times the arithmetic."""
    rows = []
    for jaw, (yaw, pitch, roll), (gaze_yaw, gaze_pitch) in zip(jaw_open.tolist(), head.tolist(), gaze.tolist()):
        eye = quat_from_euler(gaze_yaw, gaze_pitch, 0.0)
        rows.append((quat_from_euler(0.0, JAW_MAX_RAD * jaw, 0.0),
                     quat_from_euler(NECK_SHARE * yaw, NECK_SHARE * pitch, NECK_SHARE * roll),
                     quat_from_euler((1 - NECK_SHARE) * yaw, (1 - NECK_SHARE) * pitch, (1 - NECK_SHARE) * roll),
                     eye, eye))
    return np.array(rows, np.float32).reshape(len(rows), 5, 4)


def livelink_angles(head: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """(T, 9) Live Link angles (head yaw/pitch/roll, left eye, right eye) in radians."""
    zero = np.zeros((len(head), 1), np.float32)
    return np.concatenate([head, gaze, zero, gaze, zero], axis=1).astype(np.float32)
