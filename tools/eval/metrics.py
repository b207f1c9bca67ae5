"""Lip-sync metrics: lagged correlation, speech segments and lip-closure recall.

Lag convention (one for every report): positive lag = the prediction is late, i.e. it must be
shifted earlier by `lag` frames to match the truth. r(lag) correlates truth[t] with pred[t + lag].
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_LAG = 5
CLOSURE_TOLERANCE = 1
# Chance level of the closure scores: the same closures moved this many times to a wrong time,
# by circular shifts spread evenly over the clip, none shorter than CHANCE_MIN_SHIFT_S.
CHANCE_SHIFTS = 16
CHANCE_MIN_SHIFT_S = 1.0
# A signal counts as "closed" below this fraction of its own 2nd..98th percentile range.
CLOSED_FRACTION_OF_RANGE = 0.2


@dataclass(frozen=True)
class Scores:
    """One predictor against one truth."""

    r0: float
    best_r: float
    best_lag: int
    closure_recall: float
    closures: int
    closed_share: float
    lag_r: tuple[float, ...] = ()
    """r at every lag from −MAX_LAG to +MAX_LAG."""
    closure_precision: float = float("nan")
    """Share of the prediction's closures inside speech that the truth also closes (±1 frame):
    the check that recall is earned, not bought by keeping the mouth shut."""
    width_r: float = float("nan")
    """Best-lag r of the predicted lip spread against the measured (detrended) inner-lip width;
    NaN when the truth or the predictor has no width."""
    predicted_closures: int = 0
    """How many closures the prediction makes inside speech (what precision counts)."""
    speech_r: float = float("nan")
    """Best-lag r over the frames inside speech only (the audio's own speech mask): how well the
    mouth follows the talking, apart from what it does in pauses and before the first word."""
    chance_recall: float = float("nan")
    chance_precision: float = float("nan")
    """Closure recall and precision of the same closed frames at the wrong time (`closure_chance`): what
    the closure scores give for the number and length of the closures alone, without their timing."""
    seal_recall: float = float("nan")
    seal_precision: float = float("nan")
    seals: int = 0
    seal_chance_precision: float = float("nan")
    """The same closure scores for the frames where the predictor seals the lips (not its aperture's
    bottom fifth), with the chance precision of those seals moved in time; NaN and 0 for predictors
    that do not say where the lips meet."""

    def as_dict(self) -> dict:
        return {
            "r_lag0": self.r0, "best_lag_r": self.best_r, "best_lag": self.best_lag,
            "closure_recall": self.closure_recall, "closures": self.closures,
            "closed_share": self.closed_share, "closure_precision": self.closure_precision,
            "predicted_closures": self.predicted_closures,
            "width_r": self.width_r, "speech_r": self.speech_r, "r_by_lag": list(self.lag_r),
            "chance_recall": self.chance_recall, "chance_precision": self.chance_precision,
            "seal_recall": self.seal_recall, "seal_precision": self.seal_precision, "seals": self.seals,
            "seal_chance_precision": self.seal_chance_precision,
        }


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r over the frames where both are finite; NaN when either is constant."""
    mask = np.isfinite(a) & np.isfinite(b)
    if mask.sum() < 3:
        return float("nan")
    x, y = a[mask] - a[mask].mean(), b[mask] - b[mask].mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 0 else float("nan")


def lagged_r(truth: np.ndarray, pred: np.ndarray, lag: int) -> float:
    """r between truth[t] and pred[t + lag] over their overlap."""
    n = min(len(truth), len(pred))
    t, p = truth[:n], pred[:n]
    if lag >= 0:
        return pearson(t[: n - lag], p[lag:])
    return pearson(t[-lag:], p[: n + lag])


def lag_curve(truth: np.ndarray, pred: np.ndarray, max_lag: int = MAX_LAG) -> dict[int, float]:
    return {lag: lagged_r(truth, pred, lag) for lag in range(-max_lag, max_lag + 1)}


def best_lag(truth: np.ndarray, pred: np.ndarray, max_lag: int = MAX_LAG) -> tuple[int, float]:
    """The lag in ±max_lag with the highest r (ties go to the smaller |lag|)."""
    curve = lag_curve(truth, pred, max_lag)
    finite = {k: v for k, v in curve.items() if np.isfinite(v)}
    if not finite:
        return 0, float("nan")
    lag = max(finite, key=lambda k: (finite[k], -abs(k)))
    return lag, finite[lag]


def closed_mask(signal: np.ndarray, fraction: float = CLOSED_FRACTION_OF_RANGE) -> np.ndarray:
    """Frames where a signal sits in the bottom `fraction` of its own robust range."""
    finite = signal[np.isfinite(signal)]
    if finite.size == 0:
        return np.zeros(len(signal), dtype=bool)
    lo, hi = np.percentile(finite, [2, 98])
    with np.errstate(invalid="ignore"):
        return np.isfinite(signal) & (signal <= lo + fraction * (hi - lo))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [start, end) index ranges where mask is True."""
    padded = np.concatenate([[False], mask.astype(bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def speech_mask(samples: np.ndarray, sample_rate: int, fps: float, n_frames: int,
                floor_db: float = 25.0, min_gap_s: float = 0.25, min_speech_s: float = 0.1) -> np.ndarray:
    """Frames inside speech: RMS within `floor_db` of the loud frames (95th percentile), short gaps bridged.

    Gaps shorter than `min_gap_s` are stop closures and breaths inside speech, so they stay in.
    """
    rms = frame_rms(samples, sample_rate, fps, n_frames)
    db = 20 * np.log10(rms + 1e-9)
    mask = db > np.percentile(db, 95) - floor_db
    for start, end in runs(~mask):
        if start > 0 and end < n_frames and (end - start) / fps < min_gap_s:
            mask[start:end] = True
    for start, end in runs(mask):
        if (end - start) / fps < min_speech_s:
            mask[start:end] = False
    return mask


def frame_rms(samples: np.ndarray, sample_rate: int, fps: float, n_frames: int,
              window_s: float = 0.04) -> np.ndarray:
    """RMS of a window centred on each frame time i/fps."""
    half = int(window_s * sample_rate / 2)
    centres = (np.arange(n_frames) * sample_rate / fps).astype(int)
    padded = np.pad(samples.astype(np.float64), (half, half))
    sq = np.concatenate([[0.0], np.cumsum(padded * padded)])
    lo = np.clip(centres, 0, len(padded))
    hi = np.clip(centres + 2 * half, 0, len(padded))
    return np.sqrt((sq[hi] - sq[lo]) / np.maximum(hi - lo, 1))


def closure_recall(truth_closed: np.ndarray, pred_closed: np.ndarray, speech: np.ndarray,
                   tolerance: int = CLOSURE_TOLERANCE) -> tuple[float, int]:
    """Share of true closures inside speech that the prediction also closes within ±tolerance frames.

    A closure is a run of closed truth frames that lies inside speech; it is hit when the
    prediction is closed on any frame from start−tolerance to end−1+tolerance.
    """
    n = min(len(truth_closed), len(pred_closed), len(speech))
    events = runs(truth_closed[:n] & speech[:n])
    if not events:
        return float("nan"), 0
    hits = sum(bool(pred_closed[max(0, s - tolerance): min(n, e + tolerance)].any()) for s, e in events)
    return hits / len(events), len(events)


def closure_chance(truth_closed: np.ndarray, pred_closed: np.ndarray, speech: np.ndarray, fps: float,
                   shifts: int = CHANCE_SHIFTS, min_shift_s: float = CHANCE_MIN_SHIFT_S) -> tuple[float, float]:
    """Closure recall and precision of the prediction's closed frames shifted in time (circularly,
    by `shifts` offsets spread evenly between `min_shift_s` and the clip's length less that),
    events pooled over the shifts: the scores its closures earn by their number and length alone.

    The event scores are generous to long and frequent closures (a run is a hit when the other
    signal closes on any frame of it ±1 frame), so a precision means something only against this
    level; a prediction whose closures carry timing scores above it."""
    n = min(len(truth_closed), len(pred_closed), len(speech))
    lo = int(round(min_shift_s * fps))
    if n - 2 * lo < 1:
        return float("nan"), float("nan")
    offsets = np.unique(np.linspace(lo, n - lo, shifts).round().astype(int))
    truth, speaking = truth_closed[:n], speech[:n]
    hits = np.zeros(2)
    events = np.zeros(2)
    for offset in offsets:
        moved = np.roll(pred_closed[:n], offset)
        for k, (rate, count) in enumerate((closure_recall(truth, moved, speaking),
                                           closure_recall(moved, truth, speaking))):
            if count:
                hits[k] += rate * count
                events[k] += count
    recall, precision = (hits / np.maximum(events, 1)).tolist()
    return (recall if events[0] else float("nan")), (precision if events[1] else float("nan"))


def score(truth: np.ndarray, pred: np.ndarray, truth_closed: np.ndarray, speech: np.ndarray,
          max_lag: int = MAX_LAG, truth_width: np.ndarray | None = None,
          pred_spread: np.ndarray | None = None, fps: float | None = None,
          pred_sealed: np.ndarray | None = None) -> Scores:
    """All metrics of one predictor (a per-frame aperture, optionally a lip spread and the frames
    where it seals the lips) against one truth; with the frame rate (`fps`) also the closures'
    chance level."""
    n = min(len(truth), len(pred))
    truth, pred = truth[:n], pred[:n]
    curve = lag_curve(truth, pred, max_lag)
    lag, r_best = best_lag(truth, pred, max_lag)
    pred_closed = closed_mask(pred)
    recall, count = closure_recall(truth_closed[:n], pred_closed, speech[:n])
    precision, predicted = closure_recall(pred_closed, truth_closed[:n], speech[:n])
    in_speech = speech[:n]
    share = float(pred_closed[in_speech].mean()) if in_speech.any() else float("nan")
    speaking_truth = np.where(in_speech, truth, np.nan)
    speech_r = best_lag(speaking_truth, pred, max_lag)[1] if in_speech.sum() >= 3 else float("nan")
    width_r = float("nan")
    if truth_width is not None and pred_spread is not None:
        width_r = best_lag(truth_width[:n], pred_spread[:n], max_lag)[1]
    chance = closure_chance(truth_closed[:n], pred_closed, in_speech, fps) if fps else (float("nan"),) * 2
    seal = (float("nan"), float("nan"), 0, float("nan"))
    if pred_sealed is not None:
        sealed = np.asarray(pred_sealed[:n], bool)
        seal_precision, seals = closure_recall(sealed, truth_closed[:n], in_speech)
        seal_chance = closure_chance(truth_closed[:n], sealed, in_speech, fps)[1] if fps else float("nan")
        seal = (closure_recall(truth_closed[:n], sealed, in_speech)[0], seal_precision, seals, seal_chance)
    return Scores(curve[0], r_best, lag, recall, count, share, tuple(curve.values()), precision, width_r, predicted,
                  speech_r, *chance, *seal)


def common_lag(curves: list[tuple[float, ...]], max_lag: int = MAX_LAG) -> tuple[int, float]:
    """One lag for a whole set of clips: the one with the highest median r across them."""
    table = np.array([c for c in curves if len(c) == 2 * max_lag + 1], dtype=np.float64)
    if table.size == 0:
        return 0, float("nan")
    with np.errstate(all="ignore"):
        medians = np.nanmedian(table, axis=0)
    if not np.isfinite(medians).any():
        return 0, float("nan")
    lags = np.arange(-max_lag, max_lag + 1)
    best = max(np.flatnonzero(np.isfinite(medians)), key=lambda i: (medians[i], -abs(lags[i])))
    return int(lags[best]), float(medians[best])


# How sure a figure over a handful of clips is: bootstrap intervals over the clips (scipy's).
CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 0


@dataclass(frozen=True)
class Comparison:
    """One predictor against another over the same clips, clip by clip."""

    mean_difference: float
    low: float
    high: float
    """The CONFIDENCE bootstrap interval of the mean difference (clips resampled in pairs)."""
    wins: int
    """Clips where the first scores higher."""
    clips: int


def median_interval(values: list[float]) -> tuple[float, float]:
    """The CONFIDENCE bootstrap interval of the median over clips (percentile method: with 5–10
    clips the median's resamples are too lumpy for BCa). With seven clips the median is one clip's
    score, and this says how far another seven like them could move it."""
    from scipy.stats import bootstrap

    finite = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    if finite.size < 2 or np.ptp(finite) == 0:
        return (float(finite[0]),) * 2 if finite.size else (float("nan"),) * 2
    ci = bootstrap((finite,), np.median, confidence_level=CONFIDENCE, n_resamples=BOOTSTRAP_RESAMPLES,
                   method="percentile", random_state=BOOTSTRAP_SEED).confidence_interval
    return float(ci.low), float(ci.high)


def compare(first: list[float], second: list[float]) -> Comparison:
    """`first` against `second` on the same clips: the mean of their per-clip differences with its
    bootstrap interval, and on how many clips `first` is higher. Pairing removes how hard each clip
    is, which dominates the spread of either predictor's scores."""
    from scipy.stats import bootstrap

    pairs = [(a, b) for a, b in zip(first, second) if np.isfinite(a) and np.isfinite(b)]
    if not pairs:
        return Comparison(float("nan"), float("nan"), float("nan"), 0, 0)
    a, b = (np.asarray(v, dtype=np.float64) for v in zip(*pairs))
    difference = float(np.mean(a - b))
    if len(pairs) < 2 or np.ptp(a - b) == 0:
        low = high = difference
    else:
        ci = bootstrap((a, b), lambda x, y, axis=-1: np.mean(x - y, axis=axis), paired=True, vectorized=True,
                       confidence_level=CONFIDENCE, n_resamples=BOOTSTRAP_RESAMPLES, method="percentile",
                       random_state=BOOTSTRAP_SEED).confidence_interval
        low, high = float(ci.low), float(ci.high)
    return Comparison(difference, low, high, int(np.sum(a > b)), len(pairs))
