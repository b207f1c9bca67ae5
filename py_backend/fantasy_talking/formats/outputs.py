"""Every file a clip becomes, written atomically: the one writer behind `ftalk animate`, `ftalk say` and `ftalk bake`.

Each file is written under a temporary name beside its destination and renamed into place, so a
reader (or a farm resuming after a crash) sees either the old file, the whole new one, or none:
never half a file. Encoders load lazily (matplotlib only when a PNG is asked for).
"""
from __future__ import annotations

import os
import wave
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

import numpy as np

if TYPE_CHECKING:
    from fantasy_talking.animation.clip import AnimationClip
    from fantasy_talking.audio.decode import Audio

FORMATS: dict[str, str] = {
    "wav": "speech",
    "csv": "Live Link Face CSV",
    "json": "JSON frames",
    "png": "plot",
    "glb": "animated head (glTF)",
}
"""Every output format, in the order they are written, with what each is for."""

DEFAULT_FORMATS = ("csv", "json", "png")


class OutputError(ValueError):
    """The formats asked for cannot be written (unknown name, or a GLB without a head)."""


@dataclass(frozen=True)
class WrittenFile:
    """One file a command produced, with what it is for the summary line."""

    path: Path
    description: str


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """'csv,json,png' (or a list) → the formats in writing order; unknown names raise OutputError."""
    names = [n.strip().lower().lstrip(".") for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    unknown = sorted(set(names) - set(FORMATS))
    if unknown:
        raise OutputError(f"unknown format {', '.join(unknown)}; choose from {','.join(FORMATS)}")
    if not names:
        raise OutputError(f"no output format given; choose from {','.join(FORMATS)}")
    return tuple(n for n in FORMATS if n in names)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` (same suffix, so encoders that look at it still work),
    renamed onto `path` when the block succeeds and removed when it fails."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_wav(samples: np.ndarray, sample_rate: int, path: str | Path) -> Path:
    """16-bit mono PCM WAV."""
    path = Path(path)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes((np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2").tobytes())
    return path


def write_clip_files(clip: AnimationClip, audio: Audio, prefix: Path, formats: Sequence[str] = DEFAULT_FORMATS,
                     *, title: str = "", head_glb: bytes | None = None,
                     on_file: Callable[[WrittenFile], None] | None = None) -> list[WrittenFile]:
    """Write PREFIX.<format> for each format, atomically, and return them in writing order.

    `audio` is what the clip animates (the WAV and the plot's waveform); `head_glb` is the head
    that `glb` bakes the animation into. Raises OSError for the file system, OutputError for a
    GLB without a head and HeadError for a head that cannot take the animation.
    """
    if "glb" in formats and head_glb is None:
        raise OutputError("the glb format needs a head: pass the .glb written by `ftalk head`")
    prefix.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for name in parse_formats(formats):
        path = prefix.with_name(f"{prefix.name}.{name}")
        with atomic_path(path) as temporary:
            _encode(name, clip, audio, temporary, title or prefix.name, head_glb, prefix.name)
        written.append(WrittenFile(path, FORMATS[name]))
        if on_file is not None:
            on_file(written[-1])
    return written


def _encode(name: str, clip: AnimationClip, audio: Audio, path: Path, title: str, head_glb: bytes | None,
            animation_name: str) -> None:
    if name == "wav":
        write_wav(audio.samples, audio.sample_rate, path)
    elif name == "csv":
        from fantasy_talking.formats.livelink_csv import write_livelink_csv
        write_livelink_csv(clip, path)
    elif name == "json":
        from fantasy_talking.formats.json_frames import write_json_frames
        write_json_frames(clip, path)
    elif name == "png":
        from fantasy_talking.formats.plot import plot_clip  # loaded only when a plot is drawn
        plot_clip(clip, path, audio.samples, audio.sample_rate, title)
    elif name == "glb":
        from fantasy_talking.formats.gltf_animation import baked_glb_parts
        with open(path, "wb") as out:
            out.writelines(baked_glb_parts(head_glb, clip, name=animation_name))
