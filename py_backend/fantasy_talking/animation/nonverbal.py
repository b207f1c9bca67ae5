"""Everything the face does besides speaking: blinks, gaze, brows and head motion.

Driven by prosody (speech activity and pitch) and by a seeded random generator, one frame at
a time, so the same audio and seed always give the same motion however the audio was chunked.
- Blinks: a Poisson process (about 17 a minute), plus a likely blink when a phrase ends.
- Gaze: short saccades to nearby points every 0.6–3 s, often back to the listener.
- Brows and nods: a pitch accent (a rise well above the speaker's running pitch) lifts the
  brows and dips the head.
- Head: slow drift that grows while speaking, plus breathing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from fantasy_talking.animation.rig import ALL_CURVES, CURVE_INDEX

BLINK_CLOSE_S, BLINK_HOLD_S, BLINK_OPEN_S = 0.07, 0.03, 0.15
BLINK_INTERVAL_S = 3.5
MAX_GAZE_RAD = 0.5
ACCENT_RISE = 0.15      # natural-log pitch rise over the running mean (about 2.6 semitones)
ACCENT_GAP_S = 1.5      # at most one brow raise per phrase-sized stretch
DRIFT_SIGMA = (0.035, 0.02, 0.015)   # head drift spread in radians: yaw, pitch, roll

# The curves this layer writes, in the order `step` computes them.
_LAYER_CURVES = np.array([CURVE_INDEX[name] for name in (
    "EyeBlinkLeft", "EyeBlinkRight",
    "EyeLookOutLeft", "EyeLookInLeft", "EyeLookDownLeft", "EyeLookUpLeft", "BrowOuterUpLeft", "EyeWideLeft",
    "EyeLookOutRight", "EyeLookInRight", "EyeLookDownRight", "EyeLookUpRight", "BrowOuterUpRight", "EyeWideRight",
    "BrowInnerUp")])


@dataclass(frozen=True)
class NonverbalFrames:
    """Consecutive frames of the layer: additive curves (T, len(ALL_CURVES)), head (T, 3) yaw/pitch/roll
    and gaze (T, 2) yaw/pitch (shared by both eyes), angles in radians."""

    curves: np.ndarray
    head: np.ndarray
    gaze: np.ndarray


def _bump(t: float, width: float) -> float:
    """A smooth 0→1→0 pulse over [0, width]."""
    if t <= 0.0 or t >= width:
        return 0.0
    return math.sin(math.pi * t / width) ** 2


class NonverbalLayer:
    """Per-frame non-verbal motion; call `steps` for the output frames, in order."""

    def __init__(self, fps: int, seed: int, head_motion: float = 1.0, blink: float = 1.0,
                 expression: float = 1.0) -> None:
        self.dt = 1.0 / fps
        self.rng = np.random.default_rng(seed)
        self.head_motion, self.blink, self.expression = head_motion, blink, expression
        self.next_blink = self._blink_gap()
        self.blink_start = -10.0
        self.next_saccade = float(self.rng.uniform(0.6, 3.0))
        self.gaze_target = (0.0, 0.0)
        self.gaze = [0.0, 0.0]
        self.drift = [0.0, 0.0, 0.0]
        self.speech_run = 0.0
        self.log_f0_mean = 0.0
        self.f0_seen = False
        self.accent_start = -10.0
        self.accent_size = 0.0
        self.was_rising = False
        self.last_log_f0 = 0.0

    def _blink_gap(self) -> float:
        if self.blink <= 0.0:
            return math.inf
        return float(self.rng.exponential(BLINK_INTERVAL_S / self.blink)) + 0.4

    def _update_blinks(self, t: float, speaking: bool) -> float:
        phrase_ended = self.speech_run > 0.4 and not speaking
        if phrase_ended and self.blink > 0.0 and t - self.blink_start > 0.8 and self.rng.random() < 0.6:
            self.next_blink = min(self.next_blink, t + 0.08)
        if t >= self.next_blink:
            self.blink_start = t
            self.next_blink = t + self._blink_gap()
        since = t - self.blink_start
        if since < BLINK_CLOSE_S:
            return math.sin(0.5 * math.pi * since / BLINK_CLOSE_S)
        if since < BLINK_CLOSE_S + BLINK_HOLD_S:
            return 1.0
        if since < BLINK_CLOSE_S + BLINK_HOLD_S + BLINK_OPEN_S:
            return math.cos(0.5 * math.pi * (since - BLINK_CLOSE_S - BLINK_HOLD_S) / BLINK_OPEN_S)
        return 0.0

    def _update_gaze(self, t: float) -> None:
        if t >= self.next_saccade:
            if self.rng.random() < 0.45:
                self.gaze_target = (0.0, 0.0)
            else:
                self.gaze_target = (float(self.rng.normal(0, 0.12)), float(self.rng.normal(0, 0.06)))
            self.next_saccade = t + float(self.rng.uniform(0.6, 3.0))
        alpha = 1.0 - math.exp(-self.dt / 0.025)  # saccades settle within ~50 ms
        for k in range(2):
            self.gaze[k] += alpha * (self.gaze_target[k] - self.gaze[k])

    def _update_accent(self, t: float, f0: float) -> float:
        """Brow/nod pulse at t. A pitch accent is a rise well above the running pitch; not every
        accent moves the brows (people don't), and the pulse grows with the size of the rise."""
        if f0 > 0:
            log_f0 = math.log(f0)
            if not self.f0_seen:
                self.log_f0_mean, self.f0_seen, self.last_log_f0 = log_f0, True, log_f0
            rise = log_f0 - self.log_f0_mean
            rising = rise > ACCENT_RISE and log_f0 >= self.last_log_f0
            if rising and not self.was_rising and t - self.accent_start > ACCENT_GAP_S:
                if self.rng.random() < 0.7:
                    self.accent_start = t
                    self.accent_size = min(1.0, 0.4 + rise)
            self.was_rising = rising
            self.log_f0_mean += (log_f0 - self.log_f0_mean) * min(1.0, self.dt / 2.0)
            self.last_log_f0 = log_f0
        return self.accent_size * _bump(t - self.accent_start, 0.6)

    def steps(self, times: Sequence[float], activity: Sequence[float], f0: Sequence[float]) -> NonverbalFrames:
        """The next len(times) frames, in order (any batching gives the same frames as one at a time).

        The motion is scalar math per frame; the arrays are built once per batch, since numpy's
        per-call overhead on a frame's few values would cost more than the arithmetic."""
        rows = [self._step(t, a, f) for t, a, f in zip(times, activity, f0)]
        curves = np.zeros((len(rows), len(ALL_CURVES)), np.float32)
        if rows:   # clipped to 0..1; "+ 0.0" turns numpy's max(0.0, -0.0) = -0.0 into 0.0, as in min(1, max(0, v))
            curves[:, _LAYER_CURVES] = np.minimum(1.0, np.maximum(0.0, [row[0] for row in rows]) + 0.0)
        return NonverbalFrames(curves=curves, head=np.array([row[1] for row in rows], np.float32).reshape(-1, 3),
                               gaze=np.array([row[2] for row in rows], np.float32).reshape(-1, 2))

    def _step(self, t: float, activity: float, f0: float) -> tuple[tuple[float, ...], tuple, tuple]:
        """One frame: the layer's curve values (in _LAYER_CURVES order, not yet clipped to 0..1), head
        and gaze angles."""
        speaking = activity > 0.15
        blink = self._update_blinks(t, speaking)
        self.speech_run = self.speech_run + self.dt if speaking else 0.0
        self._update_gaze(t)
        accent = self._update_accent(t, f0)

        yaw, pitch = self.gaze
        horizontal, vertical = yaw / MAX_GAZE_RAD, pitch / MAX_GAZE_RAD
        brow, wide, inner = (0.35 * accent * self.expression, 0.15 * accent * self.expression,
                             0.45 * accent * self.expression)
        values = (blink, 0.97 * blink,
                  horizontal, -horizontal, vertical, -vertical, brow, wide,     # left eye: out = +yaw
                  -horizontal, horizontal, vertical, -vertical, brow, wide,     # right eye: out = -yaw
                  inner)

        scale = (1.6 if speaking else 1.0) * self.head_motion
        theta = self.dt / 1.5                      # Ornstein–Uhlenbeck drift, 1.5 s memory
        spread = math.sqrt(2 * theta)
        noise = self.rng.normal(0.0, 1.0, 3).tolist()
        self.drift = [d - theta * d + n * sigma * spread for d, n, sigma in zip(self.drift, noise, DRIFT_SIGMA)]
        breath = 0.006 * math.sin(2 * math.pi * 0.25 * t)
        head = (
            scale * self.drift[0],
            scale * self.drift[1] + self.head_motion * (breath + 0.05 * accent + 0.02 * activity),
            scale * self.drift[2],
        )
        return values, head, (yaw, pitch)
