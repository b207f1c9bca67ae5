"""Live Link Face CSV: the take file Epic's iPhone app writes, read by Unreal, Maya and Blender importers.

Layout, one row per frame:

    Timecode,BlendShapeCount,EyeBlinkLeft,...,TongueOut,HeadYaw,HeadPitch,HeadRoll,LeftEyeYaw,...,RightEyeRoll
    00:00:01:07.000,61,0.01234567,...

* `Timecode` is `HH:MM:SS:FF.fff`: the frame number within the second, then the fraction of a frame.
* `BlendShapeCount` is 61: the 52 ARKit weights plus the nine head and eye angles.
* The angles are normalised, not radians: Unreal's ARKit face support maps -180..180 degrees to
  -1..1 (`Rotator.Yaw / 180`), so a column holds `radians / pi`.

Only the ARKit-52 curves are written, whatever extra curves the clip's rig profile carries, because
every importer indexes the columns by this exact header.
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fantasy_talking.animation.clip import AnimationClip
from fantasy_talking.animation.rig import ARKIT_52, LIVELINK_ANGLES, LIVELINK_CURVES

HEADER: tuple[str, ...] = ("Timecode", "BlendShapeCount") + LIVELINK_CURVES
BLEND_SHAPE_COUNT = len(LIVELINK_CURVES)
DECIMALS = 8
"""Digits after the point for weights and normalised angles; the round trip is exact to this."""

_TIMECODE = re.compile(r"^(\d+):(\d{2}):(\d{2}):(\d+)(?:\.(\d+))?$")


class LiveLinkCsvError(ValueError):
    """The file is not a Live Link Face CSV; the message says which line and why."""


@dataclass(frozen=True)
class LiveLinkTake:
    """What a Live Link Face CSV holds: per-frame ARKit weights and head/eye angles in radians."""

    fps: int
    times: np.ndarray
    weights: np.ndarray
    angles: np.ndarray

    @property
    def n_frames(self) -> int:
        return int(self.times.shape[0])

    def curve(self, name: str) -> np.ndarray:
        """One column by its Live Link name: a weight, or an angle in radians."""
        if name in LIVELINK_ANGLES:
            return self.angles[:, LIVELINK_ANGLES.index(name)]
        return self.weights[:, ARKIT_52.index(name)]


def format_timecode(time_s: float, fps: int) -> str:
    """`HH:MM:SS:FF.fff` for a time in seconds: whole frames within the second, then thousandths of a frame."""
    milliframes = round(time_s * fps * 1000)
    whole_frames, fraction = divmod(milliframes, 1000)
    seconds, frame = divmod(whole_frames, fps)
    minutes, second = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours:02d}:{minute:02d}:{second:02d}:{frame:02d}.{fraction:03d}"


def _timecode_parts(timecode: str) -> tuple[int, int, int, int, float]:
    """Hours, minutes, seconds, frame and fraction of a frame."""
    match = _TIMECODE.match(timecode.strip())
    if not match:
        raise LiveLinkCsvError(f"timecode {timecode!r} is not HH:MM:SS:FF.fff")
    hours, minutes, seconds, frame = (int(g) for g in match.groups()[:4])
    fraction = float(f"0.{match.group(5)}") if match.group(5) else 0.0
    return hours, minutes, seconds, frame, fraction


def _seconds(parts: tuple[int, int, int, int, float], fps: int) -> float:
    hours, minutes, seconds, frame, fraction = parts
    return hours * 3600 + minutes * 60 + seconds + (frame + fraction) / fps


def parse_timecode(timecode: str, fps: int) -> float:
    """Seconds for a `HH:MM:SS:FF[.fff]` timecode at `fps`."""
    return _seconds(_timecode_parts(timecode), fps)


def _arkit_weights(clip: AnimationClip) -> np.ndarray:
    """The clip's weights as (T, 52) in ARKit order; curves the clip lacks are zero."""
    out = np.zeros((clip.n_frames, len(ARKIT_52)), dtype=np.float64)
    index = {name: i for i, name in enumerate(clip.curve_names)}
    for column, name in enumerate(ARKIT_52):
        if name in index:
            out[:, column] = clip.weights[:, index[name]]
    return out


def write_livelink_csv(clip: AnimationClip, path: str | Path) -> Path:
    """Write `clip` as a Live Link Face CSV and return the path."""
    path = Path(path)
    path.write_text(livelink_csv_text(clip), encoding="utf-8", newline="")
    return path


def livelink_csv_text(clip: AnimationClip) -> str:
    """The CSV as a string (for servers that send it without touching disk)."""
    weights = _arkit_weights(clip)
    angles = np.asarray(clip.angles, dtype=np.float64) / math.pi
    values = np.concatenate([weights, angles], axis=1)
    prefixes = [f"{format_timecode(i / clip.fps, clip.fps)},{BLEND_SHAPE_COUNT}," for i in range(len(values))]
    body = _fixed_point_rows(prefixes, values)
    if body is None:  # a value of 10 or more, or timecodes of uneven width: one %-format per row
        row = "%s" + ",".join([f"%.{DECIMALS}f"] * values.shape[1]) + "\n"
        body = "".join(row % (prefix, *cells) for prefix, cells in zip(prefixes, values.tolist()))
    return ",".join(HEADER) + "\n" + body


