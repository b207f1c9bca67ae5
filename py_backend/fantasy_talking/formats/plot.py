"""A one-page PNG of a clip: the waveform, the curves that matter, and the visemes, on one time axis.

People look before they read, so this is the first thing to open when a mouth looks wrong:
is the jaw open where the waveform is loud, do the lips close on the P's, does it blink.

A farm draws one of these per voice line, so the page is rasterised directly rather than laid
out by a plotting library: a 256-colour palette image in which the frame, the labels and the
legends are drawn once per process (`_Page`), and each plot copies that background and rasterises
its data into it with numpy (curves column by column, the waveform as min/max spans). Text is painted from
glyph masks rendered once per string with the DejaVu Sans that matplotlib ships, anti-aliased by
palette shades. The PNG is one compressed image chunk (`_png_bytes`), deflated by ISA-L. A plot costs
about 3 ms of CPU on a bench line; the same clip always gives the same bytes.
"""
from __future__ import annotations

import importlib.util
import math
import struct
import threading
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from isal import isal_zlib
from PIL import Image, ImageDraw, ImageFont  # text masks only

from fantasy_talking.animation.clip import AnimationClip
from fantasy_talking.animation.rig import LIVELINK_ANGLES

WIDTH, HEIGHT = 1430, 935
"""The page in pixels (13 x 8.5 inches at 110 dpi, the size the matplotlib version had)."""

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
WAVE_COLOUR = "#4c72b0"

# Visemes coloured by what shapes them: lips, tongue and teeth, or the open vowel.
VISEME_GROUP_COLOURS = {"lips": "#d62728", "tongue": "#ff7f0e", "vowel": "#1f77b4"}
VISEME_GROUPS = {
    "PP": "lips", "FF": "lips",
    "TH": "tongue", "DD": "tongue", "kk": "tongue", "CH": "tongue", "SS": "tongue", "nn": "tongue", "RR": "tongue",
    "aa": "vowel", "E": "vowel", "I": "vowel", "O": "vowel", "U": "vowel",
}
SPAN_ALPHA, SWATCH_ALPHA = 0.18, 0.35
"""Viseme spans are their group's colour at 18 % over white (35 % in the legend), so curves' colours stay distinct."""
VISEME_ROWS = (1.55, 1.0, 0.45)
"""Heights (of 2) of the three staggered label rows in the viseme strip, so neighbouring labels don't collide."""

INK, SPINE, GRID, ZERO_LINE, MUTED = "#262626", "#333333", "#e6e6e6", "#cccccc", "#999999"
SHADES = 4
"""Anti-aliasing levels of text: each colour has 4 blends with white in the palette."""
CURVE_WIDTH_PX = 2
PNG_COMPRESS_LEVEL = 1
"""ISA-L's deflate at level 1: on a flat-colour palette page it is eight times faster than zlib's fastest
run-length mode (0.3 against 2.4 ms a page, measured on the bench lines) for files 4 % larger; before it,
the encoder was most of a plot's cost."""

# The page's layout, as fractions of it (the proportions of the matplotlib version).
LEFT, RIGHT, TOP, BOTTOM = 0.07, 0.87, 0.06, 0.93
PANEL_RATIOS = (1.1, 2.2, 1.2, 1.2, 0.7)
PANEL_GAP = 0.12
"""Gap between panels, as a fraction of the mean panel height."""


@lru_cache(maxsize=None)
def _font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans from matplotlib's package data (found without importing matplotlib)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plot needs matplotlib's DejaVu Sans font: pip install matplotlib")
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf" / name
    return ImageFont.truetype(str(path), size_px)


@lru_cache(maxsize=4096)
def _text_mask(text: str, size_px: int, bold: bool = False) -> np.ndarray:
    """The string's anti-aliased coverage, quantised to 0..SHADES, one line high (ascent + descent)."""
    font = _font(size_px, bold)
    ascent, descent = font.getmetrics()
    width = max(1, math.ceil(font.getlength(text)) + 2)
    image = Image.new("L", (width, ascent + descent), 0)
    ImageDraw.Draw(image).text((1, 0), text, fill=255, font=font)
    mask = (np.asarray(image, dtype=np.uint16) * SHADES + 127) // 255
    mask.flags.writeable = False
    return mask.astype(np.uint8)


