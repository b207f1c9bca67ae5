"""The phones of a clip known in advance (aligned words), as the per-frame viseme input of the read-out.

The fused engine's learned opening reads the viseme the streamed phone loop hears (a posterior per
feature frame); the words engine knows its phones before the clip is animated, from the words'
forced alignment, so the same half of the read-out gets the aligned phone's viseme, one-hot, at
each 10 ms feature frame's centre (frame f of a track started at `start_s` is at start_s + f/100 s).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fantasy_talking.audio.features import FEATURE_RATE
from fantasy_talking.speech.phonemes import SILENCE, VISEMES, PhoneSegment


class KnownPhones:
    """Aligned phones → one-hot visemes per feature frame; silence wherever no phone is."""

    def __init__(self, phones: Sequence[PhoneSegment]) -> None:
        spans = sorted((p.start_s, p.end_s, p.viseme_id) for p in phones if p.end_s > p.start_s)
        self._starts = np.array([s for s, _, _ in spans], np.float64)
        self._ends = np.array([e for _, e, _ in spans], np.float64)
        self._ids = np.array([v for _, _, v in spans], np.int64)

    def posteriors(self, start_s: float, first: int, n: int) -> np.ndarray:
        """(n, len(VISEMES)) for feature frames first … first + n − 1 of a track that starts at start_s."""
        times = start_s + (first + np.arange(n)) / FEATURE_RATE
        k = np.searchsorted(self._starts, times, side="right") - 1
        inside = (k >= 0) & (times < self._ends[np.maximum(k, 0)]) if len(self._starts) else np.zeros(n, bool)
        ids = np.where(inside, self._ids[np.maximum(k, 0)] if len(self._ids) else 0, VISEMES.index(SILENCE))
        out = np.zeros((n, len(VISEMES)), np.float32)
        out[np.arange(n), ids] = 1.0
        return out
