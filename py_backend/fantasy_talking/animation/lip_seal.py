"""Lips sealed on the bilabials of known words: what the words engine adds to the acoustic path's lips.

(Its jaw hears the words too: the learned opening reads their visemes, articulation/known_phones.py.)

The acoustic articulation follows how open the mouth is, but the level and spectrum of speech
cannot tell a /p b m/ from any other quiet moment, so its closures fall on the valleys between
syllables about as often as on the lips' real contacts (README, "closures"). Once the words of a
whole clip are known (recognised, or a transcript aligned: `speech/sphinx.word_phones`), every
/p b m/ has a time, and there the lips must meet; everywhere else in speech they must not, since
no other sound of speech is made with the lips together. `BilabialSeal` turns those spans into a
seal weight per frame: the share of the frame's interval that lies inside a bilabial, so a closure
shorter than a frame still shows, partly. `seal_lips` makes that weight the lip seal of the
articulators before they become curves (pose.py writes MouthClose against JawOpen), in place of the
acoustic rules' guess, and takes away by the same weight what would hold the lips apart (funnel,
tuck, bared teeth). Nothing here is tuned: the phone's span is the closure.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from fantasy_talking.articulation.articulators import A
from fantasy_talking.speech.phonemes import PhoneSegment

BILABIALS = frozenset({"P", "B", "M"})
"""The phones made with the lips closed (ARPAbet)."""

_APART = (A["funnel"], A["tuck"], A["teeth"])
"""Articulators that hold the lips apart, so a seal takes them away."""


class BilabialSeal:
    """The lip seal of a clip's bilabials, on the audio clock."""

    def __init__(self, phones: Sequence[PhoneSegment]) -> None:
        merged: list[list[float]] = []
        for start, end in sorted((p.start_s, p.end_s) for p in phones if p.phone in BILABIALS and p.end_s > p.start_s):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.spans = np.array(merged, np.float64).reshape(-1, 2)
        # Bilabial time before each span starts: the running total that `_covered` reads.
        self._before = np.concatenate([[0.0], np.cumsum(self.spans[:, 1] - self.spans[:, 0])])

    def __len__(self) -> int:
        return len(self.spans)

    def _covered(self, x: np.ndarray) -> np.ndarray:
        """Bilabial time in [0, x], for every x: one binary search each, whatever the clip's length."""
        k = np.searchsorted(self.spans[:, 0], x, side="right") - 1
        inside = np.clip(x - self.spans[np.maximum(k, 0), 0], 0.0, self.spans[np.maximum(k, 0), 1]
                         - self.spans[np.maximum(k, 0), 0])
        return np.where(k >= 0, self._before[np.maximum(k, 0)] + inside, 0.0)

    def weights(self, times_s: np.ndarray, frame_s: float) -> np.ndarray:
        """Per frame time, the share of [t − frame_s/2, t + frame_s/2] inside a bilabial (0..1)."""
        times = np.asarray(times_s, np.float64)
        if not len(self.spans):
            return np.zeros(len(times))
        share = (self._covered(times + frame_s / 2) - self._covered(times - frame_s / 2)) / frame_s
        return np.clip(share, 0.0, 1.0)


def seal_lips(articulators: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Articulators (n, N) with the lip seal set to `weights` (n,), the acoustic rules' seal replaced,
    and whatever holds the lips apart lowered by the same weight."""
    out = articulators.copy()
    w = np.asarray(weights, out.dtype)
    out[:, A["close"]] = w
    out[:, list(_APART)] *= (1.0 - w)[:, None]
    return out
