"""A learned correction to the jaw's opening: one linear read-out of the acoustic cues, per frame.

The phonetic rules in `acoustic.py` each turn one cue into mouth shape with hand-set ramps
(loudness and F1 open the jaw, a dark spectrum or low F2 narrows the lips, …); how much each cue
should count against the others was never measured. This model measures it: a ridge regression
from the per-frame cue vector (`CUES`, the rules' own outputs among them) to the mouth opening of
real talking faces, trained by `tools/eval/train_opening.py` and scored leave-one-clip-out there.
It is the cue half of the read-out: it is fitted together with the spectral half
(`spectral_opening.py`, the speaker-normalised mel spectrum over a short causal context), and the
two add up. Their sum is standardised over the training speech (mean 0, standard deviation 1), so
it says "more open / more closed than this speaker's usual"; the engine adds
`AcousticArticulation.LEARNED_WEIGHT` times it to the rules' opening while speech is active.
Linear and per frame, the cue half costs 14 multiply-adds a frame (one vectorised pass per block), and the weights of
both halves are readable in `opening_weights.py`, which the trainer writes.

The fused engine (`--engine fused`) hears the phone being spoken as well (phone_loop.py), and its
read-out has a third half: one weight per viseme class of that phone (`PhoneOpening`). Its three
halves are fitted together, so they are a set of their own beside the acoustic engine's two.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fantasy_talking.speech.phonemes import VISEMES

CUES: tuple[str, ...] = (
    "loudness",       # activity ** 0.7: level within the speaker's noise-to-peak range, speech-gated
    "tilt",           # low-band minus upper-band level against the speaker's voiced mean, dB (±30)
    "f1_hz",          # peak-weighted centroid of 300–1200 Hz
    "f2_hz",          # power centroid of 900–2800 Hz
    "voicing",        # pitch-range autocorrelation peak
    "hf_ratio",       # share of power above 3.5 kHz
    "vad",            # WebRTC's speech decision
    "rule_open",      # the rules' opening
    "rule_close",     # the rules' lip contact
    "rule_funnel",    # the rules' open rounding
    "rule_spread",    # the rules' spreading
    "mid_low",        # mid band (350–1000 Hz) minus low band (80–350 Hz), dB (±30)
    "high_level",     # high band (3.5–8 kHz) minus the window's level, dB (−40..10)
    "upper_level",    # upper band (1–2.8 kHz) minus the window's level, dB (−40..10)
)


@dataclass(frozen=True)
class LinearOpening:
    """correction = bias + Σ weights[i] · cue[i] (the cues' standardisation folded in)."""

    bias: float
    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.weights) != len(CUES):
            raise ValueError(f"LinearOpening needs {len(CUES)} weights, got {len(self.weights)}")
        object.__setattr__(self, "_weights", np.asarray(self.weights, np.float64))   # not a field: kept out of ==

    def read(self, cues: np.ndarray) -> np.ndarray:
        """The correction for each row of an (n, len(CUES)) block of cue vectors. A row-wise
        reduction, not a matrix product: BLAS would round differently for different block sizes."""
        return self.bias + np.add.reduce(cues * self._weights, axis=1)


@dataclass(frozen=True)
class PhoneOpening:
    """phone part = Σ_v weights[v] · posterior[v], over the phone loop's viseme posteriors (VISEMES order).

    The acoustic cues cannot tell a /p/ from a /t/ or an /a/ from a loud /e/ by themselves; the
    phone's name can, so each viseme class gets its own shift of the opening, in the same units as
    the other halves."""

    weights: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.weights) != len(VISEMES):
            raise ValueError(f"PhoneOpening needs {len(VISEMES)} weights (one per viseme), got {len(self.weights)}")
        object.__setattr__(self, "_weights", np.asarray(self.weights, np.float64))

    def read(self, posteriors: np.ndarray) -> np.ndarray:
        """The phone part for each row of an (n, len(VISEMES)) block of posteriors (row-wise, as above)."""
        return np.add.reduce(posteriors * self._weights, axis=1)
