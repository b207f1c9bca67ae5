"""Streaming viseme posteriors: a small frame classifier that hears which phone class is spoken.

The acoustic path (acoustic.py) reads the mouth from loudness and formants and knows nothing of
phone identity; this module adds it, cheaply and for every language it was trained on:
- a 24-band log-mel spectrum per 10 ms feature frame, framed exactly like audio.features (frame j
  is the 25 ms window centred on sample j·160), so it lines up with the acoustic track;
- each band minus the speaker's running mean over speech frames (causal cepstral-mean-style
  normalisation: the microphone's colour and the voice's level cancel out), then the first
  N_CEPSTRA cepstra of that (the envelope, without a high voice's resolved harmonics);
- a causal context of CONTEXT frames (the last 200 ms), plus voicing and the high-band share
  from audio.features, into a two-layer perceptron with a softmax over the 15 viseme classes
  of rig.VISEMES.
Causal means a frame's posterior is ready as soon as its own feature frame is, so the phone path
adds no latency to the stream: the look-ahead is the acoustic path's, unchanged.

The weights (`phone_model.npz`, a few hundred kB, shipped in the package) are trained by
`tools/train_phones.py` on espeak-ng and Festival speech in a dozen languages with the
synthesisers' own phone times, with noise, level, colour and reverberation augmentation.
Every product is an `np.einsum` (no BLAS), whose rounding does not depend on how many frames a
call holds, so any chunking of a stream gives bit-identical posteriors.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.fft

from fantasy_talking.audio.decode import SAMPLE_RATE
from fantasy_talking.audio.features import HALF, HOP, WINDOW, Features

MODEL_PATH = Path(__file__).with_name("phone_model.npz")
N_MELS = 24
N_CEPSTRA = 13                         # the spectral envelope without the harmonics of high voices
MEL_NFFT = 512
MEL_RANGE_HZ = (100.0, 7600.0)
CONTEXT = (0, 1, 2, 3, 4, 6, 8, 10, 13, 16, 20)   # frames back from the current one that the classifier sees
SPEAKER_RATE = 0.01                    # per speech frame: the running band means adapt over ~1 s
FLOOR_DB = -100.0

_HANN = np.hanning(WINDOW).astype(np.float32)


def _mel_filterbank() -> np.ndarray:
    """(MEL_NFFT // 2 + 1, N_MELS) triangular filters, equally spaced on the mel scale."""
    def mel(hz):
        return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)

    def hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(MEL_RANGE_HZ[0]), mel(MEL_RANGE_HZ[1]), N_MELS + 2))
    freqs = np.fft.rfftfreq(MEL_NFFT, 1.0 / SAMPLE_RATE)
    bank = np.zeros((len(freqs), N_MELS), np.float32)
    for k in range(N_MELS):
        lo, mid, hi = edges[k], edges[k + 1], edges[k + 2]
        rising = (freqs - lo) / (mid - lo)
        falling = (hi - freqs) / (hi - mid)
        bank[:, k] = np.maximum(0.0, np.minimum(rising, falling))
    return bank / bank.sum(axis=0, keepdims=True)


_MEL_BANK = _mel_filterbank()
# DCT-II rows 0..N_CEPSTRA-1 (orthonormal): log-mel → cepstra, dropping the fine detail that
# resolved pitch harmonics put into the low bands of a high voice.
_DCT = (np.cos(np.pi / N_MELS * (np.arange(N_MELS)[:, None] + 0.5) * np.arange(N_CEPSTRA)[None, :])
        * np.sqrt(2.0 / N_MELS)).astype(np.float32)
_DCT[:, 0] /= np.sqrt(2.0)


class LogMelStream:
    """Audio pushed in any chunk sizes → log-mel frames (dB) on audio.features' frame grid."""

    def __init__(self) -> None:
        self._buffer = np.zeros(HALF, np.float32)   # as FeatureStream: frame 0's window starts at -HALF

    def push(self, samples: np.ndarray) -> np.ndarray:
        if len(samples):
            self._buffer = np.concatenate([self._buffer, samples.astype(np.float32, copy=False)])
        n = 0 if len(self._buffer) < WINDOW else (len(self._buffer) - WINDOW) // HOP + 1
        if n == 0:
            return np.zeros((0, N_MELS), np.float32)
        step = self._buffer.strides[0]
        windows = np.ndarray((n, WINDOW), np.float32, buffer=self._buffer, strides=(HOP * step, step))
        self._buffer = self._buffer[n * HOP:]
        return log_mel(windows)


