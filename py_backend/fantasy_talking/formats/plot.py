"""A one-page PNG of a clip: the waveform, the curves that matter, and the visemes, on one time axis.

People look before they read, so this is the first thing to open when a mouth looks wrong:
is the jaw open where the waveform is loud, do the lips close on the P's, does it blink.

A farm draws thousands of these, so the page (figure, axes, labels, legends) is built once per
process and each plot only swaps the data; a fresh page and a reused one give the same bytes.
"""
from __future__ import annotations

import math
import threading
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from PIL import Image, PngImagePlugin

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


PNG_COMPRESS_LEVEL = 3
"""zlib level for the PNG: a plot of flat colours compresses well at 3, at a third of the default's time."""
PNG_COLOURS = 256
"""The PNG is a 256-colour palette image: a dozen flat colours and their anti-aliased edges fit with no
visible change, and it is 2.4x smaller and quicker to compress than full RGB."""
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.005, 1.0), "fontsize": 8, "frameon": False}
VISEME_ROWS = (1.55, 1.0, 0.45)
"""Heights of the three staggered label rows in the viseme strip, so neighbouring labels don't collide."""


def _style(axis, ylabel: str) -> None:
    axis.set_ylabel(ylabel, rotation=0, ha="right", va="center", fontsize=10, labelpad=8)
    axis.spines[["top", "right"]].set_visible(False)
    axis.grid(True, axis="x", color="#e6e6e6", linewidth=0.8)
    axis.tick_params(labelsize=9)


class _Page:
    """The figure with every artist a plot needs, built once; `draw` sets one clip's data on it."""

    def __init__(self) -> None:
        # A bare Figure on the Agg canvas: no pyplot, so no GUI backend search and no global figure state.
        self.figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
        self.canvas = FigureCanvasAgg(self.figure)
        axes = self.figure.subplots(
            5, 1, sharex=True,
            gridspec_kw={"height_ratios": [1.1, 2.2, 1.2, 1.2, 0.7], "hspace": 0.12},
        )
        self.wave_axis, mouth_axis, upper_axis, self.head_axis, self.viseme_axis = axes

        self.wave = self.wave_axis.fill_between([0.0], [0.0], [0.0], color="#4c72b0", linewidth=0, step="post")
        self.no_audio = self.wave_axis.text(0.5, 0.5, "no audio", transform=self.wave_axis.transAxes,
                                            ha="center", color="#999999")
        self.wave_axis.set_yticks([])
        _style(self.wave_axis, "audio")

        self.curves: list[tuple[tuple[str, ...], object]] = []
        for axis, curves, label in ((mouth_axis, MOUTH_CURVES, "mouth"),
                                    (upper_axis, UPPER_FACE_CURVES, "eyes\nbrows")):
            for name, sources, colour in curves:
                (line,) = axis.plot([], [], color=colour, linewidth=1.4, label=name)
                self.curves.append((sources, line))
            axis.set_ylim(-0.03, 1.03)
            axis.set_yticks([0, 0.5, 1])
            _style(axis, label)
            axis.legend(**LEGEND)

        self.angles = [(LIVELINK_ANGLES.index(name), self.head_axis.plot([], [], color=colour, linewidth=1.4,
                                                                         label=f"{name} (°)")[0])
                       for name, colour in HEAD_ANGLES]
        self.head_axis.axhline(0, color="#cccccc", linewidth=0.8)
        _style(self.head_axis, "head")
        self.head_axis.legend(**LEGEND)

        # One collection per colour and one for the separators: a long clip has hundreds of visemes.
        axis = self.viseme_axis
        axis.set_ylim(0, 2)
        axis.set_yticks([])
        self.spans = {group: axis.add_collection(PolyCollection([], facecolors=colour, alpha=0.18, linewidth=0),
                                                 autolim=False)
                      for group, colour in VISEME_GROUP_COLOURS.items()}
        self.separators = axis.add_collection(LineCollection([], colors="white", linewidth=1.2), autolim=False)
        self.labels: list[tuple[float, float, str, str]] = []
        self.stamps = _LabelStamps()
        for group, colour in VISEME_GROUP_COLOURS.items():
            axis.plot([], [], color=colour, linewidth=6, alpha=0.35, label=group)
        axis.legend(**LEGEND)
        _style(axis, "visemes")
        axis.set_xlabel("time (s)", fontsize=10)

        self.heading = self.figure.suptitle("", x=0.06, ha="left", fontsize=12)
        self.figure.subplots_adjust(left=0.07, right=0.87, top=0.94, bottom=0.07)

    def draw(self, clip: AnimationClip, samples: np.ndarray | None, sample_rate: int, title: str) -> Image.Image:
        """Set every artist from `clip` and render; returns the page as a palette image."""
        duration = max(clip.duration_s, clip.n_frames / clip.fps, 1.0 / clip.fps)
        times = clip.times

        has_audio = samples is not None and len(samples) > 0
        if has_audio:
            t, lows, highs = _envelope(np.asarray(samples, dtype=np.float32), sample_rate)
            self.wave.set_data(t, lows, highs)
            peak = float(max(np.max(np.abs(highs)), np.max(np.abs(lows)), 1e-3))
            self.wave_axis.set_ylim(-1.05 * peak, 1.05 * peak)
        else:
            self.wave_axis.set_ylim(0, 1)
        self.wave.set_visible(has_audio)
        self.no_audio.set_visible(not has_audio)

        for sources, line in self.curves:
            values = _mean_curve(clip, sources)
            line.set_data(times, values if values is not None else np.full(len(times), np.nan))

        degrees = np.degrees(clip.angles[:, :2]) if clip.n_frames else np.zeros((0, 2))
        for index, line in self.angles:
            line.set_data(times, np.degrees(clip.angles[:, index]) if clip.n_frames else [])
        limit = max(2.0, math.ceil(float(np.max(np.abs(degrees))) * 1.15 if degrees.size else 0.0))
        self.head_axis.set_ylim(-limit, limit)

        self._set_visemes(clip, duration)
        self.viseme_axis.set_xlim(0, duration)
        heading = title or "FantasyTalking clip"
        self.heading.set_text(f"{heading}   ·   {clip.duration_s:.2f} s, {clip.fps} fps, {clip.engine} engine")
        self.canvas.draw()
        width, height = self.canvas.get_width_height()
        rgba = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        pixels = np.array(rgba.convert("RGB"))
        to_pixels = self.viseme_axis.transData
        for x, y, text, colour in self.labels:
            column, row = to_pixels.transform((x, y))
            self.stamps.paint(pixels, text, colour, column, height - row)
        return Image.fromarray(pixels).quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE)

    def _set_visemes(self, clip: AnimationClip, duration: float) -> None:
        """Spans in a strip under the curves, labels on three staggered rows so neighbours don't collide."""
        events = [e for e in clip.visemes if e.viseme != "sil" and e.end_s > e.start_s]
        for group, collection in self.spans.items():
            collection.set_verts([[(e.start_s, 0.08), (e.start_s, 1.92), (e.end_s, 1.92), (e.end_s, 0.08)]
                                  for e in events if VISEME_GROUPS.get(e.viseme, "vowel") == group])
        self.separators.set_segments([[(e.start_s, 0.08), (e.start_s, 1.92)] for e in events])
        min_label_s = duration / 160.0
        labelled = [e for e in events if e.end_s - e.start_s >= min_label_s]
        self.labels = [((e.start_s + e.end_s) / 2, VISEME_ROWS[k % len(VISEME_ROWS)], e.viseme,
                        VISEME_GROUP_COLOURS[VISEME_GROUPS.get(e.viseme, "vowel")]) for k, e in enumerate(labelled)]


