"""Can lip contact be read from the spectrum? Leave-one-clip-out closures and r of candidate lip seals.

    .venv/bin/python tools/eval/closure_experiment.py               # about two minutes
    .venv/bin/python tools/eval/closure_experiment.py --objective r

The rules decide lip contact from the jaw's opening and the loudness (acoustic.py), and their
closures score no better than the same closures moved to a wrong time (metrics.closure_chance);
the lips are in the bottom fifth of their range (the metric's "closed") in about half the speech
frames, the videos' in a sixth. This script asks, nested leave-one-clip-out, whether any of these
designs does better held out:

- a learned seal: a ridge read-out of the speaker-normalised mel spectrum over a causal context
  (spectral_opening.SpectralStream) and the 14 cues, fitted to the videos' closed frames
  (metrics.closed_mask, put on the feature clock at the anticipated position and the clip's
  audio-video offset, as train_opening does for the opening), ramped to 0..1 between two
  thresholds on its output, in place of the rules' seal while speech is active;
- a jaw floor: with the lips apart during speech, the jaw does not fall below FLOOR ("hover");
- an unvoiced gate: frames neither voiced nor fricative (stop gaps, pauses, breath) shut the jaw
  by a share UNVOICED;
- a quiet gate: frames more than QUIET dB under the speaker's running peak shut the jaw (the
  pause inside woman_8s opens our mouth: 25–35 dB under her peak, yet far above a clean room's floor).

Per clip, the engine's articulators come with the learned opening refitted without that clip
(train_opening.fold_models), and the aperture is rebuilt from them in numpy (`aperture`: smoothed
like the engine, read at the anticipated position; r 0.994–0.996 against the engine's own). For
each held-out clip, every candidate is fitted on all but one of the other clips and scored on that
one; the candidate with the best objective over those inner folds is scored on the held-out clip,
fitted on all the others (`nested`). Objective: the median best-lag r plus the pooled closure
precision above its chance level, among candidates whose pooled recall stays >= 0.8 (`--objective
r`: the median r alone, a second look run after the first). Nothing about a held-out clip informs
what is scored on it.

Result (7 shared videos, 2026-11-30): none beats the shipped engine held out. Shipped (rules seal,
opening refitted per fold) median r 0.532, pooled closure precision 0.69 at recall 0.86 (chance
0.68); nested over every design 0.493, precision 0.71 at recall 0.84 (chance 0.69); `--family
seal` 0.532 (precision 0.71, chance 0.69), `--family jaw` 0.532 (0.68, chance 0.68), `--family
power` keeps the shipped engine in every fold, `--family quantile` 0.532; with `--objective r`
0.493. Fitted without the scored clip but picked on all clips, the learned seal reaches a median of
0.56–0.57 with precision 0.70 (chance 0.68–0.69), yet it lowers five clips of seven and the mean
(0.489 → 0.481): the apparent gain is the picking and the median clip, not the seal. See README (lip-sync).
"""
from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

TOOLS = Path(__file__).resolve().parents[1]
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from fantasy_talking.articulation import acoustic  # noqa: E402
from fantasy_talking.articulation.articulators import A  # noqa: E402
from fantasy_talking.articulation.opening_model import CUES  # noqa: E402
from fantasy_talking.articulation.spectral_opening import SpectralStream  # noqa: E402
from fantasy_talking.audio.features import FEATURE_RATE  # noqa: E402

from eval import loco, metrics, train_opening  # noqa: E402
from eval.predictors import FUNNEL_WEIGHT  # noqa: E402