def log_mel(windows: np.ndarray) -> np.ndarray:
    """(n, WINDOW) samples → (n, N_MELS) band levels in dB."""
    spectrum = scipy.fft.rfft(windows * _HANN, MEL_NFFT, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    bands = np.einsum("ij,jk->ik", power.astype(np.float32), _MEL_BANK)
    return np.maximum(10.0 * np.log10(bands + 1e-10), FLOOR_DB).astype(np.float32)


class PhoneModel:
    """The trained perceptron: weights and the input normalisation it was trained with."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path) as data:
            self.w1, self.b1 = data["w1"], data["b1"]
            self.w2, self.b2 = data["w2"], data["b2"]
            self.w3, self.b3 = data["w3"], data["b3"]
            self.mean, self.scale = data["mean"], data["scale"]
            self.band_mean = data["band_mean"]
            self.classes = tuple(str(c) for c in data["classes"])

    def posteriors(self, inputs: np.ndarray) -> np.ndarray:
        """(n, inputs) → (n, classes) probabilities."""
        x = (inputs - self.mean) * self.scale
        h = np.maximum(np.einsum("ij,jk->ik", x, self.w1) + self.b1, 0.0)
        h = np.maximum(np.einsum("ij,jk->ik", h, self.w2) + self.b2, 0.0)
        logits = np.einsum("ij,jk->ik", h, self.w3) + self.b3
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


@lru_cache(maxsize=1)
def phone_model() -> PhoneModel:
    """The shipped model, loaded once per process (read-only, so threads share it)."""
    return PhoneModel()


def n_inputs() -> int:
    """Length of one frame's classifier input."""
    return N_CEPSTRA * len(CONTEXT) + 3


class PhoneInputs:
    """The classifier's front end: audio and its feature frames in, one input row per frame out.

    Carries the speaker normalisation and the context history from call to call; frame by
    frame in order, so any chunking gives the same rows."""

    def __init__(self, band_mean: np.ndarray) -> None:
        self._mel = LogMelStream()
        self._speaker_mean = np.asarray(band_mean, np.float32).copy()
        # Before the stream starts there is digital silence: the floor, normalised like any frame.
        silence = np.einsum("j,jk->k", FLOOR_DB - self._speaker_mean, _DCT)
        self._history = np.tile(silence, (max(CONTEXT), 1)).astype(np.float32)

    def push(self, samples: np.ndarray, features: Features) -> np.ndarray:
        """Samples just given to a FeatureStream and the frames it returned → (n, n_inputs()) rows."""
        mel = self._mel.push(samples)
        if len(mel) != len(features):
            raise RuntimeError(f"phone stream out of step: {len(mel)} mel frames for {len(features)} features")
        mean = self._speaker_mean
        normalised = np.empty_like(mel)
        for j, (row, speech) in enumerate(zip(mel, features.vad.tolist())):
            if speech > 0.5:
                mean = mean + SPEAKER_RATE * (row - mean)
            normalised[j] = row - mean
        self._speaker_mean = mean.astype(np.float32)
        depth, n = len(self._history), len(mel)
        track = np.concatenate([self._history, np.einsum("ij,jk->ik", normalised, _DCT)])
        columns = [track[depth - back:depth - back + n] for back in CONTEXT]
        extra = np.stack([features.voicing, features.hf_ratio, features.vad], axis=1)
        self._history = track[len(track) - depth:]
        return np.concatenate(columns + [extra], axis=1).astype(np.float32)


class PhoneStream:
    """Audio and its feature frames in, one viseme posterior (rig.VISEMES order) per feature frame out."""

    def __init__(self, model: PhoneModel | None = None) -> None:
        self.model = model or phone_model()
        self._inputs = PhoneInputs(self.model.band_mean)

    def push(self, samples: np.ndarray, features: Features) -> np.ndarray:
        """Samples just given to a FeatureStream and the frames it returned → (n, 15) posteriors."""
        inputs = self._inputs.push(samples, features)
        if len(inputs) == 0:
            return np.zeros((0, len(self.model.classes)), np.float32)
        return self.model.posteriors(inputs)
