"""A one-page PNG of a clip: the waveform, the curves that matter, and the visemes, on one time axis.

People look before they read, so this is the first thing to open when a mouth looks wrong:
is the jaw open where the waveform is loud, do the lips close on the P's, does it blink.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from fantasy_talking.animation.clip import AnimationClip
from fantasy_talking.animation.rig import LIVELINK_ANGLES

WIDTH_IN, HEIGHT_IN, DPI = 13.0, 8.5, 110
WAVE_BINS = 2400
"""Waveform columns drawn as min/max envelopes: one per pixel or so, whatever the audio length."""

MOUTH_CURVES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("JawOpen", ("JawOpen",), "#1f77b4"),
    ("MouthClose", ("MouthClose",), "#d62728"),
    ("MouthFunnel", ("MouthFunnel",), "#9467bd"),
    ("MouthPucker", ("MouthPucker",), "#ff7f0e"),
    ("MouthSmile", ("MouthSmileLeft", "MouthSmileRight"), "#2ca02c"),
)
UPPER_FACE_CURVES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("EyeBlinkLeft", ("EyeBlinkLeft",), "#17becf"),
    ("BrowInnerUp", ("BrowInnerUp",), "#8c564b"),
)
HEAD_ANGLES: tuple[tuple[str, str], ...] = (("HeadPitch", "#e377c2"), ("HeadYaw", "#7f7f7f"))

# Visemes coloured by what shapes them: lips, tongue and teeth, or the open vowel.
VISEME_GROUP_COLOURS = {"lips": "#d62728", "tongue": "#ff7f0e", "vowel": "#1f77b4"}
VISEME_GROUPS = {
    "PP": "lips", "FF": "lips",
    "TH": "tongue", "DD": "tongue", "kk": "tongue", "CH": "tongue", "SS": "tongue", "nn": "tongue", "RR": "tongue",
    "aa": "vowel", "E": "vowel", "I": "vowel", "O": "vowel", "U": "vowel",
}


def _mean_curve(clip: AnimationClip, names: tuple[str, ...]) -> np.ndarray | None:
    present = [clip.curve(n) for n in names if n in clip.curve_names]
    return np.mean(present, axis=0) if present else None


def _envelope(samples: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Time, min and max per bin: a faithful waveform outline at a fixed drawing cost."""
    bins = max(1, min(WAVE_BINS, len(samples)))
    edges = np.linspace(0, len(samples), bins + 1).astype(int)
    lows = np.minimum.reduceat(samples, edges[:-1]) if len(samples) else np.zeros(1)
    highs = np.maximum.reduceat(samples, edges[:-1]) if len(samples) else np.zeros(1)
    times = edges[:-1] / float(sample_rate)
    return times, lows, highs


def _style(axis, ylabel: str) -> None:
    axis.set_ylabel(ylabel, rotation=0, ha="right", va="center", fontsize=10, labelpad=8)
    axis.spines[["top", "right"]].set_visible(False)
    axis.grid(True, axis="x", color="#e6e6e6", linewidth=0.8)
    axis.tick_params(labelsize=9)


def _draw_visemes(axis, clip: AnimationClip, duration: float) -> None:
    """Spans in a strip under the curves, labels on three staggered rows so neighbours don't collide."""
    axis.set_ylim(0, 2)
    axis.set_yticks([])
    rows = (1.55, 1.0, 0.45)
    row = 0
    min_label_s = duration / 160.0
    events = [e for e in clip.visemes if e.viseme != "sil" and e.end_s > e.start_s]
    # One collection per colour and one for the separators: a long clip has hundreds of visemes.
    for group, colour in VISEME_GROUP_COLOURS.items():
        spans = [(e.start_s, e.end_s - e.start_s) for e in events if VISEME_GROUPS.get(e.viseme, "vowel") == group]
        if spans:
            axis.broken_barh(spans, (0.08, 1.84), facecolors=colour, alpha=0.18, linewidth=0)
    if events:
        axis.vlines([e.start_s for e in events], 0.08, 1.92, colors="white", linewidth=1.2)
    for event in events:
        colour = VISEME_GROUP_COLOURS[VISEME_GROUPS.get(event.viseme, "vowel")]
        if event.end_s - event.start_s >= min_label_s:
            axis.text((event.start_s + event.end_s) / 2, rows[row], event.viseme,
                      ha="center", va="center", fontsize=8, color=colour, fontweight="bold")
            row = (row + 1) % len(rows)
    for group, colour in VISEME_GROUP_COLOURS.items():
        axis.plot([], [], color=colour, linewidth=6, alpha=0.35, label=group)
    axis.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)


