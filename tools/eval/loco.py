"""Leave-one-clip-out selection of tuned constants: the figure that says how a tuning generalises.

Every constant chosen by looking at scores is declared in TUNED with a small set of candidates
(the shipped value among them). For each clip, the candidate combination with the best median
score on the *other* clips is chosen and scored on the held-out clip; the median of those
held-out scores is the leave-one-clip-out (LOCO) figure. A tuning that raises the in-sample
median but not the LOCO one has learnt the clips, not speech.

The selection logic (`leave_one_clip_out`) is pure: a table of scores, combinations × clips, in
(one per fold when part of the engine is learned and refitted without each clip); held-out
scores and the choices made out. `override` sets engine constants for one run.
"""
from __future__ import annotations

import importlib
import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

_ACOUSTIC = "fantasy_talking.articulation.acoustic"
_STREAM = "fantasy_talking.animation.stream"

TUNED: dict[str, tuple[Any, ...]] = {
    # The speech gate: how many steady-pitch voiced frames open it (3 is the floor that keeps
    # rumble out, see tests/test_speech_activity.py) and how long it stays open after them.
    f"{_ACOUSTIC}.AcousticArticulation.VOICED_RUN": (3, 4),
    f"{_ACOUSTIC}.AcousticArticulation.HANGOVER_FRAMES": (60, 30),
    # Below which jaw opening the lips meet during speech (0.05 was never chosen held out), and the
    # loudness above which they cannot (sealed lips muffle the sound); (1.0, 1.5) is never
    # reached: lips meet on the jaw alone.
    f"{_ACOUSTIC}.AcousticArticulation.CLOSE_BELOW": (0.15, 0.1),
    f"{_ACOUSTIC}.AcousticArticulation.QUIET": ((0.5, 0.8), (1.0, 1.5)),
    # Weight of the learned opening (cue and spectral read-out; 0.4 chosen nested leave-one-clip-out
    # among 0.05-0.7 by tools/eval/opening_experiment.py). --loco refits the model itself without
    # each held-out clip. (LOUD_WEIGHT, the loudness share of the rules' opening,
    # left the grid to make room: 0.4 was chosen held out for 6 of 7 clips.)
    f"{_ACOUSTIC}.AcousticArticulation.LEARNED_WEIGHT": (0.4, 0.2),
    # The jaw's smoothing width and the share of the look-ahead spent on anticipation.
    f"{_STREAM}.JAW_SIGMA_FRAMES": (4.0, 3.0),
    f"{_STREAM}.ANTICIPATION_SHARE": (0.5, 0.75),
}
"""Every tuned constant with its candidates; the first candidate is the shipped value."""

_FUSION = "fantasy_talking.animation.fusion.PhoneFusion"
FUSION_TUNED: dict[str, tuple[Any, ...]] = {
    # How far the fused engine (--engine fused) pulls each articulator group towards the phone
    # classifier's mouth: the jaw, the lip seal, and the lip shape (rounding, funnel, spread).
    f"{_FUSION}.W_OPEN": (0.0, 0.3),
    f"{_FUSION}.W_CLOSE": (0.3, 0.0),
    f"{_FUSION}.W_SHAPE": (0.3, 0.6, 1.0),
}
"""The fused engine's tuned constants (used by --loco with --engine fused)."""


def combinations(grid: dict[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The Cartesian product of the grid, the all-first-candidates (shipped) combination first."""
    names = list(grid)
    return [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]


@dataclass(frozen=True)
class LocoResult:
    """Held-out scores and the combination chosen for each clip."""

    held_out: np.ndarray
    """held_out[c]: the score on clip c of the combination chosen without clip c."""
    chosen: np.ndarray
    """chosen[c]: index of that combination."""
    in_sample: int
    """The combination chosen on all clips (what should ship)."""

    @property
    def median(self) -> float:
        return median_of(self.held_out)


def median_of(values: np.ndarray) -> float:
    """Median of the finite values (NaN if none)."""
    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    return float(np.median(finite)) if finite.size else float("nan")


def _select(table: np.ndarray, columns: np.ndarray) -> int:
    """Row with the highest median over `columns`; ties go to the earlier row (the shipped value)."""
    medians = np.array([median_of(row[columns]) for row in table])
    medians = np.where(np.isfinite(medians), medians, -np.inf)
    return int(np.flatnonzero(medians == medians.max())[0])


def _per_fold(table: np.ndarray, fold_tables: np.ndarray | None) -> np.ndarray:
    """fold_tables, or the one table standing for every fold when nothing is refitted per fold."""
    return np.broadcast_to(table, (table.shape[1],) + table.shape) if fold_tables is None \
        else np.asarray(fold_tables, np.float64)


def leave_one_clip_out(table: np.ndarray, fold_tables: np.ndarray | None = None,
                       scored: tuple[np.ndarray, np.ndarray | None] | None = None) -> LocoResult:
    """table[k, c] = score of combination k on clip c (higher is better).

    fold_tables[f, k, c], when given, is the same table made with a model fitted without clip f
    (a learned part of the engine): clip f's choice and its held-out score then come from
    fold_tables[f], so neither the constants nor the model have seen the clip they are scored on.
    `scored` (a table and its fold tables, alike) is what the choices are held out on when that is
    another predictor than the one that chooses (an engine run with another engine's constants)."""
    table = np.asarray(table, np.float64)
    folds = _per_fold(table, fold_tables)
    n_clips = table.shape[1]
    everything = np.arange(n_clips)
    chosen = np.array([_select(folds[c], everything[everything != c]) for c in range(n_clips)], int)
    if scored is not None:
        folds = _per_fold(np.asarray(scored[0], np.float64), scored[1])
    held_out = folds[everything, chosen, everything]
    return LocoResult(held_out, chosen, _select(table, everything))


def resolve(target: str) -> tuple[Any, str]:
    """`package.module.[Class.]NAME` → (the object holding NAME, NAME)."""
    parts = target.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            holder = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:-1]:
            holder = getattr(holder, attr)
        if not hasattr(holder, parts[-1]):
            raise AttributeError(f"{target}: no attribute {parts[-1]!r}")
        return holder, parts[-1]
    raise ImportError(f"{target}: no importable module")


@contextmanager
def override(values: dict[str, Any]) -> Iterator[None]:
    """Set engine constants (read at call time) for the duration of the block, then restore them."""
    saved = []
    try:
        for target, value in values.items():
            holder, name = resolve(target)
            saved.append((holder, name, getattr(holder, name)))
            setattr(holder, name, value)
        yield
    finally:
        for holder, name, value in reversed(saved):
            setattr(holder, name, value)


def shipped_values(grid: dict[str, Sequence[Any]] = TUNED) -> dict[str, Any]:
    """The constants' current values in the code, to check the grid's first candidates match them."""
    out = {}
    for target in grid:
        holder, name = resolve(target)
        out[target] = getattr(holder, name)
    return out
