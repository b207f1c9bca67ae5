"""Coarticulation by dominance blending (after Cohen & Massaro, 1993).

Each phone pulls every articulator towards its viseme's target with a dominance that is
flat over the phone and falls off smoothly before and after it. The mouth at any instant
is the dominance-weighted mean of all targets, so sounds overlap the way real speech does:
lips round early for an upcoming /u/, and a /p/ still seals the lips between two vowels
because its lip dominance dwarfs theirs.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from fantasy_talking.animation.visemes import DOMINANCE, TARGETS
from fantasy_talking.speech.phonemes import PhoneSegment

ANTICIPATION_S = 0.09   # how early a sound's dominance starts to rise (anticipatory coarticulation)
CARRYOVER_S = 0.06      # how long it lingers after the phone ends (carry-over coarticulation)


def dominance(times: np.ndarray, start: float, end: float) -> np.ndarray:
    """Shape of one phone's dominance over `times`: 1 inside the phone, Gaussian shoulders outside."""
    before = np.clip(start - times, 0.0, None) / ANTICIPATION_S
    after = np.clip(times - end, 0.0, None) / CARRYOVER_S
    return np.exp(-(before ** 2 + after ** 2))


def blend(segments: Sequence[PhoneSegment], times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Articulator tracks (T, N_ARTICULATORS) and viseme weights (T, 15) at `times`.

    Viseme weights are the normalised dominance shapes, so they sum to one per frame and
    say which viseme is in control; articulators blend targets with per-articulator dominance.
    """
    n_visemes = TARGETS.shape[0]
    numerator = np.zeros((len(times), TARGETS.shape[1]), np.float64)
    denominator = np.full_like(numerator, 1e-6)
    viseme_weights = np.zeros((len(times), n_visemes), np.float64)
    numerator += 1e-6 * TARGETS[0]  # with no phone in reach the mouth rests at silence
    for seg in segments:
        lo = np.searchsorted(times, seg.start_s - 4 * ANTICIPATION_S)
        hi = np.searchsorted(times, seg.end_s + 4 * CARRYOVER_S)
        if lo >= hi:
            continue
        shape = dominance(times[lo:hi], seg.start_s, seg.end_s)[:, None]
        v = seg.viseme_id
        weight = shape * DOMINANCE[v]
        numerator[lo:hi] += weight * TARGETS[v]
        denominator[lo:hi] += weight
        viseme_weights[lo:hi, v] += shape[:, 0]
    totals = viseme_weights.sum(axis=1, keepdims=True)
    viseme_weights = np.where(totals > 1e-6, viseme_weights / np.maximum(totals, 1e-6), 0.0)
    viseme_weights[totals[:, 0] <= 1e-6, 0] = 1.0
    return (numerator / denominator).astype(np.float32), viseme_weights.astype(np.float32)
