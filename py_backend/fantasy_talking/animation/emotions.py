"""Emotions: held facial expressions layered under speech.

An emotion is a pose of the upper face and mouth corners (a smile for joy, lowered brows for
anger …). Clients set emotions as time-coded keyframes; between keyframes the face eases from
one mix to the next over TRANSITION_S, so a change never snaps. The names are the ten that
NVIDIA Audio2Face-3D uses, so its clients' emotion inputs map one to one. Emotions scale
with the `expression` option, like the rest of the expression layer.
"""
from __future__ import annotations

import bisect
import math
from typing import Mapping, Sequence

import numpy as np

from fantasy_talking.animation.rig import ALL_CURVES, CURVE_INDEX

TRANSITION_S = 0.5

_POSES: dict[str, dict[str, float]] = {
    "amazement": {"BrowInnerUp": 0.6, "BrowOuterUp{side}": 0.6, "EyeWide{side}": 0.6, "JawOpen": 0.1},
    "anger": {"BrowDown{side}": 0.7, "NoseSneer{side}": 0.3, "MouthPress{side}": 0.2, "EyeSquint{side}": 0.2},
    "cheekiness": {"MouthSmileLeft": 0.5, "MouthLeft": 0.2, "BrowOuterUpLeft": 0.4, "EyeSquintRight": 0.2,
                   "CheekSquintLeft": 0.3},
    "disgust": {"NoseSneer{side}": 0.7, "MouthUpperUp{side}": 0.4, "BrowDown{side}": 0.4, "MouthFrown{side}": 0.2},
    "fear": {"BrowInnerUp": 0.6, "BrowOuterUp{side}": 0.3, "EyeWide{side}": 0.5, "MouthStretch{side}": 0.4},
    "grief": {"BrowInnerUp": 0.8, "MouthFrown{side}": 0.6, "EyeSquint{side}": 0.3, "MouthStretch{side}": 0.2},
    "joy": {"MouthSmile{side}": 0.6, "CheekSquint{side}": 0.4, "EyeSquint{side}": 0.2},
    "outofbreath": {"JawOpen": 0.2, "BrowInnerUp": 0.3, "MouthStretch{side}": 0.1},
    "pain": {"BrowDown{side}": 0.5, "BrowInnerUp": 0.4, "EyeSquint{side}": 0.6, "NoseSneer{side}": 0.3,
             "MouthStretch{side}": 0.4},
    "sadness": {"BrowInnerUp": 0.6, "MouthFrown{side}": 0.5, "MouthShrugLower": 0.2},
}
EMOTIONS: tuple[str, ...] = tuple(_POSES)


def _pose_matrix() -> np.ndarray:
    matrix = np.zeros((len(EMOTIONS), len(ALL_CURVES)), np.float32)
    for row, name in enumerate(EMOTIONS):
        for curve, weight in _POSES[name].items():
            sides = ("Left", "Right") if "{side}" in curve else ("",)
            for side in sides:
                matrix[row, CURVE_INDEX[curve.format(side=side)]] = weight
    return matrix


POSES = _pose_matrix()
"""(len(EMOTIONS), len(ALL_CURVES)) curve offsets of each emotion at full strength."""


def emotion_vector(emotions: Mapping[str, float]) -> np.ndarray:
    """Emotion strengths by name → a vector in EMOTIONS order. Unknown names or strengths
    outside 0..1 raise ValueError with the allowed values."""
    vector = np.zeros(len(EMOTIONS), np.float32)
    for name, strength in emotions.items():
        if name not in EMOTIONS:
            raise ValueError(f"unknown emotion {name!r}; use one of {', '.join(EMOTIONS)}")
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"emotion {name!r} is {strength}; strengths are 0 to 1")
        vector[EMOTIONS.index(name)] = strength
    return vector


class EmotionTrack:
    """Time-coded emotion keyframes, followed frame by frame with an easing filter."""

    def __init__(self, fps: int, initial: Mapping[str, float] | None = None) -> None:
        self._times: list[float] = [0.0]
        self._values: list[np.ndarray] = [emotion_vector(initial or {})]
        self._state = self._values[0].copy()
        self._offsets = self._state @ POSES   # always the current state's: recomputed when it moves
        self._reached: np.ndarray | None = None   # the target the state has settled on exactly, if any
        self._alpha = 1.0 - math.exp(-1.0 / (fps * TRANSITION_S / 3))  # ~95 % of the way in TRANSITION_S

    def set(self, time_s: float, emotions: Mapping[str, float]) -> None:
        """From `time_s` on, ease towards `emotions` (a later keyframe at the same time replaces it)."""
        vector = emotion_vector(emotions)
        i = bisect.bisect_right(self._times, time_s)
        if i > 0 and self._times[i - 1] == time_s:
            self._values[i - 1] = vector
        else:
            self._times.insert(i, time_s)
            self._values.insert(i, vector)

    def steps(self, times: Sequence[float]) -> np.ndarray:
        """Curve offsets (len(times), len(ALL_CURVES)) for the next frames, at these times, in order."""
        rows = []
        for t in times:
            target = self._values[bisect.bisect_right(self._times, t) - 1]
            if target is not self._reached:
                before = self._state.tobytes()
                self._state += self._alpha * (target - self._state)
                if self._state.tobytes() == before:   # a fixed point: every further step towards this target is the same no-op
                    self._reached = target
                else:   # the face moved; a settled face (most frames) reuses its offsets: same bytes
                    self._offsets = self._state @ POSES
            rows.append(self._offsets)
        return np.array(rows, np.float32).reshape(len(rows), len(ALL_CURVES))
