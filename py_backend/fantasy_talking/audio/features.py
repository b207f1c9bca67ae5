"""Frame-level speech features at 100 Hz, computed incrementally.

Frame j describes the 25 ms window centred on sample j·160 (time j/100 s). Every feature
depends only on that window, so chunked streaming and whole-clip analysis give identical
numbers, and frame j is ready once audio up to j·160 + 200 samples has arrived.
The one exception is the voice-activity decision: WebRTC's VAD (a Gaussian-mixture model of
sub-band energies that adapts to the background) judges the central 10 ms of each window and
keeps state from frame to frame; since every frame is judged exactly once and in order, any
chunking still gives the same decisions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft
import webrtcvad

from fantasy_talking.audio.decode import SAMPLE_RATE

HOP = 160                     # 10 ms
WINDOW = 400                  # 25 ms
HALF = WINDOW // 2
FEATURE_RATE = SAMPLE_RATE // HOP
NFFT = 1024                   # long enough that autocorrelation up to the longest pitch lag does not wrap
MIN_F0, MAX_F0 = 70.0, 420.0

_FREQS = np.fft.rfftfreq(NFFT, 1.0 / SAMPLE_RATE)
_HANN = np.hanning(WINDOW).astype(np.float32)
_BANDS = ((80, 350), (350, 1000), (1000, 2800), (3500, 8000))   # low, mid, upper, high
N_MEL = 24                    # mel bands of mel_db (24, 32 or 40 compared leave-one-clip-out: 24)
MEL_RANGE_HZ = (80.0, 7800.0)
VAD_MODE = 3                  # WebRTC VAD aggressiveness 0..3: 3 rejects breath and room noise (measured: README)


def _bins(lo: float, hi: float) -> slice:
    """FFT bins with lo <= frequency < hi."""
    return slice(int(np.searchsorted(_FREQS, lo)), int(np.searchsorted(_FREQS, hi)))


_BAND_BINS = [_bins(lo, hi) for lo, hi in _BANDS]
# Start and stop of every band, for one reduceat call whose even columns are the band sums.
_BAND_EDGES = np.array([edge for b in _BAND_BINS for edge in (b.start, b.stop)])


def _mel_starts() -> np.ndarray:
    """First FFT bin of each of N_MEL bands evenly spaced on the mel scale, plus the end of the last."""
    lo, hi = (2595 * np.log10(1 + f / 700) for f in MEL_RANGE_HZ)
    edges = 700 * (10 ** (np.linspace(lo, hi, N_MEL + 1) / 2595) - 1)
    starts = np.searchsorted(_FREQS, edges)
    return np.maximum(starts, np.arange(N_MEL + 1) + starts[0])   # at least one bin per band


# reduceat's column k sums bins starts[k]..starts[k+1]; the last column (beyond MEL_RANGE_HZ) is dropped.
_MEL_STARTS = _mel_starts()
_F1_BINS, _F2_BINS = _bins(300, 1200), _bins(900, 2800)
_LAG_MIN = int(SAMPLE_RATE / MAX_F0)
_LAG_MAX = int(SAMPLE_RATE / MIN_F0)
# Autocorrelation of the window itself, to undo its taper when normalising lags.
_WIN_AC = np.correlate(_HANN, _HANN, mode="full")[WINDOW - 1:]
_WIN_AC_NORM = _WIN_AC[: _LAG_MAX + 1] / _WIN_AC[0]


@dataclass
class Features:
    """A block of feature frames; every array has one entry per frame."""

    level_db: np.ndarray    # window power, dBFS
    band_db: np.ndarray     # (n, 4) power in the low, mid, upper and high bands, dB
    f1_hz: np.ndarray       # peak-weighted centroid of 300–1200 Hz: tracks the first formant (jaw height)
    f2_hz: np.ndarray       # power centroid of 900–2800 Hz: tracks the second formant (lip rounding)
    hf_ratio: np.ndarray    # share of power above 3.5 kHz: fricatives and bursts
    voicing: np.ndarray     # peak normalised autocorrelation in the pitch range, 0..1
    f0_hz: np.ndarray       # pitch where voiced, else 0
    vad: np.ndarray         # WebRTC VAD's decision for the central 10 ms: 1 speech, 0 not
    mel_db: np.ndarray | None = None
    """(n, N_MEL) power in mel-spaced bands, dB: the spectral envelope the learned opening reads
    (articulation/spectral_opening.py); None for frames made without a spectrum (cue tests)."""

    def __len__(self) -> int:
        return len(self.level_db)

    @staticmethod
    def empty() -> "Features":
        shapes = {"band_db": (0, 4), "mel_db": (0, N_MEL)}
        return Features(*(np.zeros(shapes.get(f, 0), np.float32) for f in Features.__dataclass_fields__))


def analyse_windows(windows: np.ndarray, vad: np.ndarray | None = None) -> Features:
    """Features of (n, WINDOW) sample windows, with the VAD decisions made for them (default: speech)."""
    tapered = windows * _HANN
    tapered -= np.add.reduce(tapered, axis=1, keepdims=True) / WINDOW   # the mean, without np.mean's overhead
    spectrum = scipy.fft.rfft(tapered, NFFT, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2 + 1e-12
    total = np.add.reduce(power, axis=1)
    # Plain row sums, not BLAS products: their rounding must not depend on how many frames a
    # chunk holds, so that any chunking of a stream gives bit-identical features.
    bands = np.add.reduceat(power, _BAND_EDGES, axis=1)[:, ::2]
    level_db = 10 * np.log10(np.add.reduce(tapered ** 2, axis=1) / WINDOW + 1e-10) + 4.26  # +4.26 dB: Hann loss
    band_db = 10 * np.log10(bands)
    mel_db = 10 * np.log10(np.add.reduceat(power, _MEL_STARTS, axis=1)[:, :N_MEL])
    # Squared power pulls the centroid towards the strongest peak, i.e. the formant, and away
    # from the pitch harmonics a plain centroid averages in.
    peaks = power[:, _F1_BINS] ** 2
    f1 = np.add.reduce(peaks * _FREQS[_F1_BINS], axis=1) / np.add.reduce(peaks, axis=1)
    upper = power[:, _F2_BINS]
    f2 = np.add.reduce(upper * _FREQS[_F2_BINS], axis=1) / np.add.reduce(upper, axis=1)
    hf_ratio = bands[:, 3] / total

    ac = scipy.fft.irfft(power, NFFT, axis=1)[:, : _LAG_MAX + 1]
    ac = ac / (ac[:, :1] + 1e-12) / _WIN_AC_NORM
    seg = ac[:, _LAG_MIN:_LAG_MAX]
    best = np.argmax(seg, axis=1)
    voicing = np.minimum(np.maximum(np.maximum.reduce(seg, axis=1), 0.0), 1.0)
    voicing = np.where(level_db > -60, voicing, 0.0)
    f0 = np.where(voicing > 0.45, SAMPLE_RATE / (best + _LAG_MIN), 0.0)
    vad = np.ones(len(windows)) if vad is None else vad
    return Features(*(a.astype(np.float32, copy=False)
                      for a in (level_db, band_db, f1, f2, hf_ratio, voicing, f0, vad, mel_db)))


class FeatureStream:
    """Turns audio pushed in any chunk sizes into feature frames, in order, exactly once each."""

    def __init__(self) -> None:
        self._buffer = np.zeros(HALF, np.float32)   # the window of frame 0 starts 200 samples before t=0
        self._vad = webrtcvad.Vad(VAD_MODE)

    def push(self, samples: np.ndarray) -> Features:
        """Append 16 kHz samples; return the feature frames that became complete."""
        if len(samples):
            self._buffer = np.concatenate([self._buffer, samples.astype(np.float32, copy=False)])
        n = 0 if len(self._buffer) < WINDOW else (len(self._buffer) - WINDOW) // HOP + 1
        if n == 0:
            return Features.empty()
        step = self._buffer.strides[0]
        # Overlapping windows as a view (np.ndarray over the buffer: a fraction of as_strided's cost).
        windows = np.ndarray((n, WINDOW), np.float32, buffer=self._buffer, strides=(HOP * step, step))
        # The VAD judges the central 10 ms of each window, i.e. consecutive 10 ms blocks of the buffer.
        start = HALF - HOP // 2
        centre = self._buffer[start:start + n * HOP]
        pcm = (np.minimum(np.maximum(centre, -1.0), 1.0) * 32767).astype("<i2").tobytes()
        is_speech, size = self._vad.is_speech, 2 * HOP
        vad = np.array([is_speech(pcm[i:i + size], SAMPLE_RATE) for i in range(0, n * size, size)], np.float32)
        features = analyse_windows(windows, vad)
        self._buffer = self._buffer[n * HOP:]
        return features