class _Palette:
    """The page's colours: each named colour as SHADES blends with white, so text edges can be anti-aliased."""

    def __init__(self) -> None:
        self.rgb: list[tuple[int, int, int]] = [(255, 255, 255)]
        self.index: dict[str, int] = {}

    def __call__(self, colour: str, alpha: float = 1.0) -> int:
        """The palette index of `colour` at `alpha` over white (the full shade; text uses the ones below it)."""
        key = f"{colour}@{alpha:.3f}"
        if key not in self.index:
            r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
            solid = tuple(255 - (255 - c) * alpha for c in (r, g, b))
            for level in range(1, SHADES + 1):
                self.rgb.append(tuple(int(round(255 - (255 - c) * level / SHADES)) for c in solid))
            self.index[key] = len(self.rgb) - 1
            if len(self.rgb) > 256:
                raise RuntimeError("the plot uses more than 256 colours")
        return self.index[key]

    def flat(self) -> list[int]:
        return [v for rgb in self.rgb for v in rgb]


def _paint_text(pixels: np.ndarray, text: str, x: float, y: float, colour: int, *, size_px: int = 13,
                bold: bool = False, align: str = "left", valign: str = "middle") -> None:
    """Stamp `text` in palette colour `colour` (a full shade) with its anchor at pixel (x, y)."""
    if not text:
        return
    mask = _text_mask(text, size_px, bold)
    h, w = mask.shape
    left = int(round(x - {"left": 0, "center": w / 2, "right": w}[align]))
    top = int(round(y - {"top": 0, "middle": h / 2, "bottom": h}[valign]))
    rows = slice(max(top, 0), min(top + h, pixels.shape[0]))
    columns = slice(max(left, 0), min(left + w, pixels.shape[1]))
    if rows.start >= rows.stop or columns.start >= columns.stop:
        return
    levels = mask[rows.start - top:rows.stop - top, columns.start - left:columns.stop - left]
    region = pixels[rows, columns]
    inked = levels > 0
    region[inked] = colour - SHADES + levels[inked]


@dataclass(frozen=True)
class _Panel:
    """One strip of the page: its pixel box and its vertical data range."""

    top: int
    bottom: int
    low: float
    high: float

    def y(self, values: np.ndarray | float) -> np.ndarray | float:
        """Data values → pixel rows (down the page)."""
        return self.bottom - (np.asarray(values, dtype=np.float64) - self.low) / (self.high - self.low) * (
            self.bottom - self.top)


def _panels() -> list[tuple[int, int]]:
    """(top, bottom) pixel rows of the five panels."""
    top, bottom = TOP * HEIGHT, BOTTOM * HEIGHT
    mean = (bottom - top) / (len(PANEL_RATIOS) + PANEL_GAP * (len(PANEL_RATIOS) - 1))
    unit = mean * len(PANEL_RATIOS) / sum(PANEL_RATIOS)
    boxes, y = [], top
    for ratio in PANEL_RATIOS:
        boxes.append((int(round(y)), int(round(y + ratio * unit))))
        y += ratio * unit + PANEL_GAP * mean
    return boxes