FUNNEL_GAIN = 0.8
"""MouthFunnel per unit of the funnel articulator (animation/pose.py)."""
RIDGE = (1e2, 1e4)
"""Ridge strengths of the learned seal (standardised inputs, about 12 000 speech frames)."""
CONTEXTS = ((0, -4, -8), (0, -2, -4, -8, -12))
"""Causal spectral contexts of the learned seal (10 ms frames back)."""
THRESHOLDS = ((0.3, 0.5), (0.4, 0.6), (0.5, 0.7), (0.2, 0.6))
"""The learned seal's output (a closed-frame probability, linear) is ramped to 0..1 between these."""
QUANTILES = ((0.6, 0.8), (0.7, 0.85), (0.75, 0.9), (0.8, 0.95))
"""--family quantile: the seal ramps between these quantiles of its output over its training speech."""
FLOORS = (0.0, 0.1, 0.2)
"""While speech is active and the lips apart, the jaw's opening does not fall below this."""
GATES = (0.0, 0.5, 1.0)
"""How far unvoiced, non-fricative frames inside speech (stop gaps, pauses, breath) shut the jaw."""
POWERS = (1.0, 0.8, 0.65, 0.5)
"""The jaw's opening raised to this power before smoothing (< 1 lifts the low openings)."""
QUIET_DB = (None, 40.0, 30.0, 25.0)
"""Frames this far below the speaker's running peak shut the jaw (ramped over 10 dB); None: never."""
MIN_RECALL = 0.8
"""Candidates whose pooled closure recall over the inner folds falls below this are never chosen."""


@dataclass
class Clip:
    """One video with the engine's raw articulators (learned opening refitted without it)."""

    name: str
    base: train_opening.TrainingClip
    raw: np.ndarray            # (n, N_ARTICULATORS) at the feature rate
    speaking: np.ndarray       # (n,) the speech ramp 0..1
    closed_target: np.ndarray  # (n,) the video's closed frames on the feature clock (NaN: no truth)
    truth_closed: np.ndarray
    speech: np.ndarray
    below_peak: np.ndarray     # (n,) dB of each frame under the speaker's running peak


class _Recording(acoustic.AcousticArticulation):
    """The engine's articulation, remembering each frame's level under the running peak."""

    def __init__(self) -> None:
        super().__init__()
        self.below_peak: list[float] = []

    def _track_levels(self, level: float) -> tuple[float, float]:
        noise, peak = super()._track_levels(level)
        self.below_peak.append(peak - level)
        return noise, peak


def engine_raw(clip: train_opening.TrainingClip, model: train_opening.OpeningModel) -> tuple[np.ndarray, np.ndarray]:
    """The engine's raw articulators for a clip with `model` as its learned opening, and each
    frame's level under the running peak."""
    with loco.override(model.overrides()):
        engine = _Recording()
        table, _ = engine.process(clip.features)
    return table.astype(np.float64), np.array(engine.below_peak)


def aperture(clip: Clip, open_raw: np.ndarray, close_raw: np.ndarray) -> np.ndarray:
    """The engine's aperture on the truth's frames from raw opening and seal tracks."""
    jaw_sigma, close_sigma = train_opening.smoothing_frames()
    from fantasy_talking.animation import stream

    o = gaussian_filter1d(open_raw, jaw_sigma, mode="nearest")
    c = np.clip(gaussian_filter1d(close_raw, close_sigma, mode="nearest"), 0.0, 1.0)
    f = gaussian_filter1d(clip.raw[:, A["funnel"]], float(stream.SIGMA_FRAMES[A["funnel"]]), mode="nearest")
    track = np.clip(o, 0, 1) * (1.0 - c) + FUNNEL_WEIGHT * FUNNEL_GAIN * np.clip(f, 0, 1)
    position = np.arange(len(clip.truth_closed)) / clip.base.fps * FEATURE_RATE + train_opening.anticipation_frames()
    return np.interp(position, np.arange(len(track)), track)


def features(clip: Clip, prior: np.ndarray, context: tuple[int, ...]) -> np.ndarray:
    """What the learned seal reads per frame: the normalised mel spectra over `context`, then the cues."""
    spectra = SpectralStream(prior_db=prior, offsets=context).stacked(clip.base.features)
    return np.hstack([spectra, clip.base.cues])


@dataclass(frozen=True)
class Seal:
    """A fitted learned seal: standardised features → closed-frame probability (linear)."""

    mean: np.ndarray
    scale: np.ndarray
    w: np.ndarray
    bias: float
    prior: np.ndarray
    context: tuple[int, ...]
    levels: np.ndarray
    """Its output's percentiles 0..100 over the training speech frames (for thresholds by quantile)."""

    def __call__(self, clip: Clip) -> np.ndarray:
        return ((features(clip, self.prior, self.context) - self.mean) / self.scale) @ self.w + self.bias


