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

from fantasy_talking.articulation.articulators import A
from fantasy_talking.animation.rig import VISEMES
from fantasy_talking.animation.visemes import DOMINANCE, TARGETS
from fantasy_talking.speech.phonemes import PhoneSegment

# How early a sound's dominance starts to rise (anticipatory coarticulation) and how long it
# lingers after the phone ends (carry-over), in seconds. Vowels spread further than consonants.
VOWEL_REACH = (0.09, 0.06)
CONSONANT_REACH = (0.05, 0.035)
_VOWELS = {VISEMES.index(v) for v in ("sil", "aa", "E", "I", "O", "U")}
_CLOSE = A["close"]


def dominance(times: np.ndarray, start: float, end: float, reach: tuple[float, float]) -> np.ndarray:
    """Shape of one phone's dominance over `times`: 1 inside the phone, Gaussian shoulders outside."""
    before = np.clip(start - times, 0.0, None) / reach[0]
    after = np.clip(times - end, 0.0, None) / reach[1]
    return np.exp(-(before ** 2 + after ** 2))


def seal(close: np.ndarray) -> np.ndarray:
    """Lip contact is nearly all-or-nothing: a blended closure above 0.75 seals the lips,
    one below 0.25 leaves them apart, with a smooth step between."""
    x = np.clip((close - 0.25) / 0.5, 0.0, 1.0)
    return x * x * (3 - 2 * x)


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
        v = seg.viseme_id
        reach = VOWEL_REACH if v in _VOWELS else CONSONANT_REACH
        lo = np.searchsorted(times, seg.start_s - 4 * reach[0])
        hi = np.searchsorted(times, seg.end_s + 4 * reach[1])
        if lo >= hi:
            continue
        shape = dominance(times[lo:hi], seg.start_s, seg.end_s, reach)[:, None]
        weight = shape * DOMINANCE[v]
        numerator[lo:hi] += weight * TARGETS[v]
        denominator[lo:hi] += weight
        viseme_weights[lo:hi, v] += shape[:, 0]
    totals = viseme_weights.sum(axis=1, keepdims=True)
    viseme_weights = np.where(totals > 1e-6, viseme_weights / np.maximum(totals, 1e-6), 0.0)
    viseme_weights[totals[:, 0] <= 1e-6, 0] = 1.0
    articulators = numerator / denominator
    articulators[:, _CLOSE] = seal(articulators[:, _CLOSE])
    return articulators.astype(np.float32), viseme_weights.astype(np.float32)
