"""Bone rotations for the face skeleton: jaw, neck, head and both eyes, as quaternions.

Axes follow common.proto: +X to the character's left, +Y up, +Z out of the face. A positive
rotation about +X tips the forward axis down, so it opens the jaw and nods the head.
"""
from __future__ import annotations

import numpy as np

JAW_MAX_RAD = 0.42          # ARKit JawOpen = 1 is a wide-open mouth, about 24 degrees
NECK_SHARE = 0.4            # the neck carries 40 % of head motion, the head the rest


def joint_rotations(jaw_open: np.ndarray, head: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """(T, 5, 4) quaternions for jaw, neck, head, eye_L, eye_R (rig.JOINTS order), from
    jaw_open (T,), head (T, 3) yaw/pitch/roll and gaze (T, 2) yaw/pitch.

    Whole columns at once in float64: a batch of frames costs a few numpy calls, not a Python
    loop per frame."""
    head, gaze = np.asarray(head, np.float64), np.asarray(gaze, np.float64)
    zero = np.zeros(len(head))
    jaw = _quats(zero, JAW_MAX_RAD * np.asarray(jaw_open, np.float64), zero)
    neck = _quats(NECK_SHARE * head[:, 0], NECK_SHARE * head[:, 1], NECK_SHARE * head[:, 2])
    share = 1 - NECK_SHARE
    skull = _quats(share * head[:, 0], share * head[:, 1], share * head[:, 2])
    eye = _quats(gaze[:, 0], gaze[:, 1], zero)
    return np.stack([jaw, neck, skull, eye, eye], axis=1).astype(np.float32)


def _quats(yaw: np.ndarray, pitch: np.ndarray, roll: np.ndarray) -> np.ndarray:
    """(T, 4) quaternions (x, y, z, w) of yaw about +Y, then pitch about +X, then roll about +Z:
    q = q_yaw(Y) * q_pitch(X) * q_roll(Z)."""
    cy, sy = np.cos(yaw / 2), np.sin(yaw / 2)
    cp, sp = np.cos(pitch / 2), np.sin(pitch / 2)
    cr, sr = np.cos(roll / 2), np.sin(roll / 2)
    return np.stack([cy * sp * cr + sy * cp * sr, sy * cp * cr - cy * sp * sr,
                     cy * cp * sr - sy * sp * cr, cy * cp * cr + sy * sp * sr], axis=1)


def livelink_angles(head: np.ndarray, gaze: np.ndarray) -> np.ndarray:
    """(T, 9) Live Link angles (head yaw/pitch/roll, left eye, right eye) in radians."""
    zero = np.zeros((len(head), 1), np.float32)
    return np.concatenate([head, gaze, zero, gaze, zero], axis=1).astype(np.float32)