_TIE_MARGIN = 1e-6
"""Cells whose scaled value is this close to a rounding tie are printed by Python, which rounds the
exact binary value: numpy's product may be off by an ulp there."""


def _fixed_point_rows(prefixes: list[str], values: np.ndarray) -> str | None:
    """The rows as `%.8f` would print them, built as one byte array: a farm writes millions of cells,
    and Python's float formatting was most of the CSV's cost. None when a value needs more than one
    digit before the point or the prefixes differ in width."""
    if not len(values):
        return ""
    magnitude = np.abs(values)
    width = len(prefixes[0])
    if not np.all(magnitude < 9.5) or any(len(p) != width for p in prefixes) or not np.all(np.isfinite(values)):
        return None
    scaled = magnitude * 10.0 ** DECIMALS
    units = np.rint(scaled)
    if np.any(np.abs(units // 10 ** DECIMALS) >= 10):
        return None
    n, m = values.shape
    cells = np.zeros((n, m, DECIMALS + 4), dtype=np.uint8)  # sign (or 0: dropped), digit, point, 8 digits, separator
    cells[..., 0] = np.where(np.signbit(values), ord("-"), 0)
    digits = units.astype(np.int64)
    for position in range(DECIMALS + 2, 2, -1):
        cells[..., position] = ord("0") + digits % 10
        digits //= 10
    cells[..., 2] = ord(".")
    cells[..., 1] = ord("0") + digits
    cells[..., -1] = ord(",")
    cells[:, -1, -1] = ord("\n")
    rows = np.concatenate([np.frombuffer("".join(prefixes).encode("ascii"), dtype=np.uint8).reshape(n, width),
                           cells.reshape(n, -1)], axis=1)
    text = rows.tobytes().replace(b"\0", b"").decode("ascii")
    ties = np.argwhere(np.abs(scaled - np.floor(scaled) - 0.5) < _TIE_MARGIN)
    if len(ties):  # rare: rebuild those rows with Python's correctly rounded formatting
        row = "%s" + ",".join([f"%.{DECIMALS}f"] * m) + "\n"
        lines = text.splitlines(keepends=True)
        for r in sorted({int(r) for r, _ in ties}):
            lines[r] = row % (prefixes[r], *values[r].tolist())
        text = "".join(lines)
    return text


def _infer_fps(parts: list[tuple[int, int, int, int, float]]) -> int:
    """Live Link Face does not store its frame rate; the frame counter's wrap point gives it away."""
    for k in range(1, len(parts)):
        if parts[k][:3] != parts[k - 1][:3]:
            return max(p[3] for p in parts[:k]) + 1
    raise LiveLinkCsvError("the take is shorter than one second, so its frame rate cannot be inferred; pass fps")


def read_livelink_csv(source: str | Path, fps: int | None = None) -> LiveLinkTake:
    """Read a Live Link Face CSV (ours or the app's). Columns are matched by name, case-insensitively.

    `fps` is the take's frame rate; when omitted it is inferred from where the frame counter wraps.
    Times are relative to the first row.
    """
    text = Path(source).read_text(encoding="utf-8-sig")
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    if not rows:
        raise LiveLinkCsvError("the file is empty")
    header = [cell.strip().lower() for cell in rows[0]]
    if header[:2] != ["timecode", "blendshapecount"]:
        raise LiveLinkCsvError("line 1 must start with Timecode,BlendShapeCount")
    columns = {name: i for i, name in enumerate(header)}
    missing = [name for name in ARKIT_52 if name.lower() not in columns]
    if missing:
        raise LiveLinkCsvError(f"line 1 lacks the curves {', '.join(missing[:5])}")
    weight_columns = [columns[name.lower()] for name in ARKIT_52]
    angle_columns = [columns.get(name.lower()) for name in LIVELINK_ANGLES]

    # Live Link Face writes BlendShapeCount 0 on frames where it lost the face; they hold no values.
    body = [row for row in rows[1:] if len(row) > 1 and row[1].strip() != "0"]
    parts = []
    for r, row in enumerate(body):
        try:
            parts.append(_timecode_parts(row[0]))
        except LiveLinkCsvError as exc:
            raise LiveLinkCsvError(f"row {r + 1}: {exc}") from None
    if fps is None:
        fps = _infer_fps(parts)

    times = np.array([_seconds(p, fps) for p in parts], dtype=np.float64)
    weights = np.zeros((len(body), len(ARKIT_52)), dtype=np.float64)
    angles = np.zeros((len(body), len(LIVELINK_ANGLES)), dtype=np.float64)
    for r, row in enumerate(body):
        try:
            weights[r] = [float(row[c]) for c in weight_columns]
            angles[r] = [float(row[c]) * math.pi if c is not None and c < len(row) else 0.0
                         for c in angle_columns]
        except (IndexError, ValueError) as exc:
            raise LiveLinkCsvError(f"row {r + 1}: {exc}") from None
    if len(times):
        times -= times[0]
    return LiveLinkTake(fps=int(fps), times=times, weights=weights, angles=angles)