def fit_seal(clips: list[Clip], strength: float, context: tuple[int, ...]) -> Seal:
    """Ridge fit to the closed frames over the frames inside speech that have a truth."""
    prior = train_opening.prior_spectrum([c.base for c in clips])
    x = np.vstack([features(c, prior, context) for c in clips])
    y = np.concatenate([c.closed_target for c in clips])
    speaking = np.concatenate([c.speaking for c in clips]) > 0.0
    keep = np.isfinite(y) & speaking
    mean, scale = x[keep].mean(axis=0), x[keep].std(axis=0) + 1e-9
    z = (x[keep] - mean) / scale
    w = np.linalg.solve(z.T @ z + strength * np.eye(z.shape[1]), z.T @ (y[keep] - y[keep].mean()))
    bias = float(y[keep].mean())
    return Seal(mean, scale, w, bias, prior, context, np.percentile(z @ w + bias, np.arange(101)))


def seal_track(clip: Clip, p: np.ndarray | None, thresholds: tuple[float, float]) -> np.ndarray:
    """The seal articulator: the rules' (p None) or the learned probability ramped between thresholds."""
    if p is None:
        return clip.raw[:, A["close"]]
    lo, hi = thresholds
    learned = np.clip((p - lo) / (hi - lo), 0.0, 1.0)
    return np.maximum(1.0 - clip.speaking, clip.speaking * learned)


def unvoiced_gate(clip: Clip, strength: float) -> np.ndarray:
    """1 − strength on frames neither voiced nor fricative (the rules' own ramps), 1 on vowels."""
    cues = clip.base.cues
    voiced = np.clip((cues[:, CUES.index("voicing")] - 0.45) / 0.3, 0.0, 1.0)
    fricative = np.where(clip.speaking > 0.0, np.clip((cues[:, CUES.index("hf_ratio")] - 0.2) / 0.3, 0.0, 1.0), 0.0)
    return 1.0 - strength * (1.0 - voiced) * (1.0 - fricative)


def floored(clip: Clip, close: np.ndarray, floor: float, gate: float = 0.0, quiet: float | None = None) -> np.ndarray:
    """The jaw's raw opening under the unvoiced gate, the quiet gate and the floor."""
    opening = clip.raw[:, A["open"]] * unvoiced_gate(clip, gate)
    if quiet is not None:
        opening = opening * np.clip((quiet - clip.below_peak) / 10.0, 0.0, 1.0)
    if floor <= 0.0:
        return opening
    return np.where(clip.speaking > 0.0, np.maximum(opening, floor * clip.speaking * (1.0 - close)), opening)


def scores(clip: Clip, p: np.ndarray | None, thresholds, floor: float, gate: float, quiet,
           power: float = 1.0) -> metrics.Scores:
    """Every metric of one design on one clip (`p`: the learned seal's output, None for the rules')."""
    close = seal_track(clip, p, thresholds)
    opening = floored(clip, close, floor, gate, quiet)
    pred = aperture(clip, opening if power == 1.0 else np.clip(opening, 0.0, 1.0) ** power, close)
    return metrics.score(clip.base.truth, pred, clip.truth_closed, clip.speech, fps=clip.base.fps)


def summary(rows: list[metrics.Scores]) -> dict[str, float]:
    """Median r and closed share, pooled closure recall, precision and its chance level, over clips."""
    def pooled(rate, count):
        hits = sum(getattr(s, rate) * getattr(s, count) for s in rows if getattr(s, count))
        events = sum(getattr(s, count) for s in rows if getattr(s, count))
        return hits / events if events else float("nan")

    return {"r": float(np.median([s.best_r for s in rows])),
            "recall": pooled("closure_recall", "closures"),
            "precision": pooled("closure_precision", "predicted_closures"),
            "chance": pooled("chance_precision", "predicted_closures"),
            "closed": float(np.median([s.closed_share for s in rows]))}


