"""The learned opening's spectral half: a linear read-out of the speaker-normalised mel spectrum.

The rules' cues (loudness, F1 centroid, tilt, …) each compress the spectrum into one number; the
spectral envelope itself (`Features.mel_db`, 24 mel bands) says more about how far the mouth is
open: a lowered jaw raises F1 and lifts the 500–1000 Hz bands against the 200–400 Hz ones, closing
lips take the energy above 1 kHz away, and their transitions over the last few tens of
milliseconds show the mouth opening or closing. Two steps make that readable across speakers:

1. **Speaker normalisation.** Each band is taken relative to the speaker's own mean over the
   voiced speech heard so far (a cumulative mean, started from `prior_db` with the weight of
   PRIOR_FRAMES frames), so the voice's colour, the microphone and the gain cancel out. Being a
   running sum it streams, and carrying the sums as the first row of the next block's cumulative
   sum keeps every addition in the same order whatever the chunking: bit-identical output.
2. **A short causal context.** The normalised spectra of the current frame and a few past frames
   (`offsets`, in 10 ms frames, all ≤ 0) are stacked, so the read-out needs no audio beyond the
   current frame and the engine's look-ahead is unchanged (its anticipation and smoothing already
   look ahead of the frame shown).

`SpectralOpening` holds the read-out (written to `opening_weights.py` by
`tools/eval/train_opening.py`, fitted jointly with the cue read-out of `opening_model.py`);
`SpectralStream` applies it to a stream, block by block. The two halves add up to one
standardised correction that `acoustic.py` applies while speech is active.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fantasy_talking.audio.features import N_MEL, Features

PRIOR_FRAMES = 30.0
"""Weight, in voiced frames, of the prior mean spectrum against the speaker's own frames."""


def voiced_frames(f: Features) -> np.ndarray:
    """Frames that update the speaker's mean spectrum: the VAD calls them speech and they are voiced."""
    return ((f.vad > 0.5) & (f.voicing > 0.6)).astype(np.float64)


@dataclass(frozen=True)
class SpectralOpening:
    """spectral part = Σ_o Σ_b weights[o][b] · z[t + offsets[o], b], z the speaker-normalised mel_db."""

    offsets: tuple[int, ...]
    prior_db: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]

    def __post_init__(self) -> None:
        if any(o > 0 for o in self.offsets):
            raise ValueError(f"SpectralOpening reads only past frames (offsets <= 0), got {self.offsets}")
        if len(self.prior_db) != N_MEL or len(self.weights) != len(self.offsets) \
                or any(len(row) != N_MEL for row in self.weights):
            raise ValueError(f"SpectralOpening needs {N_MEL} bands per offset and a prior of {N_MEL}")

    @property
    def depth(self) -> int:
        """Past frames the context reaches back."""
        return -min(self.offsets, default=0)


class SpectralStream:
    """Normalises and stacks a stream's mel spectra, block by block; with a model, reads it out."""

    def __init__(self, model: SpectralOpening | None = None, prior_db: np.ndarray | None = None,
                 offsets: tuple[int, ...] = (0,)) -> None:
        prior = np.asarray(model.prior_db if model is not None else prior_db, np.float64)
        self.offsets = model.offsets if model is not None else offsets
        self._depth = -min(self.offsets, default=0)
        # The running sums of the voiced frames' spectra, then their count, prior included.
        self._sums = np.append(PRIOR_FRAMES * prior, PRIOR_FRAMES)
        self._history = np.zeros((self._depth, N_MEL))   # before the stream: the speaker's mean
        if model is not None:
            self._weights = np.concatenate([np.asarray(row, np.float64) for row in model.weights] or [np.zeros(0)])

    @property
    def mean_db(self) -> np.ndarray:
        """The speaker's mean spectrum so far (the prior before any voiced frame)."""
        return self._sums[:N_MEL] / self._sums[N_MEL]

    def normalised(self, f: Features) -> np.ndarray:
        """(n, N_MEL): each frame's mel_db minus the speaker's mean spectrum so far (its own frame included)."""
        gate = voiced_frames(f)
        sums = np.empty((len(f) + 1, N_MEL + 1))
        sums[0] = self._sums
        np.multiply(f.mel_db, gate[:, None], out=sums[1:, :N_MEL])
        sums[1:, N_MEL] = gate
        np.cumsum(sums, axis=0, out=sums)   # sequential: the same additions in any chunking
        self._sums = sums[-1].copy()
        return f.mel_db - sums[1:, :N_MEL] / sums[1:, N_MEL:]

    def stacked(self, f: Features) -> np.ndarray:
        """(n, len(offsets)·N_MEL): the normalised spectra at every offset, offset by offset."""
        z = np.concatenate([self._history, self.normalised(f)])
        n = len(f)
        out = np.concatenate([z[self._depth + o: self._depth + o + n] for o in self.offsets] or [z[:n, :0]], axis=1)
        if self._depth:
            self._history = z[-self._depth:]
        return out

    def read(self, f: Features) -> np.ndarray:
        """The model's spectral part per frame; zeros for frames without a spectrum.

        A row-wise reduction, not a matrix product: BLAS would round differently for different
        block sizes, and streamed output must equal offline output bit for bit."""
        if f.mel_db is None:
            return np.zeros(len(f))
        return np.add.reduce(self.stacked(f) * self._weights, axis=1)