class _LabelStamps:
    """Viseme labels are painted from bitmaps rendered once per label, not laid out as text each time:
    a long clip has hundreds of them, and text layout was a third of a plot's drawing time."""

    SIZE_PX = (48, 24)

    def __init__(self) -> None:
        self.figure = Figure(figsize=(self.SIZE_PX[0] / DPI, self.SIZE_PX[1] / DPI), dpi=DPI)
        self.figure.patch.set_alpha(0.0)
        self.canvas = FigureCanvasAgg(self.figure)
        self.text = self.figure.text(0.5, 0.5, "", ha="center", va="center", fontsize=8, fontweight="bold")
        self.coverage: dict[str, np.ndarray] = {}

    def _coverage(self, text: str) -> np.ndarray:
        """How much of each pixel the label's glyphs cover, 0..1, centred in SIZE_PX."""
        if text not in self.coverage:
            self.text.set_text(text)
            self.canvas.draw()
            self.coverage[text] = np.asarray(self.canvas.buffer_rgba())[..., 3].astype(np.float32) / 255.0
        return self.coverage[text]

    def paint(self, pixels: np.ndarray, text: str, colour: str, x: float, y: float) -> None:
        """Blend the label in `colour` onto RGB `pixels`, centred at pixel (x, y) counted from the top left."""
        coverage = self._coverage(text)
        h, w = coverage.shape
        top, left = int(round(y - h / 2)), int(round(x - w / 2))
        rows = slice(max(top, 0), min(top + h, pixels.shape[0]))
        columns = slice(max(left, 0), min(left + w, pixels.shape[1]))
        if rows.start >= rows.stop or columns.start >= columns.stop:
            return
        alpha = coverage[rows.start - top:rows.stop - top, columns.start - left:columns.stop - left, None]
        region = pixels[rows, columns].astype(np.float32)
        ink = np.array(to_rgb(colour), dtype=np.float32) * 255.0
        pixels[rows, columns] = np.rint(region + (ink - region) * alpha).astype(np.uint8)


_page: _Page | None = None
_page_lock = threading.Lock()


def plot_clip(clip: AnimationClip, path: str | Path, samples: np.ndarray | None = None,
              sample_rate: int = 16_000, title: str = "") -> Path:
    """Draw `clip` (and the audio it came from, when given) to a PNG at `path`."""
    global _page
    path = Path(path)
    with _page_lock:  # one page per process: servers may plot from several threads
        if _page is None:
            _page = _Page()
        image = _page.draw(clip, samples, sample_rate, title)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/")
    image.save(path, format="png", compress_level=PNG_COMPRESS_LEVEL, pnginfo=info)
    return path
