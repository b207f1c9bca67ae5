"""Lip shape on espeak-ng speech in six languages: our predicted spread against the phones' own.

    .venv/bin/python tools/eval/tts_shape.py                     # acoustic and fused engines
    .venv/bin/python tools/eval/tts_shape.py --engines fused --languages cmn de

Video truth (tools/eval_lipsync.py) exists for English and German only; this adds the other
languages of eval/tts_truth.py, where espeak-ng reports every phone with its exact time. The truth
shape of a frame is the spread of the viseme under it, as the engine's own targets define it
(animation/visemes.py: spread − round − funnel/2, the same combination the predictor scores
against the video's lip width), and the prediction is the predictor's detrended spread. The
score is the best-lag r within ±5 frames (eval/metrics.py), as everywhere in the evaluation.
Synthetic speech is a weak proxy for real voices (see README): read it as "does the phone path
name the lip shapes of this language", not as a lip-sync figure.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fantasy_talking.animation.rig import VISEMES  # noqa: E402
from fantasy_talking.animation.visemes import TARGETS  # noqa: E402
from fantasy_talking.articulation.articulators import A  # noqa: E402

from eval import metrics, tts_truth  # noqa: E402
from eval.predictors import Prediction, ours  # noqa: E402
from eval.video_truth import DETREND_S, detrend  # noqa: E402

FPS = 30
SHAPE = TARGETS[:, A["spread"]] - TARGETS[:, A["round"]] - 0.5 * TARGETS[:, A["funnel"]]


def truth_shape(phones: list[tts_truth.Phone], n_frames: int) -> np.ndarray:
    times = np.arange(n_frames) / FPS
    out = np.zeros(n_frames)
    for p in phones:
        out[(times >= p.start_s) & (times < p.end_s)] = SHAPE[VISEMES.index(p.viseme)]
    return detrend(out, int(round(DETREND_S * FPS)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engines", nargs="+", default=["acoustic", "fused"])
    parser.add_argument("--languages", nargs="+", default=list(tts_truth.SENTENCES))
    args = parser.parse_args(argv)
    rows = {engine: [] for engine in args.engines}
    print(f"{'language':<10}" + "".join(f"{e + ' shape r':>18}" for e in args.engines))
    for language in args.languages:
        sample = tts_truth.synthesize(language)
        n = int(math.ceil(sample.audio.duration_s * FPS))
        truth = truth_shape(sample.phones, n)
        line = f"{language:<10}"
        for engine in args.engines:
            prediction = Prediction.of(ours(engine)(sample.audio, FPS, n))
            r = metrics.best_lag(truth, np.nan_to_num(prediction.spread))[1]
            rows[engine].append(r)
            line += f"{r:>18.2f}"
        print(line, flush=True)
    print(f"{'median':<10}" + "".join(f"{np.median(rows[e]):>18.2f}" for e in args.engines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
