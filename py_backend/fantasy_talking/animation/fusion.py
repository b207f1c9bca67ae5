"""The fused engine: phone identity, heard by PocketSphinx's phone loop as a stream
(articulation/phone_loop.py), blended into the acoustic articulators.

The acoustic path is good at *how far* the mouth opens and when the lips meet; it guesses lip
*shape* (spread, rounding) from one formant. The phone loop names the phone being spoken; the
viseme targets (animation/visemes.py) of that phone are the mouth it asks for. Per articulator,
the fused value moves from the acoustic one towards the phone's by a weight (W_*), and only while
the speech gate says someone speaks: breath, noise and silence leave the mouth to the acoustic
path's gate, exactly as in the acoustic engine. The phone also moves the jaw, but not here: the
acoustic path's learned opening reads the same posteriors (a learned shift per viseme, fitted
with its other halves: articulation/acoustic.py, `heard_phones`), which held out beat pulling the
jaw towards the viseme's target (W_OPEN, never chosen).

The weights are the only tuned constants: they are declared with their candidates in
tools/eval/loco.py (FUSION_TUNED) and chosen leave-one-clip-out on the shared videos (README).
The phone loop names a frame's phone from audio the acoustic path already waits for, so the
fused track streams with the acoustic engine's look-ahead and is chunking-invariant.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.animation.visemes import TARGETS
from fantasy_talking.articulation.articulators import A, N_ARTICULATORS
from fantasy_talking.articulation.phone_loop import PhoneLoop
from fantasy_talking.audio.features import Features


class PhoneFusion:
    """Hears the audio beside the acoustic path and pulls its articulators towards the phone's mouth."""

    W_OPEN = 0.0     # jaw: the acoustic opening alone scored best held out (README, lip-sync)
    W_CLOSE = 0.3    # lip seal: chosen on all clips once the opening heard the phone (README)
    W_SHAPE = 0.3    # rounding, funnel, spread, lip tuck, teeth
    W_TONGUE = 0.3   # tongue tip, back, out (not scored: no truth for the tongue)

    def __init__(self) -> None:
        self._phones = PhoneLoop()

    def weights(self) -> np.ndarray:
        """(N_ARTICULATORS,) blend weights, read from the class at call time (so LOCO can vary them)."""
        w = np.full(N_ARTICULATORS, self.W_SHAPE, np.float32)
        w[A["open"]] = self.W_OPEN
        w[A["close"]] = self.W_CLOSE
        for name in ("tongue_tip", "tongue_back", "tongue_out"):
            w[A[name]] = self.W_TONGUE
        return w

    def restart(self) -> None:
        """A fresh clock (the stream was interrupted): forget what was heard, keep the loaded model."""
        self._phones.restart()

    def hear(self, samples: np.ndarray, features: Features) -> np.ndarray:
        """Feed the samples just given to the FeatureStream and its frames; (n, 15) one-hot visemes."""
        return self._phones.push(samples, features)

    def fuse(self, raw: np.ndarray, activity: np.ndarray, posteriors: np.ndarray) -> np.ndarray:
        """Acoustic articulators (n, N_ARTICULATORS) → fused ones, frame by frame."""
        phone_mouth = np.einsum("ij,jk->ik", posteriors, TARGETS)
        named = np.add.reduce(posteriors, axis=1)[:, None]   # 0 where the phone is not known yet
        speaking = np.minimum(np.maximum(activity * 10.0, 0.0), 1.0)[:, None]   # acoustic.py's ramp(activity, 0, .1)
        return (raw + speaking * self.weights()[None, :] * (phone_mouth - named * raw)).astype(np.float32)
