"""Which learned opening generalises? Leave-one-clip-out scores of candidate read-outs on the videos.

    .venv/bin/python tools/eval/opening_experiment.py                      # about a minute
    .venv/bin/python tools/eval/opening_experiment.py --weights 0.2 0.4 0.7

For every held-out clip and every candidate family (the rules alone; the read-out of the rules' 14
cues; the cues plus the speaker-normalised mel spectrum over each causal context of
train_opening.OFFSETS_CANDIDATES), the read-out is fitted on the other clips with its ridge strength
and context chosen leave-one-clip-out among those clips alone (`train_opening.fit_nested`), then
scored on the held-out clip: best-lag r of the engine's final aperture (JawOpen − MouthClose +
0.3·MouthFunnel, `train_opening.engine_aperture`, within 0.01 of the engine) against the video's
opening. The weight with which the engine adds the read-out is chosen together with them (nested), and
each fixed weight is reported too. Nothing about a held-out clip informs what is scored on it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

TOOLS = Path(__file__).resolve().parents[1]
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from eval import metrics, train_opening  # noqa: E402

FAMILIES: dict[str, tuple[tuple[int, ...], ...]] = {
    "cues": ((),),
    "cues+spectrum": train_opening.OFFSETS_CANDIDATES,
}
"""Candidate families: the spectral contexts each may choose from (() = no spectrum)."""


def held_out_scores(clips: list, family: tuple[tuple[int, ...], ...], weights: list[float]
                    ) -> tuple[np.ndarray, np.ndarray, list]:
    """Per held-out clip c: its score at each fixed weight (ridge strength and context chosen on the
    other clips), and its score with weight, strength and context chosen together on the other
    clips (the fully nested figure), with that choice."""
    tried = train_opening.candidates(family)
    n = len(clips)
    fixed, nested, choices = np.full((len(weights), n), np.nan), np.full(n, np.nan), []
    for c in range(n):
        others = [clips[k] for k in range(n) if k != c]
        inner = np.full((len(tried), len(weights), len(others)), np.nan)   # one fit per candidate and clip left out
        for t, (strength, context) in enumerate(tried):
            for k, out in enumerate(others):
                model = train_opening.fit([x for x in others if x is not out], strength, context)
                inner[t, :, k] = [train_opening.quick_score(model, out, w) for w in weights]
        medians = np.median(inner, axis=2)
        for w, weight in enumerate(weights):
            strength, context = tried[int(np.argmax(medians[:, w]))]
            fixed[w, c] = train_opening.quick_score(train_opening.fit(others, strength, context), clips[c], weight)
        t, w = np.unravel_index(int(np.argmax(medians)), medians.shape)
        strength, context = tried[t]
        nested[c] = train_opening.quick_score(train_opening.fit(others, strength, context), clips[c], weights[w])
        choices.append((weights[w], strength, context))
    return fixed, nested, choices


def main(argv: list[str] | None = None) -> int:
    import eval_lipsync
    from eval.predictors import ours

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=Path, default=eval_lipsync.DEFAULT_VIDEOS, metavar="DIR")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.05, 0.2, 0.4, 0.7],
                        help="the engine's LEARNED_WEIGHT candidates")
    parser.add_argument("--families", nargs="+", choices=list(FAMILIES), default=list(FAMILIES))
    args = parser.parse_args(argv)
    results = eval_lipsync.evaluate_videos(args.videos, {"ours": ours("acoustic")}, use_cache=True)
    clips = train_opening.training_clips(results)
    names = [c.name.replace("talking_", "")[:18] for c in clips]
    rules = [metrics.best_lag(c.truth, c.rules)[1] for c in clips]
    print(f"{'candidate':<34} {'median':>6}  " + " ".join(f"{n:>18}" for n in names))
    print(f"{'rules alone':<34} {np.median(rules):6.3f}  " + " ".join(f"{r:18.3f}" for r in rules))
    n = len(clips)
    for family in args.families:
        fixed, nested, choices = held_out_scores(clips, FAMILIES[family], args.weights)
        for w, weight in enumerate(args.weights):
            print(f"{family + f' weight {weight:g}':<34} {np.median(fixed[w]):6.3f}  "
                  + " ".join(f"{r:18.3f}" for r in fixed[w]))
        print(f"{family + ' all nested':<34} {np.median(nested):6.3f}  " + " ".join(f"{r:18.3f}" for r in nested))
        for name, (weight, strength, context) in zip(names, choices):
            print(f"    {name}: chose weight {weight:g}, ridge {strength:g}, context {context}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
