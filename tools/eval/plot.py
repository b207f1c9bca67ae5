"""One PNG per clip: the truth aperture against each prediction, to see where they part.

Each row draws the truth (black) and one prediction (red), both standardised, the prediction at
lag 0, with the speech frames shaded (yellow) and, under the curves, the frames each counts as
closed (truth grey, prediction red): a false closure is a red tick with no grey one beside it,
a missed one the other way round.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from eval.metrics import closed_mask


def standardise(values: np.ndarray) -> np.ndarray:
    """Zero mean, unit spread, so curves of different units share one axis."""
    finite = values[np.isfinite(values)]
    spread = finite.std() if finite.size else 0.0
    return (values - finite.mean()) / spread if spread > 0 else values * 0.0


def plot_clip(path: Path, title: str, fps: float, truth: np.ndarray, predictions: dict[str, np.ndarray],
              lags: dict[str, int], speech: np.ndarray | None = None) -> None:
    """Truth on top of every predictor, all standardised, predictions drawn at lag 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = np.arange(len(truth)) / fps
    truth_closed = closed_mask(truth)
    rows = max(1, len(predictions))
    width = min(60.0, max(14.0, len(truth) / fps * 1.2))   # about 1.2 inch a second, so closures stay visible
    fig, axes = plt.subplots(rows, 1, figsize=(width, 2.0 * rows + 0.6), sharex=True, squeeze=False)
    for ax, (name, pred) in zip(axes[:, 0], predictions.items()):
        pred = pred[:len(truth)]
        if speech is not None:
            ax.fill_between(times, -4.2, 3.5, where=speech[:len(times)], color="gold", alpha=0.15, step="mid",
                            linewidth=0)
        ax.plot(times, standardise(truth), color="black", linewidth=1.2, label="truth")
        ax.plot(times[:len(pred)], standardise(pred), color="tab:red", linewidth=1.0,
                label=f"{name} (best lag {lags.get(name, 0):+d})")
        ax.fill_between(times, -3.6, -3.3, where=truth_closed, color="0.4", step="mid", linewidth=0,
                        label="closed: truth")
        ax.fill_between(times[:len(pred)], -4.0, -3.7, where=closed_mask(pred), color="tab:red", step="mid",
                        linewidth=0, label=f"closed: {name}")
        ax.set_ylim(-4.2, 3.5)
        ax.legend(loc="upper right", fontsize=7, ncol=4)
        ax.set_yticks([])
    axes[-1, 0].set_xlabel("seconds (shaded: speech)")
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=70)
    plt.close(fig)
