"""Train the acoustic path's learned opening correction (articulation/opening_model.py) on videos.

    .venv/bin/python tools/eval/train_opening.py              # fit on every shared video, write the weights
    .venv/bin/python tools/eval/train_opening.py --no-write   # show the fit only

The figure that says whether it generalises is `tools/eval_lipsync.py --videos --loco`, which
retrains it without each held-out clip (`fold_models`) before scoring that clip.

Per clip: the engine's own cue vectors at 100 Hz and the video's mouth opening, standardised per
clip (r is what counts, so each face's scale and mean are free) and put on the prediction's clock
by the clip's audio-video offset (the rules-only engine's best lag: web videos carry offsets of
up to ±3 frames, which would otherwise blur a per-frame fit). A ridge regression maps cues to that
target; its output is then standardised over the training clips' speech frames, so the engine
adds it in units of a speaker's usual spread. The ridge strength is chosen leave-one-clip-out among
RIDGE_CANDIDATES on the training clips alone, so a held-out clip never informs it.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

TOOLS = Path(__file__).resolve().parents[1]
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from fantasy_talking.articulation import acoustic  # noqa: E402
from fantasy_talking.articulation.opening_model import CUES, LinearOpening  # noqa: E402
from fantasy_talking.audio.decode import Audio  # noqa: E402
from fantasy_talking.audio.features import FEATURE_RATE, HALF, FeatureStream  # noqa: E402

from eval import loco, metrics  # noqa: E402

RIDGE_CANDIDATES = (1e3, 1e4, 1e5)
"""Ridge strengths on standardised cues (about 14 000 frames), tried by the nested selection."""
SMOOTHING_FRAMES = 4.0
"""The jaw's smoothing in the engine (stream.JAW_SIGMA_FRAMES), applied when scoring a strength."""
WEIGHTS_FILE = Path(acoustic.__file__).with_name("opening_weights.py")
MODEL_TARGET = "fantasy_talking.articulation.acoustic.AcousticArticulation.OPENING_MODEL"
RULES_ONLY = {MODEL_TARGET: None}


@dataclass
class TrainingClip:
    """One video: cues (100 Hz), the standardised, offset-corrected opening on the same clock, the
    speech frames (the engine's own gate), and the raw truth to score against."""

    name: str
    cues: np.ndarray
    target: np.ndarray
    speaking: np.ndarray
    truth: np.ndarray
    fps: float


def cue_table(audio: Audio) -> np.ndarray:
    features = FeatureStream().push(np.concatenate([audio.samples, np.zeros(HALF, np.float32)]))
    with loco.override(RULES_ONLY):
        return acoustic.AcousticArticulation().cue_table(features)


def training_clip(name: str, audio: Audio, truth: np.ndarray, fps: float, rules_aperture: np.ndarray) -> TrainingClip:
    """`rules_aperture`: the rules-only engine's aperture on the truth's frames, which gives the offset."""
    cues = cue_table(audio)
    lag, _ = metrics.best_lag(truth, rules_aperture)
    z = (truth - np.nanmean(truth)) / np.nanstd(truth)
    times = (np.arange(len(z)) + lag) / fps   # truth[t] matches the prediction at t + lag
    finite = np.isfinite(z)
    target = np.interp(np.arange(len(cues)) / FEATURE_RATE, times[finite], z[finite], left=np.nan, right=np.nan)
    return TrainingClip(name, cues, target, cues[:, CUES.index("loudness")] > 0.0, truth, fps)


def fit(clips: list[TrainingClip], strength: float) -> LinearOpening:
    """Ridge fit on every frame with a truth; output standardised over the speech frames."""
    x = np.vstack([c.cues for c in clips])
    y = np.concatenate([c.target for c in clips])
    speaking = np.concatenate([c.speaking for c in clips])
    keep = np.isfinite(y)
    mean, scale = x[keep].mean(axis=0), x[keep].std(axis=0) + 1e-9
    z = (x - mean) / scale
    w = np.linalg.solve(z[keep].T @ z[keep] + strength * np.eye(z.shape[1]), z[keep].T @ (y[keep] - y[keep].mean()))
    out = (z @ w)[speaking]
    weights = w / scale / out.std()
    return LinearOpening(float(-(weights @ mean) - out.mean() / out.std()), tuple(float(v) for v in weights))


def quick_score(model: LinearOpening, clip: TrainingClip) -> float:
    """Best-lag r of the model's smoothed output alone against the clip's truth."""
    out = gaussian_filter1d(clip.cues @ np.array(model.weights) + model.bias, SMOOTHING_FRAMES)
    at_frames = np.interp(np.arange(len(clip.truth)) / clip.fps, np.arange(len(out)) / FEATURE_RATE, out)
    return metrics.best_lag(clip.truth, at_frames)[1]


def fit_nested(clips: list[TrainingClip]) -> tuple[LinearOpening, float]:
    """Ridge strength chosen leave-one-clip-out within `clips`, then fitted on all of them."""
    medians = [np.median([quick_score(fit([c for c in clips if c is not out], strength), out) for out in clips])
               for strength in RIDGE_CANDIDATES]
    strength = RIDGE_CANDIDATES[int(np.argmax(medians))]
    return fit(clips, strength), strength


def training_clips(results) -> list[TrainingClip]:
    """From eval_lipsync's video ClipResults (audio, truth, fps), with the rules-only engine's offsets."""
    from eval.predictors import ours

    predict = ours("acoustic")
    clips = []
    with loco.override(RULES_ONLY):
        for r in results:
            rules = predict(r.audio, r.fps, r.frames).aperture
            clips.append(training_clip(r.clip, r.audio, r.truth_curve, r.fps, rules))
    return clips


def fold_models(clips: list[TrainingClip]) -> list[LinearOpening]:
    """The model fitted without clip c, for every c: what leave-one-clip-out scores clip c with."""
    return [fit_nested([c for c in clips if c is not out])[0] for out in clips]


def write_weights(model: LinearOpening, strength: float, names: list[str], path: Path = WEIGHTS_FILE) -> None:
    rows = "\n".join(f"        {w:+.6e},  # {cue}" for w, cue in zip(model.weights, CUES))
    path.write_text(f'''"""Weights of the learned opening correction: written by tools/eval/train_opening.py, not by hand.

Fitted on {len(names)} talking-face videos ({", ".join(names)}), ridge strength {strength:g}.
"""
from fantasy_talking.articulation.opening_model import LinearOpening

OPENING = LinearOpening(
    bias={model.bias:+.6e},
    weights=(
{rows}
    ),
)
''')


def main(argv: list[str] | None = None) -> int:
    import eval_lipsync
    from eval.predictors import ours

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=Path, default=eval_lipsync.DEFAULT_VIDEOS, metavar="DIR")
    parser.add_argument("--no-write", action="store_true", help="show the fit; leave opening_weights.py alone")
    args = parser.parse_args(argv)
    results = eval_lipsync.evaluate_videos(args.videos, {"ours": ours("acoustic")}, use_cache=True)
    clips = training_clips(results)
    model, strength = fit_nested(clips)
    print(f"fitted on {len(clips)} clips, ridge strength {strength:g} (chosen leave-one-clip-out)")
    for w, cue in zip(model.weights, CUES):
        print(f"  {cue:<12} {w:+.4g}")
    if not args.no_write:
        write_weights(model, strength, [c.name for c in clips])
        print(f"wrote {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
