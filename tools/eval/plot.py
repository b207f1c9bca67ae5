"""One PNG per clip: the truth aperture against each prediction, to see where they part."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def standardise(values: np.ndarray) -> np.ndarray:
    """Zero mean, unit spread, so curves of different units share one axis."""
    finite = values[np.isfinite(values)]
    spread = finite.std() if finite.size else 0.0
    return (values - finite.mean()) / spread if spread > 0 else values * 0.0


def plot_clip(path: Path, title: str, fps: float, truth: np.ndarray, predictions: dict[str, np.ndarray],
              lags: dict[str, int]) -> None:
    """Truth on top of every predictor, all standardised, predictions drawn at lag 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = np.arange(len(truth)) / fps
    rows = max(1, len(predictions))
    fig, axes = plt.subplots(rows, 1, figsize=(14, 1.8 * rows + 0.6), sharex=True, squeeze=False)
    for ax, (name, pred) in zip(axes[:, 0], predictions.items()):
        ax.plot(times, standardise(truth), color="black", linewidth=1.2, label="truth")
        ax.plot(times, standardise(pred[:len(truth)]), color="tab:red", linewidth=1.0,
                label=f"{name} (best lag {lags.get(name, 0):+d})")
        ax.legend(loc="upper right", fontsize=8)
        ax.set_yticks([])
    axes[-1, 0].set_xlabel("seconds")
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
