"""Bone rotations for the face skeleton: jaw, neck, head and both eyes, as quaternions.

Axes follow common.proto: +X to the character's left, +Y up, +Z out of the face. A positive
rotation about +X tips the forward axis down, so it opens the jaw and nods the head.
"""
from __future__ import annotations

import numpy as np

JAW_MAX_RAD = 0.42          # ARKit JawOpen = 1 is a wide-open mouth, about 24 degrees
NECK_SHARE = 0.4            # the neck carries 40 % of head motion, the head the rest


def quat_from_euler(yaw, pitch, roll) -> np.ndarray:
    """(..., 4) quaternions (x, y, z, w) of yaw about +Y, then pitch about +X, then roll about +Z.
    Accepts scalars or equally shaped arrays."""
    cy, sy = np.cos(yaw / 2), np.sin(yaw / 2)
    cp, sp = np.cos(pitch / 2), np.sin(pitch / 2)
    cr, sr = np.cos(roll / 2), np.sin(roll / 2)
    # q = q_yaw(Y) * q_pitch(X) * q_roll(Z)
    x = cy * sp * cr + sy * cp * sr
    y = sy * cp * cr - cy * sp * sr
    z = cy * cp * sr - sy * sp * cr
    w = cy * cp * cr + sy * sp * sr
    return np.stack([x, y, z, w], axis=-1).astype(np.float32)


def joint_rotations(jaw_open: np.ndarray, head: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """(T, 5, 4) quaternions for jaw, neck, head, eye_L, eye_R (rig.JOINTS order), from
    jaw_open (T,), head (T, 3) yaw/pitch/roll and gaze (T, 2) yaw/pitch. One vectorised call
    for all five joints, because streams compose a frame or two at a time."""
    zero = np.zeros_like(jaw_open)
    yaw = np.stack([zero, NECK_SHARE * head[:, 0], (1 - NECK_SHARE) * head[:, 0], gaze[:, 0], gaze[:, 0]], axis=1)
    pitch = np.stack([JAW_MAX_RAD * jaw_open, NECK_SHARE * head[:, 1], (1 - NECK_SHARE) * head[:, 1],
                      gaze[:, 1], gaze[:, 1]], axis=1)
    roll = np.stack([zero, NECK_SHARE * head[:, 2], (1 - NECK_SHARE) * head[:, 2], zero, zero], axis=1)
    return quat_from_euler(yaw, pitch, roll)


def livelink_angles(head: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """(T, 9) Live Link angles (head yaw/pitch/roll, left eye, right eye) in radians."""
    zero = np.zeros((len(head), 1), np.float32)
    return np.concatenate([head, gaze, zero, gaze, zero], axis=1).astype(np.float32)