def objective(s: dict[str, float], kind: str = "r+precision") -> float:
    """What the nested selection maximises over the inner folds: the median r plus the pooled
    closure precision above chance ("r+precision", the design objective), or the median r alone
    ("r", a second look); either only among candidates whose pooled recall stays >= MIN_RECALL."""
    if not s["recall"] >= MIN_RECALL:
        return -np.inf
    return s["r"] + (s["precision"] - s["chance"]) if kind == "r+precision" else s["r"]


@dataclass(frozen=True)
class Candidate:
    """One lip-seal and jaw design: the rules' seal (strength None) or a learned one, and the jaw's gates."""

    strength: float | None = None
    context: tuple[int, ...] = (0,)
    thresholds: tuple[float, float] = (0.3, 0.5)
    floor: float = 0.0
    unvoiced: float = 0.0
    quiet: float | None = None
    power: float = 1.0
    by_quantile: bool = False
    """thresholds are quantiles of the seal's output over its training speech, not output values."""

    def __str__(self) -> str:
        seal = "rules seal" if self.strength is None else \
            f"learned seal {self.strength:g} {self.context} {'quantiles ' if self.by_quantile else ''}{self.thresholds}"
        shape = f", power {self.power}" if self.power != 1.0 else ""
        return f"{seal}, floor {self.floor}, unvoiced {self.unvoiced}, quiet {self.quiet}{shape}"


CANDIDATES = [Candidate(None, floor=f, unvoiced=g, quiet=q) for f, g, q in itertools.product(FLOORS, GATES, QUIET_DB)] + [
    Candidate(s, c, t, f, g, q) for s, c, t, f, g, q in itertools.product(RIDGE, CONTEXTS, THRESHOLDS, FLOORS, GATES, QUIET_DB)]
"""Every design tried; the first is the engine as shipped."""
FAMILIES = {
    "all": CANDIDATES,
    "seal": [c for c in CANDIDATES if (c.floor, c.unvoiced, c.quiet) == (0.0, 0.0, None)],
    "jaw": [c for c in CANDIDATES if c.strength is None],
    "power": [Candidate(None, power=p) for p in POWERS],
    "quantile": [Candidate(None)] + [Candidate(s, c, q, by_quantile=True)
                                     for s, c, q in itertools.product(RIDGE, CONTEXTS, QUANTILES)],
}
"""--family: every design, the seals alone (the jaw as shipped), the jaw's changes alone (the rules'
seal), a power on the jaw's opening alone (lifting the low openings that make half of our speech
frames "closed")."""


def evaluate(clips: list[Clip], train: list[int], test: int, candidates: list[Candidate],
             cache: dict) -> list[metrics.Scores]:
    """Scores on clip `test` of every candidate, a learned seal fitted on the clips `train` alone
    (fits cached by training set, strength, context and scored clip)."""
    assert test not in train
    out = []
    for cand in candidates:
        p, thresholds = None, cand.thresholds
        if cand.strength is not None:
            key = (tuple(train), cand.strength, cand.context, test)
            if key not in cache:
                seal = fit_seal([clips[i] for i in train], cand.strength, cand.context)
                cache[key] = seal(clips[test]), seal.levels
            p, levels = cache[key]
            if cand.by_quantile:
                thresholds = tuple(float(np.interp(100 * q, np.arange(101), levels)) for q in cand.thresholds)
        out.append(scores(clips[test], p, thresholds, cand.floor, cand.unvoiced, cand.quiet, cand.power))
    return out


def nested(clips: list[Clip], candidates: list[Candidate], kind: str = "r+precision", cache: dict | None = None
           ) -> tuple[list[int], list[list[metrics.Scores]]]:
    """For each clip c: the candidate chosen on the other clips alone (each fitted without one of
    them and scored on it), and every candidate's scores on c when fitted on all clips but c."""
    cache = {} if cache is None else cache
    n = len(clips)
    single = [evaluate(clips, [i for i in range(n) if i != c], c, candidates, cache) for c in range(n)]
    chosen = []
    for c in range(n):
        others = [i for i in range(n) if i != c]
        inner = [evaluate(clips, [i for i in others if i != o], o, candidates, cache) for o in others]
        medians = [objective(summary([rows[k] for rows in inner]), kind) for k in range(len(candidates))]
        chosen.append(int(np.argmax(medians)))
    return chosen, single


