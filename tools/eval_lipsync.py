"""Measure lip-sync against truth: real talking-face videos and espeak-ng speech with exact phones.

    .venv/bin/python tools/eval_lipsync.py                           # videos + TTS, ours and baselines
    .venv/bin/python tools/eval_lipsync.py --videos --no-baselines   # quick loop while tuning
    .venv/bin/python tools/eval_lipsync.py --videos --loco           # leave-one-clip-out over eval/loco.TUNED
    .venv/bin/python tools/eval_lipsync.py --rhubarb /tmp/rhubarb/build/rhubarb/rhubarb --json out.json --plot /tmp/p

Every predictor gives a mouth aperture per frame (see eval/predictors.py for the mappings) and is
scored on the same truth with the same metric (eval/metrics.py):
r at lag 0, the best r within ±5 frames and its lag (positive lag = prediction is late),
closure recall (true closures inside speech that the prediction also closes within ±1 frame) and
closure precision (the prediction's closures that the truth also has: recall must not come from a
mouth that stays shut), and both again for the same closed frames shifted in time (`chance R/P`,
metrics.closure_chance: what the closures' number and length alone would score). On video, our predicted lip spread is also correlated (best lag) with the
measured inner-lip width (`width r`). `speech r` is the best-lag r over the frames inside speech only
(the audio's own speech mask), which separates following the talking from what the mouth does in
pauses and before the first word.
--loco chooses every tuned constant (eval/loco.py's TUNED grid) leave-one-clip-out and reports that
median beside the in-sample one; it is the figure to quote. With a handful of clips a median moves a
lot, so each of our engines' median comes with a bootstrap interval over the clips and a paired
comparison with the best baseline (wins, mean difference and its interval: metrics.compare).
Video landmarks (MediaPipe) and Rhubarb's cues are cached under ~/.cache/fantasy_talking, so re-runs
take seconds. The Rhubarb baselines run when --rhubarb or $RHUBARB names its binary.
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fantasy_talking.audio.decode import Audio  # noqa: E402

from eval import loco, metrics  # noqa: E402
from eval.predictors import Prediction, Predictor, default_rhubarb, ours, predictors  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_VIDEOS = REPO.parent / "shared" / "samples" / "video"
TTS_FPS = 30
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi")

TARGET_R = 0.60
TARGET_LOCO_R = 0.55
TARGET_MARGIN = 0.15
TARGET_LAG = 1
TARGET_RECALL = 0.8
TARGET_PRECISION = 0.7
TARGET_WORST_CLIP = 0.30


@dataclass
class ClipResult:
    """All predictors scored on one clip."""

    truth: str
    clip: str
    fps: float
    truth_curve: np.ndarray
    note: str = ""
    truth_closed: np.ndarray | None = None
    speech: np.ndarray | None = None
    truth_width: np.ndarray | None = None
    audio: Audio | None = None
    predictions: dict[str, np.ndarray] = field(default_factory=dict)
    scores: dict[str, metrics.Scores] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return len(self.truth_curve)


def score_prediction(result: ClipResult, predict: Predictor) -> tuple[np.ndarray, metrics.Scores]:
    pred = Prediction.of(predict(result.audio, result.fps, result.frames))
    return pred.aperture, metrics.score(result.truth_curve, pred.aperture, result.truth_closed, result.speech,
                                        truth_width=result.truth_width, pred_spread=pred.spread, fps=result.fps,
                                        pred_sealed=pred.sealed)


def run_predictors(table: dict[str, Predictor], result: ClipResult) -> None:
    for name, predict in table.items():
        try:
            result.predictions[name], result.scores[name] = score_prediction(result, predict)
        except Exception as exc:  # a predictor that cannot run is reported, not fatal
            result.errors[name] = f"{type(exc).__name__}: {exc}"
            if name == "ours":
                log(traceback.format_exc())


def on_frame_grid(times_s: np.ndarray, values: np.ndarray, fps: float) -> np.ndarray:
    """Truth sampled at i/fps; a no-op for constant-rate video whose frame i sits at i/fps."""
    grid = np.arange(len(values)) / fps
    if len(times_s) == len(values) and np.allclose(times_s, grid, atol=0.25 / fps):
        return values
    finite = np.isfinite(values)
    return np.interp(grid, times_s[finite], values[finite], left=np.nan, right=np.nan)


def evaluate_videos(folder: Path, table: dict[str, Predictor], use_cache: bool,
                    contact: float | None = None) -> list[ClipResult]:
    """Every video in `folder` scored by every predictor. The truth's closures are each clip's bottom
    fifth of its opening or, with `contact`, the frames whose inner-lip gap is under that share of
    the eye distance: the lips touching."""
    from fantasy_talking.audio.decode import AudioError, decode_file
    from eval.video_truth import load_video_truth

    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
    if not paths:
        raise SystemExit(f"eval_lipsync: no videos ({', '.join(VIDEO_SUFFIXES)}) in {folder}")
    results = []
    for path in paths:
        log(f"video {path.name}")
        try:
            audio = decode_file(path)
        except AudioError as exc:
            log(f"skipping {path.name}: {exc}")
            continue
        truth = load_video_truth(path, use_cache=use_cache)
        opening = on_frame_grid(truth.times_s, truth.opening, truth.fps)
        width = on_frame_grid(truth.times_s, truth.width, truth.fps)
        speech = metrics.speech_mask(audio.samples, audio.sample_rate, truth.fps, len(opening))
        result = ClipResult("video", path.stem, truth.fps, opening, note=f"face found in {truth.face_found:.0%}",
                            truth_closed=metrics.closed_mask(opening) if contact is None
                            else np.isfinite(opening) & (opening < contact),
                            speech=speech, truth_width=width, audio=audio)
        run_predictors(table, result)
        results.append(result)
    return results


def evaluate_tts(languages: list[str], table: dict[str, Predictor]) -> list[ClipResult]:
    from eval import tts_truth

    results = []
    for language in languages:
        log(f"tts {language}")
        sample = tts_truth.synthesize(language)
        n = int(math.ceil(sample.audio.duration_s * TTS_FPS))
        truth = tts_truth.truth_aperture(sample.phones, TTS_FPS, n)
        closed = tts_truth.closure_frames(sample.phones, TTS_FPS, n)
        speech = tts_truth.speech_frames(sample.phones, TTS_FPS, n)
        result = ClipResult("tts", f"espeak-{language}", TTS_FPS, truth, note=f"{len(sample.phones)} phones",
                            truth_closed=closed, speech=speech, audio=sample.audio)
        run_predictors(table, result)
        results.append(result)
    return results


def fmt(value: float, digits: int = 2) -> str:
    return "  n/a" if value is None or not np.isfinite(value) else f"{value:5.{digits}f}"


def print_clip(result: ClipResult) -> None:
    print(f"\n{result.truth}: {result.clip} ({result.frames} frames at {result.fps:g} fps, {result.note})")
    print(f"  {'predictor':<22} {'r@0':>6} {'best r':>7} {'lag':>4} {'recall':>7} {'prec':>6} {'closures':>8} "
          f"{'closed%':>8} {'width r':>8} {'speech r':>9} {'chance R/P':>11}")
    for name, s in result.scores.items():
        print(f"  {name:<22} {fmt(s.r0):>6} {fmt(s.best_r):>7} {s.best_lag:>+4d} {fmt(s.closure_recall):>7} "
              f"{fmt(s.closure_precision):>6} {s.closures:>8d} {fmt(100 * s.closed_share, 0):>8} {fmt(s.width_r):>8} "
              f"{fmt(s.speech_r):>9} {fmt(s.chance_recall)}/{fmt(s.chance_precision).strip()}")
    for name, error in result.errors.items():
        print(f"  {name:<22} skipped: {error}")


def median(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.median(finite)) if finite else float("nan")


def pooled(rates: list[tuple[float, int]]) -> float:
    """A rate over the events of every clip together (hits / events), not the median of per-clip
    rates: a 5 s clip with 8 closures moves a median as much as a 60 s clip with 130."""
    hits = sum(rate * count for rate, count in rates if count and np.isfinite(rate))
    events = sum(count for rate, count in rates if count and np.isfinite(rate))
    return hits / events if events else float("nan")


def summarise(results: list[ClipResult]) -> dict[str, dict[str, float]]:
    """Per predictor: medians over the clips of r@0, best-lag r (with its bootstrap interval), best lag
    and closure recall, plus the one lag that suits the whole set best (highest median r) and that
    median r."""
    names = list(dict.fromkeys(n for r in results for n in r.scores))
    summary = {}
    for name in names:
        rows = [r.scores[name] for r in results if name in r.scores]
        lag, r_at_lag = metrics.common_lag([s.lag_r for s in rows])
        low, high = metrics.median_interval([s.best_r for s in rows])
        summary[name] = {
            "clips": len(rows),
            "r_lag0": median([s.r0 for s in rows]),
            "best_lag_r": median([s.best_r for s in rows]),
            "best_lag_r_low": low,
            "best_lag_r_high": high,
            "best_lag": median([float(s.best_lag) for s in rows]),
            "closure_recall": median([s.closure_recall for s in rows]),
            "closure_precision": median([s.closure_precision for s in rows]),
            "closed_share": median([s.closed_share for s in rows]),
            "width_r": median([s.width_r for s in rows]),
            "speech_r": median([s.speech_r for s in rows]),
            "pooled_recall": pooled([(s.closure_recall, s.closures) for s in rows]),
            "pooled_precision": pooled([(s.closure_precision, s.predicted_closures) for s in rows]),
            "chance_recall": median([s.chance_recall for s in rows]),
            "chance_precision": median([s.chance_precision for s in rows]),
            "pooled_chance_precision": pooled([(s.chance_precision, s.predicted_closures) for s in rows]),
            "seals": sum(s.seals for s in rows),
            "pooled_seal_recall": pooled([(s.seal_recall, s.closures) for s in rows]),
            "pooled_seal_precision": pooled([(s.seal_precision, s.seals) for s in rows]),
            "pooled_seal_chance_precision": pooled([(s.seal_chance_precision, s.seals) for s in rows]),
            "worst_best_lag_r": min((s.best_r for s in rows if np.isfinite(s.best_r)), default=float("nan")),
            "common_lag": lag,
            "r_common_lag": r_at_lag,
        }
    return summary


def best_baseline(summary: dict[str, dict[str, float]]) -> str | None:
    """The baseline with the highest median best-lag r (what the issue's margin is measured against)."""
    baselines = {k: v["best_lag_r"] for k, v in summary.items()
                 if not k.startswith("ours") and np.isfinite(v["best_lag_r"])}
    return max(baselines, key=baselines.get) if baselines else None


def comparisons(results: list[ClipResult], summary: dict[str, dict[str, float]]) -> dict[str, metrics.Comparison]:
    """Each of our engines against the best baseline, clip by clip (clips where both scored)."""
    base = best_baseline(summary)
    if base is None:
        return {}
    pairs = {name: [(r.scores[name].best_r, r.scores[base].best_r) for r in results
                    if name in r.scores and base in r.scores]
             for name in summary if name.startswith("ours")}
    return {name: metrics.compare([a for a, _ in p], [b for _, b in p]) for name, p in pairs.items()}


def targets(summary: dict[str, dict[str, float]], loco_median: float | None = None
            ) -> list[tuple[str, bool | None, str]]:
    """The issue's targets for our engine: pass (True), fail (False) or not measured (None)."""
    if "ours" not in summary:
        return []
    ours = summary["ours"]
    base = best_baseline(summary)
    best_base = summary[base]["best_lag_r"] if base else float("nan")
    checks = [
        (f"median best-lag r >= {TARGET_R}", ours["best_lag_r"] >= TARGET_R, f"{ours['best_lag_r']:.3f}"),
        (f"median best-lag r >= every baseline + {TARGET_MARGIN}",
         ours["best_lag_r"] >= best_base + TARGET_MARGIN if base else None,
         f"{ours['best_lag_r']:.3f} vs best baseline {best_base:.3f}" if base else "no baselines run"),
        (f"median best lag within ±{TARGET_LAG} frame", abs(ours["best_lag"]) <= TARGET_LAG,
         f"{ours['best_lag']:+.1f}"),
        (f"median closure recall >= {TARGET_RECALL}", ours["closure_recall"] >= TARGET_RECALL,
         f"{ours['closure_recall']:.3f}"),
        (f"median closure precision >= {TARGET_PRECISION}", ours["closure_precision"] >= TARGET_PRECISION,
         f"{ours['closure_precision']:.3f}"),
        (f"no clip below best-lag r {TARGET_WORST_CLIP}", ours["worst_best_lag_r"] >= TARGET_WORST_CLIP,
         f"worst {ours['worst_best_lag_r']:.3f}"),
        (f"leave-one-clip-out median best-lag r >= {TARGET_LOCO_R}",
         None if loco_median is None else loco_median >= TARGET_LOCO_R,
         "run with --loco" if loco_median is None else f"{loco_median:.3f}"),
    ]
    return checks


def print_summary(truth: str, summary: dict[str, dict[str, float]], loco_median: float | None = None,
                  against: dict[str, metrics.Comparison] | None = None) -> None:
    print(f"\n=== {truth}: medians over clips (lag > 0 = prediction late) ===")
    print(f"  {'predictor':<22} {'clips':>5} {'r@0':>6} {'best r':>7} {'worst':>6} {'lag':>5} {'recall':>7} "
          f"{'prec':>6} {'closed%':>8} {'width r':>8} {'speech r':>9} {'common lag':>11} {'r@common':>9}")
    for name, m in summary.items():
        print(f"  {name:<22} {m['clips']:>5d} {fmt(m['r_lag0']):>6} {fmt(m['best_lag_r']):>7} "
              f"{fmt(m['worst_best_lag_r']):>6} {m['best_lag']:>+5.1f} {fmt(m['closure_recall']):>7} "
              f"{fmt(m['closure_precision']):>6} {fmt(100 * m['closed_share'], 0):>8} {fmt(m['width_r']):>8} "
              f"{fmt(m['speech_r']):>9} {m['common_lag']:>+11d} {fmt(m['r_common_lag']):>9}")
    print("  (common lag: the one lag with the highest median r over all clips of the set)")
    for name, m in summary.items():
        print(f"  {name}: closures pooled over all clips' events: recall {fmt(m['pooled_recall'])}, "
              f"precision {fmt(m['pooled_precision'])} (chance {fmt(m['pooled_chance_precision'])}); "
              f"median chance recall {fmt(m['chance_recall'])}, precision {fmt(m['chance_precision'])}")
    for name, m in summary.items():
        if m["seals"]:
            print(f"  {name}: its {m['seals']} lip seals in speech as the closures, pooled: recall "
                  f"{fmt(m['pooled_seal_recall'])}, precision {fmt(m['pooled_seal_precision'])} "
                  f"(chance {fmt(m['pooled_seal_chance_precision'])})")
    base = best_baseline(summary)
    for name, c in (against or {}).items():
        m = summary[name]
        print(f"  {name}: median best-lag r {m['best_lag_r']:.2f}, {metrics.CONFIDENCE:.0%} bootstrap interval over "
              f"clips {m['best_lag_r_low']:.2f}–{m['best_lag_r_high']:.2f}; against {base} "
              f"(best baseline): higher on {c.wins} of {c.clips} clips, mean difference {c.mean_difference:+.2f} "
              f"({c.low:+.2f} to {c.high:+.2f})")
    if loco_median is not None:
        print(f"  ours, leave-one-clip-out median best-lag r: {loco_median:.3f} "
              f"(in-sample {summary['ours']['best_lag_r']:.3f})")
    for label, ok, detail in targets(summary, loco_median):
        print(f"  [{'SKIP' if ok is None else 'PASS' if ok else 'FAIL'}] {label}: {detail}")


def parse_assignment(assignment: str, flag: str) -> tuple[str, object]:
    """`module.[Class.]NAME=VALUE` (VALUE a Python literal) → (target, value)."""
    target, sep, raw = assignment.partition("=")
    if not sep or "." not in target:
        raise SystemExit(f"eval_lipsync: {flag} wants module.NAME=VALUE, got {assignment!r}")
    try:
        return target, ast.literal_eval(raw)
    except (ValueError, SyntaxError) as exc:
        raise SystemExit(f"eval_lipsync: {flag} {assignment!r}: VALUE must be a Python literal") from exc


def apply_params(assignments: list[str]) -> None:
    """--param module.[Class.]NAME=VALUE: set an engine constant for this run (quick exploration).

    It reaches code that reads the constant through its module or class at call time, not names
    that another module copied with `from module import NAME`.
    """
    for assignment in assignments:
        target, value = parse_assignment(assignment, "--param")
        try:
            holder, name = loco.resolve(target)
        except (ImportError, AttributeError) as exc:
            raise SystemExit(f"eval_lipsync: --param {assignment!r}: {exc}") from exc
        setattr(holder, name, value)


LOCO_METRICS = ("best_r", "width_r", "speech_r")


def score_table(results: list[ClipResult], predict: Predictor, combos: list[dict], metric: str,
                extra: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Scores (combinations × clips) by `metric`, and closures (recall, precision) alike."""
    table = np.full((len(combos), len(results)), np.nan)
    closures = np.full((2, len(combos), len(results)), np.nan)
    for k, combo in enumerate(combos):
        with loco.override({**(extra or {}), **combo}):
            for c, result in enumerate(results):
                scores = score_prediction(result, predict)[1]
                table[k, c] = getattr(scores, metric)
                closures[:, k, c] = scores.closure_recall, scores.closure_precision
    return table, closures


def fold_score_tables(results: list[ClipResult], predict: Predictor, combos: list[dict], metric: str,
                      fold_overrides: list[dict] | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None,
                                                                  np.ndarray | None]:
    """The score and closure tables on all clips, then (with `fold_overrides`) one per held-out clip."""
    table, closures = score_table(results, predict, combos, metric)
    if not fold_overrides:
        return table, closures, None, None
    made = [score_table(results, predict, combos, metric, extra) for extra in fold_overrides]
    return table, closures, np.array([t for t, _ in made]), np.array([c for _, c in made])


def run_loco(results: list[ClipResult], predict: Predictor, grid: dict[str, tuple], metric: str = "best_r",
             fold_overrides: list[dict] | None = None, chooser: Predictor | None = None) -> dict:
    """Score every combination of the grid on every clip by `metric` (a Scores field), then choose
    leave-one-clip-out by the same metric. `fold_overrides[c]` (a model fitted without clip c) is
    applied to every score that chooses for, and is held out on, clip c. With `chooser`, the
    constants are chosen by that predictor's scores and held out on `predict`'s: for an engine that
    runs with another engine's constants as they were chosen (the words engine, the acoustic one's)."""
    combos = loco.combinations(grid)
    folds = len(results) if fold_overrides else 1
    log(f"leave-one-clip-out: {len(combos)} combinations x {len(results)} clips x {folds} fold tables"
        + (", chosen by a second predictor" if chooser else ""))
    table, closures, fold_tables, fold_closures = fold_score_tables(results, predict, combos, metric, fold_overrides)
    if chooser is None:
        chosen = loco.leave_one_clip_out(table, fold_tables)
    else:
        by, _, by_folds, _ = fold_score_tables(results, chooser, combos, metric, fold_overrides)
        chosen = loco.leave_one_clip_out(by, by_folds, scored=(table, fold_tables))
    clips = np.arange(len(results))
    if fold_closures is None:
        held_recall, held_precision = closures[0][chosen.chosen, clips], closures[1][chosen.chosen, clips]
    else:
        held_recall = fold_closures[clips, 0, chosen.chosen, clips]
        held_precision = fold_closures[clips, 1, chosen.chosen, clips]
    short = {target: target.rsplit(".", 1)[-1] for target in grid}

    def label(k: int) -> str:
        return ", ".join(f"{short[t]}={v}" for t, v in combos[k].items())

    print(f"\n=== leave-one-clip-out ({metric}) over {len(combos)} combinations of {', '.join(short.values())} ===")
    print(f"  {'clip':<40} {'shipped':>8} {'held-out':>9} {'recall':>7} {'prec':>6}  chosen on the other clips")
    for c, result in enumerate(results):
        print(f"  {result.clip:<40} {fmt(table[0, c]):>8} {fmt(chosen.held_out[c]):>9} {fmt(held_recall[c]):>7} "
              f"{fmt(held_precision[c]):>6}  {label(chosen.chosen[c])}")
    in_sample = loco.median_of(table[0])
    print(f"  {'median':<40} {fmt(in_sample):>8} {fmt(chosen.median):>9} {fmt(loco.median_of(held_recall)):>7} "
          f"{fmt(loco.median_of(held_precision)):>6}  (recall, precision: the held-out choice's closures)")
    print(f"  chosen on all clips: {label(chosen.in_sample)} (median {fmt(loco.median_of(table[chosen.in_sample]))})")
    if chosen.in_sample != 0:
        verdict = ("it generalises: consider shipping it" if chosen.median > in_sample
                   else "choosing on this grid does not beat the shipped constants held out: keep them")
        print(f"  NOTE: the shipped constants are not the grid's choice on all clips; {verdict}")
    return {"metric": metric, "grid": {t: list(v) for t, v in grid.items()}, "combinations": [dict(c) for c in combos],
            "table": table.tolist(), "chosen": chosen.chosen.tolist(), "held_out": chosen.held_out.tolist(),
            "in_sample_choice": chosen.in_sample, "median_shipped": in_sample, "median_loco": chosen.median,
            "held_out_closure_recall": held_recall.tolist(), "held_out_closure_precision": held_precision.tolist()}


def learned_folds(results: list[ClipResult], engine: str) -> list[dict] | None:
    """Per held-out clip, the engine's learned opening correction refitted without that clip
    (eval/train_opening.py; the fused and words engines' with their phone halves, and for the words
    engine the acoustic engine's too, whose score chooses its constants), so --loco never scores a
    clip with a model that has seen it."""
    from fantasy_talking.articulation.acoustic import AcousticArticulation

    engine = engine if engine in ("fused", "words") else "acoustic"
    shipped = {"acoustic": AcousticArticulation.OPENING_MODEL, "fused": AcousticArticulation.FUSED_OPENING_MODEL,
               "words": AcousticArticulation.WORDS_OPENING_MODEL}
    if shipped[engine] is None:
        return None
    from eval import train_opening

    log("refitting the learned opening correction without each clip")
    folds = [m.overrides() for m in train_opening.fold_models(train_opening.training_clips(results, engine))]
    if engine == "words":   # its constants are chosen by the acoustic engine, with that engine's fold models
        acoustic = train_opening.fold_models(train_opening.training_clips(results, "acoustic"))
        folds = [{**a.overrides(), **w} for a, w in zip(acoustic, folds)]
    return folds


def json_safe(value):
    """NaN (a metric with nothing to measure) becomes null, so the file is strict JSON."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def log(message: str) -> None:
    print(f"[eval] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from eval.tts_truth import SENTENCES

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", nargs="?", const=str(DEFAULT_VIDEOS), default=None, metavar="DIR",
                        help=f"score against the talking-face videos in DIR (default {DEFAULT_VIDEOS})")
    parser.add_argument("--tts", nargs="*", default=None, metavar="LANG",
                        help=f"score against espeak-ng speech; languages from {', '.join(SENTENCES)} (default all)")
    parser.add_argument("--engine", choices=("auto", "acoustic", "phonetic", "fused", "words"), default="auto",
                        help="which speech engine of ours to run (default auto)")
    parser.add_argument("--contact-closures", type=float, default=None, metavar="GAP",
                        help="score closures against the lips touching (inner-lip gap under GAP of the eye "
                             "distance, e.g. 0.02) instead of each clip's bottom fifth of its opening")
    parser.add_argument("--recognised-transcript", action="store_true",
                        help="give our engines the words PocketSphinx recognises in each clip as an English "
                             "transcript (the videos have none): what a transcript does for each engine")
    parser.add_argument("--lookahead-ms", type=int, default=None, metavar="MS",
                        help="our engine's look-ahead (default: the product default)")
    parser.add_argument("--rhubarb", type=Path, default=default_rhubarb(), metavar="PATH",
                        help="Rhubarb Lip Sync binary for its two baselines (default $RHUBARB)")
    parser.add_argument("--no-baselines", action="store_true", help="score only our engine")
    parser.add_argument("--param", action="append", default=[], metavar="MODULE.NAME=VALUE",
                        help="override an engine module constant (repeatable), "
                             "e.g. fantasy_talking.animation.stream.ANTICIPATION_FRAMES=4")
    parser.add_argument("--loco", action="store_true",
                        help="choose eval/loco.py's TUNED constants leave-one-clip-out on the videos and report it")
    parser.add_argument("--grid", action="append", default=[], metavar="MODULE.NAME=[V1,V2,...]",
                        help="with --loco: explore this grid instead of TUNED (repeatable; first value = shipped)")
    parser.add_argument("--loco-metric", choices=LOCO_METRICS, default="best_r",
                        help="with --loco: the score that chooses and is reported (default best_r, the aperture)")
    parser.add_argument("--no-cache", action="store_true", help="re-measure the video truth")
    parser.add_argument("--json", type=Path, metavar="OUT", help="save every score and median as JSON")
    parser.add_argument("--plot", type=Path, metavar="DIR", help="save a PNG per clip: truth against each prediction")
    args = parser.parse_args(argv)
    if args.videos is None and args.tts is None:
        args.videos, args.tts = str(DEFAULT_VIDEOS), []
    if args.tts == []:
        args.tts = list(SENTENCES)
    unknown = [lang for lang in args.tts or [] if lang not in SENTENCES]
    if unknown:
        parser.error(f"unknown TTS language(s) {', '.join(unknown)}; choose from {', '.join(SENTENCES)}")
    if args.rhubarb is not None and not args.rhubarb.is_file():
        log(f"--rhubarb {args.rhubarb} is not a file: the Rhubarb baselines are skipped")
        args.rhubarb = None
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    apply_params(args.param)
    table = predictors(args.engine, args.rhubarb, baselines=not args.no_baselines, lookahead_ms=args.lookahead_ms,
                       recognised_transcript=args.recognised_transcript)
    started = time.perf_counter()
    sets: dict[str, list[ClipResult]] = {}
    if args.videos:
        folder = Path(args.videos)
        if not folder.is_dir():
            raise SystemExit(f"eval_lipsync: video folder {folder} not found")
        sets["video"] = evaluate_videos(folder, table, use_cache=not args.no_cache, contact=args.contact_closures)
    if args.tts:
        sets["tts"] = evaluate_tts(args.tts, table)
    loco_report = None
    if args.loco and sets.get("video"):
        declared = loco.FUSION_TUNED if args.engine == "fused" else loco.TUNED
        grid = dict(parse_assignment(g, "--grid") for g in args.grid) if args.grid else declared
        if not args.grid:
            shipped = loco.shipped_values(declared)
            stale = [t for t, v in grid.items() if shipped[t] != v[0]]
            if stale:
                raise SystemExit(f"eval_lipsync: TUNED's first candidates are not the shipped values: {stale}")
        # The words engine runs with the acoustic engine's constants, chosen by the acoustic engine's
        # score; its held-out figure chooses them the same way (the seal itself has no constant).
        chooser = ours("acoustic", args.lookahead_ms) if args.engine == "words" else None
        loco_report = run_loco(sets["video"], table["ours"], {t: tuple(v) for t, v in grid.items()}, args.loco_metric,
                               learned_folds(sets["video"], args.engine), chooser)

    print(f"aperture(ours) = JawOpen - MouthClose + 0.3*MouthFunnel; engine={args.engine}; "
          f"lag > 0 means the prediction is late (shift it earlier); lags searched within ±{metrics.MAX_LAG} frames")
    report = {"engine": args.engine, "lookahead_ms": args.lookahead_ms, "params": args.param,
              "lag_convention": "positive = prediction late", "sets": {}}
    for truth, results in sets.items():
        for result in results:
            print_clip(result)
            if args.plot:
                from eval.plot import plot_clip

                plot_clip(args.plot / f"{result.truth}-{result.clip}.png", f"{result.truth}: {result.clip}",
                          result.fps, result.truth_curve, result.predictions,
                          {name: s.best_lag for name, s in result.scores.items()}, result.speech)
        summary = summarise(results)
        loco_median = (loco_report["median_loco"] if loco_report and truth == "video"
                       and loco_report["metric"] == "best_r" else None)
        against = comparisons(results, summary)
        print_summary(truth, summary, loco_median, against)
        report["sets"][truth] = {
            "clips": [{"clip": r.clip, "frames": r.frames, "errors": r.errors,
                       "scores": {k: s.as_dict() for k, s in r.scores.items()}} for r in results],
            "medians": summary,
            "against_best_baseline": {name: asdict(c) for name, c in against.items()},
            "targets": [{"target": label, "pass": ok, "value": detail}
                        for label, ok, detail in targets(summary, loco_median)],
        }
        if loco_median is not None:
            report["sets"][truth]["loco"] = loco_report
    log(f"done in {time.perf_counter() - started:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(json_safe(report), indent=2))
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