def _nice_step(span: float, most: int) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that cuts `span` into at most `most` steps."""
    for exponent in range(-3, 6):
        for mantissa in (1.0, 2.0, 2.5, 5.0):
            step = mantissa * 10.0 ** exponent
            if span / step <= most:
                return step
    return 10.0 ** 6


def _tick_label(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    if step < 1 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-9:
        decimals += 1
    text = f"{value:.{decimals}f}"
    return "0" if float(text) == 0 else text


def _mean_curve(clip: AnimationClip, names: tuple[str, ...]) -> np.ndarray | None:
    present = [clip.curve(n) for n in names if n in clip.curve_names]
    return np.mean(present, axis=0) if present else None


class _Page:
    """Everything that is the same on every plot, drawn once; `draw` copies it and adds one clip."""

    def __init__(self) -> None:
        self.palette = _Palette()
        p = self.palette
        self.left, self.right = int(round(LEFT * WIDTH)), int(round(RIGHT * WIDTH))
        self.boxes = boxes = _panels()
        self.wave = _Panel(*boxes[0], -1.0, 1.0)
        self.mouth = _Panel(*boxes[1], -0.03, 1.03)
        self.upper = _Panel(*boxes[2], -0.03, 1.03)
        self.head_box = boxes[3]
        self.visemes = _Panel(*boxes[4], 0.0, 2.0)
        self.ink, self.muted, self.grid = p(INK), p(MUTED), p(GRID)
        self.spine, self.zero_line = p(SPINE), p(ZERO_LINE)
        self.wave_colour = p(WAVE_COLOUR)
        self.curves = [(sources, p(colour)) for _, sources, colour in MOUTH_CURVES + UPPER_FACE_CURVES]
        self.angles = [(LIVELINK_ANGLES.index(name), p(colour)) for name, colour in HEAD_ANGLES]
        self.span_colours = {group: p(colour, SPAN_ALPHA) for group, colour in VISEME_GROUP_COLOURS.items()}
        self.label_colours = {group: p(colour) for group, colour in VISEME_GROUP_COLOURS.items()}

        pixels = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
        for top, bottom in boxes:
            pixels[top:bottom + 1, self.left] = self.spine
            pixels[bottom, self.left:self.right + 1] = self.spine
        for (top, bottom), label in zip(boxes, ("audio", "mouth", "eyes\nbrows", "head", "visemes")):
            rows = label.split("\n")
            pad = 40 if label in ("mouth", "eyes\nbrows", "head") else 12  # clear of the tick labels
            for k, row in enumerate(rows):
                _paint_text(pixels, row, self.left - pad, (top + bottom) / 2 + (k - (len(rows) - 1) / 2) * 16,
                            self.ink, size_px=15, align="right")
        for panel in (self.mouth, self.upper):
            for value in (0.0, 0.5, 1.0):
                row = int(round(panel.y(value)))
                pixels[row, self.left - 5:self.left] = self.spine
                _paint_text(pixels, f"{value:.1f}", self.left - 8, row, self.ink, size_px=13, align="right")
        self._legend(pixels, self.mouth.top, [(name, p(colour)) for name, _, colour in MOUTH_CURVES])
        self._legend(pixels, self.upper.top, [(name, p(colour)) for name, _, colour in UPPER_FACE_CURVES])
        self._legend(pixels, self.head_box[0], [(f"{name} (°)", p(colour)) for name, colour in HEAD_ANGLES])
        self._legend(pixels, self.visemes.top, [(group, p(colour, SWATCH_ALPHA))
                                                for group, colour in VISEME_GROUP_COLOURS.items()], swatch=8)
        _paint_text(pixels, "time (s)", (self.left + self.right) / 2, HEIGHT - 14, self.ink, size_px=15,
                    valign="bottom")
        self.background = pixels
        self.flat_palette = self.palette.flat()
        # The PNG's rows, drawn into in place: a leading filter-type byte (0, "none") and the pixels.
        # Kept for the process, because fresh page-sized buffers cost more in page faults than the deflate.
        self.rows = np.zeros((HEIGHT, WIDTH + 1), dtype=np.uint8)

    def _legend(self, pixels: np.ndarray, top: int, entries: list[tuple[str, int]], swatch: int = 2) -> None:
        x = self.right + 18
        for k, (name, colour) in enumerate(entries):
            y = top + 10 + 19 * k
            pixels[y - swatch // 2:y - swatch // 2 + swatch, x:x + 28] = colour
            _paint_text(pixels, name, x + 36, y, self.ink, size_px=12)

    def x(self, seconds: np.ndarray | float, duration: float) -> np.ndarray | float:
        return self.left + np.asarray(seconds, dtype=np.float64) / duration * (self.right - self.left)

    def draw(self, clip: AnimationClip, samples: np.ndarray | None, sample_rate: int, title: str) -> np.ndarray:
        """The page with `clip` (and its audio) drawn on it: `rows`, whose pixels are indices into
        `flat_palette`, valid until the next draw."""
        duration = max(clip.duration_s, clip.n_frames / clip.fps, 1.0 / clip.fps)
        pixels = self.rows[:, 1:]
        pixels[:] = self.background
        step = _nice_step(duration, 10)
        ticks = np.arange(0.0, duration + 1e-9, step)
        columns = np.rint(self.x(ticks, duration)).astype(int)
        for top, bottom in self.boxes:
            pixels[top:bottom, columns[columns > self.left]] = self.grid
            for column in columns:
                pixels[bottom + 1:bottom + 6, column] = self.spine
        for value, column in zip(ticks, columns):
            _paint_text(pixels, _tick_label(value, step), column, self.visemes.bottom + 8, self.ink, valign="top")

        heading = title or "FantasyTalking clip"
        _paint_text(pixels, f"{heading}   ·   {clip.duration_s:.2f} s, {clip.fps} fps, {clip.engine} engine",
                    0.06 * WIDTH, 0.5 * TOP * HEIGHT, self.ink, size_px=18)

        if samples is not None and len(samples) > 0:
            self._waveform(pixels, np.asarray(samples, dtype=np.float32), sample_rate, duration)
        else:
            _paint_text(pixels, "no audio", (self.left + self.right) / 2, (self.wave.top + self.wave.bottom) / 2,
                        self.muted, size_px=13, align="center")
        self._visemes(pixels, clip, duration)

        head, limit, head_ticks = self._head_panel(clip)
        for value in head_ticks:
            row = int(round(head.y(value)))
            pixels[row, self.left - 5:self.left] = self.spine
            _paint_text(pixels, f"{value:g}", self.left - 8, row, self.ink, align="right")
        pixels[int(round(head.y(0.0))), self.left + 1:self.right] = self.zero_line

        if clip.n_frames:
            xs = self.x(clip.times, duration)
            for (sources, colour), panel in zip(self.curves, [self.mouth] * len(MOUTH_CURVES)
                                                + [self.upper] * len(UPPER_FACE_CURVES)):
                values = _mean_curve(clip, sources)
                if values is not None:
                    self._line(pixels, xs, panel.y(np.clip(values, panel.low, panel.high)), colour)
            for index, colour in self.angles:
                degrees = np.clip(np.degrees(clip.angles[:, index]), -limit, limit)
                self._line(pixels, xs, head.y(degrees), colour)
        return self.rows

    def _line(self, pixels: np.ndarray, xs: np.ndarray, ys: np.ndarray, colour: int) -> None:
        """The curve through (xs, ys), CURVE_WIDTH_PX wide: each pixel column is inked from the row the
        curve leaves the previous column at to the row it reaches, through every data point inside it,
        so steep slopes have no gaps and a one-frame spike is never skipped, however many frames a column holds."""
        finite = np.isfinite(ys)
        xs, ys = xs[finite], ys[finite]
        if not len(xs):
            return
        first, last = int(np.floor(xs[0])), int(np.ceil(xs[-1]))
        columns = np.arange(first, last + 1)
        rows = np.rint(np.interp(columns, xs, ys)).astype(np.int64)
        lows, highs = np.minimum(rows, np.r_[rows[:1], rows[:-1]]), np.maximum(rows, np.r_[rows[:1], rows[:-1]])
        at = np.rint(xs).astype(np.int64) - first
        point_rows = np.rint(ys).astype(np.int64)
        np.minimum.at(lows, at, point_rows)
        np.maximum.at(highs, at, point_rows)
        counts = highs - lows + 1
        offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        ink_rows = np.repeat(lows, counts) + offsets
        ink_columns = np.repeat(columns, counts)
        for dx in range(CURVE_WIDTH_PX):
            pixels[ink_rows, np.minimum(ink_columns + dx, self.right)] = colour

    def _waveform(self, pixels: np.ndarray, samples: np.ndarray, sample_rate: int, duration: float) -> None:
        """A min/max envelope per pixel column, filled: a faithful outline at a fixed cost."""
        width = self.right - self.left
        edges = np.minimum(np.rint(np.arange(width + 1) * (duration / width) * sample_rate).astype(np.int64),
                           len(samples))
        starts, stops = edges[:-1], edges[1:]
        filled = stops > starts
        if not filled.any():
            return
        lows = np.minimum.reduceat(samples, np.minimum(starts, len(samples) - 1))
        highs = np.maximum.reduceat(samples, np.minimum(starts, len(samples) - 1))
        peak = float(max(np.max(np.abs(highs[filled])), np.max(np.abs(lows[filled])), 1e-3)) * 1.05
        panel = _Panel(self.wave.top, self.wave.bottom, -peak, peak)
        top_rows = np.rint(panel.y(highs)).astype(int)
        bottom_rows = np.rint(panel.y(lows)).astype(int)
        rows = np.arange(panel.top, panel.bottom)[:, None]
        mask = (rows >= top_rows[None, :]) & (rows <= bottom_rows[None, :]) & filled[None, :]
        region = pixels[panel.top:panel.bottom, self.left + 1:self.right + 1]
        region[mask] = self.wave_colour

    def _visemes(self, pixels: np.ndarray, clip: AnimationClip, duration: float) -> None:
        """Spans in a strip under the curves, labels on three staggered rows so neighbours don't collide."""
        events = [e for e in clip.visemes if e.viseme != "sil" and e.end_s > e.start_s and e.start_s < duration]
        if not events:
            return
        strip = self.visemes
        top, bottom = int(round(strip.y(1.92))), int(round(strip.y(0.08)))
        starts = np.rint(self.x([e.start_s for e in events], duration)).astype(int)
        stops = np.clip(np.rint(self.x([e.end_s for e in events], duration)).astype(int), starts + 1, self.right)
        groups = [VISEME_GROUPS.get(e.viseme, "vowel") for e in events]
        for start, stop, group in zip(starts.tolist(), stops.tolist(), groups):
            pixels[top:bottom, start:stop] = self.span_colours[group]
        pixels[top:bottom, starts] = 0  # white separators
        min_label_s = duration / 160.0
        labelled = [(e, g) for e, g in zip(events, groups)
                    if e.end_s - e.start_s >= min_label_s and (e.start_s + e.end_s) / 2 <= duration]
        centres = self.x([(e.start_s + e.end_s) / 2 for e, _ in labelled], duration).tolist()
        for k, ((event, group), centre) in enumerate(zip(labelled, centres)):
            _paint_text(pixels, event.viseme, centre, strip.y(VISEME_ROWS[k % len(VISEME_ROWS)]),
                        self.label_colours[group], size_px=12, bold=True, align="center")

    def _head_panel(self, clip: AnimationClip) -> tuple[_Panel, float, np.ndarray]:
        """The head panel scaled to the clip's largest pitch or yaw, with its ticks."""
        degrees = np.degrees(clip.angles[:, :2]) if clip.n_frames else np.zeros((0, 2))
        limit = max(2.0, math.ceil(float(np.max(np.abs(degrees))) * 1.15) if degrees.size else 0.0)
        step = _nice_step(2 * limit, 6)
        ticks = np.arange(-math.floor(limit / step), math.floor(limit / step) + 1) * step
        return _Panel(*self.head_box, -limit, limit), limit, ticks


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
        png = _png_bytes(_page.draw(clip, samples, sample_rate, title), _page.flat_palette)
    path.write_bytes(png)
    return path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def _png_bytes(rows: np.ndarray, palette: list[int]) -> bytes:
    """An 8-bit palette PNG (PNG 1.2: IHDR, PLTE, a Software note, one IDAT, IEND) of `rows`: each a
    filter-type byte, then the row's palette indices.

    Written here rather than by Pillow only to choose the deflate: Pillow's PNG writer is tied to
    zlib. The rows' filter type 0 (none) suits runs of one palette index."""
    height, width = rows.shape[0], rows.shape[1] - 1
    return b"".join([
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),   # 8-bit, palette, no interlace
        _chunk(b"PLTE", bytes(palette)),
        _chunk(b"tEXt", b"Software\x00FantasyTalking"),
        _chunk(b"IDAT", isal_zlib.compress(rows, PNG_COMPRESS_LEVEL)),
        _chunk(b"IEND", b""),
    ])