def load(videos: Path) -> list[Clip]:
    import eval_lipsync
    from eval.predictors import ours

    results = eval_lipsync.evaluate_videos(videos, {"ours": ours("acoustic")}, use_cache=True)
    bases = train_opening.training_clips(results)
    models = train_opening.fold_models(bases)
    shift = train_opening.anticipation_frames()
    clips = []
    for r, b, m in zip(results, bases, models):
        raw, below_peak = engine_raw(b, m)
        truth_closed = metrics.closed_mask(b.truth)
        lag, _ = metrics.best_lag(b.truth, b.rules)
        times = (np.arange(len(truth_closed)) + lag) / b.fps
        finite = np.isfinite(b.truth)
        target = np.interp((np.arange(len(raw)) - shift) / FEATURE_RATE, times[finite],
                           truth_closed[finite].astype(float), left=np.nan, right=np.nan)
        clip = Clip(b.name, b, raw, b.speaking_ramp, target, truth_closed, r.speech, below_peak)
        shipped = acoustic.AcousticArticulation().process(b.features)[0].astype(np.float64)
        check = metrics.pearson(aperture(clip, shipped[:, A["open"]], shipped[:, A["close"]]),
                                r.predictions["ours"])
        print(f"{b.name}: numpy aperture against the engine's, r = {check:.3f}")
        clips.append(clip)
    return clips


def main(argv: list[str] | None = None) -> int:
    import eval_lipsync

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=Path, default=eval_lipsync.DEFAULT_VIDEOS, metavar="DIR")
    parser.add_argument("--objective", choices=("r+precision", "r"), default="r+precision")
    parser.add_argument("--family", choices=list(FAMILIES), default="all")
    args = parser.parse_args(argv)
    clips = load(args.videos)
    n = len(clips)
    names = [c.name.replace("talking_", "")[:14] for c in clips]
    candidates = FAMILIES[args.family]
    chosen, single = nested(clips, candidates, args.objective)
    # One level of leave-one-out only (each candidate fitted without the clip it scores, but the
    # candidate looked at on every clip): the landscape, not a held-out figure.
    print(f"{'candidate (fitted without the scored clip)':<78} {'r':>6} {'recall':>6} {'prec':>6} {'chance':>6} "
          f"{'closed':>6}")
    table = [(objective(summary([rows[k] for rows in single]), args.objective), k) for k in range(len(candidates))]
    for _, k in sorted(table, key=lambda t: -t[0])[:10] + [(0, 0)]:
        s = summary([rows[k] for rows in single])
        print(f"{str(candidates[k]):<78} {s['r']:6.3f} {s['recall']:6.2f} {s['precision']:6.2f} {s['chance']:6.2f} "
              f"{s['closed']:6.2f}")
    print("fully nested (the choice for each clip made on the other clips alone):")
    held = [single[c][k] for c, k in enumerate(chosen)]
    base = [rows[0] for rows in single]
    for name, k, s, b in zip(names, chosen, held, base):
        print(f"  {name:<14} chose {candidates[k]}: r {s.best_r:.3f} (shipped {b.best_r:.3f}), recall "
              f"{s.closure_recall:.2f} precision {s.closure_precision:.2f} (chance {s.chance_precision:.2f}), "
              f"closed {s.closed_share:.2f}")
    for title, rows in (("engine as shipped", base), ("nested choice", held)):
        s = summary(rows)
        print(f"{title:<28} median r {s['r']:.3f}; pooled recall {s['recall']:.2f} precision {s['precision']:.2f} "
              f"(chance {s['chance']:.2f}); median recall {np.median([x.closure_recall for x in rows]):.2f} "
              f"precision {np.median([x.closure_precision for x in rows]):.2f}; closed {s['closed']:.2f} of speech")
    return 0


if __name__ == "__main__":
    sys.exit(main())