def plot_clip(clip: AnimationClip, path: str | Path, samples: np.ndarray | None = None,
              sample_rate: int = 16_000, title: str = "") -> Path:
    """Draw `clip` (and the audio it came from, when given) to a PNG at `path`."""
    path = Path(path)
    duration = max(clip.duration_s, clip.n_frames / clip.fps, 1.0 / clip.fps)
    times = clip.times
    # A bare Figure on the Agg canvas: no pyplot, so no GUI backend search and no global figure state.
    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots(
        5, 1, sharex=True,
        gridspec_kw={"height_ratios": [1.1, 2.2, 1.2, 1.2, 0.7], "hspace": 0.12},
    )
    wave_axis, mouth_axis, upper_axis, head_axis, viseme_axis = axes

    if samples is not None and len(samples):
        t, lows, highs = _envelope(np.asarray(samples, dtype=np.float32), sample_rate)
        wave_axis.fill_between(t, lows, highs, color="#4c72b0", linewidth=0, step="post")
        peak = float(max(np.max(np.abs(highs)), np.max(np.abs(lows)), 1e-3))
        wave_axis.set_ylim(-1.05 * peak, 1.05 * peak)
    else:
        wave_axis.text(0.5, 0.5, "no audio", transform=wave_axis.transAxes, ha="center", color="#999999")
    wave_axis.set_yticks([])
    _style(wave_axis, "audio")

    for axis, curves, label in ((mouth_axis, MOUTH_CURVES, "mouth"), (upper_axis, UPPER_FACE_CURVES, "eyes\nbrows")):
        for name, sources, colour in curves:
            values = _mean_curve(clip, sources)
            if values is not None:
                axis.plot(times, values, color=colour, linewidth=1.4, label=name)
        axis.set_ylim(-0.03, 1.03)
        axis.set_yticks([0, 0.5, 1])
        _style(axis, label)
        axis.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)

    for name, colour in HEAD_ANGLES:
        degrees = np.degrees(clip.angles[:, LIVELINK_ANGLES.index(name)]) if clip.n_frames else []
        head_axis.plot(times, degrees, color=colour, linewidth=1.4, label=f"{name} (°)")
    head_axis.axhline(0, color="#cccccc", linewidth=0.8)
    span = float(np.max(np.abs(np.degrees(clip.angles[:, :2])))) if clip.n_frames else 0.0
    limit = max(2.0, math.ceil(span * 1.15))
    head_axis.set_ylim(-limit, limit)
    _style(head_axis, "head")
    head_axis.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8, frameon=False)

    _draw_visemes(viseme_axis, clip, duration)
    _style(viseme_axis, "visemes")
    viseme_axis.set_xlim(0, duration)
    viseme_axis.set_xlabel("time (s)", fontsize=10)

    heading = title or "FantasyTalking clip"
    figure.suptitle(f"{heading}   ·   {clip.duration_s:.2f} s, {clip.fps} fps, {clip.engine} engine",
                    x=0.06, ha="left", fontsize=12)
    figure.subplots_adjust(left=0.07, right=0.87, top=0.94, bottom=0.07)
    figure.savefig(path, dpi=DPI, facecolor="white")
    return path
