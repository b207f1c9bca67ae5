"""What a bake reads: a folder of speech files, a CSV or JSONL manifest, a TOML config.

A manifest line names the audio file to animate *or* the text to speak, and optionally a
transcript, language, voice, output name and its own options. Fields are the same in every
form (CSV columns, JSONL keys, TOML keys, `fantasy_talking.bake(...)` keywords), so a TD learns
them once:

    audio,text,transcript,language,voice,name,fps,seed,engine,rig,...
    vo/en/line_0001.wav,,,en-US,,,,,,
    ,"Bonjour tout le monde.",,fr-FR,fr,fr/greeting,60,,,

Relative audio paths are relative to the manifest's folder. A line that cannot be read becomes
a failed line of the report, never an error of the whole bake; a manifest that cannot be read at
all (missing, unknown column, not CSV or JSONL) raises ManifestError.
"""
from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Mapping

from fantasy_talking.farm.storage import store_for

AUDIO_EXTENSIONS = frozenset({
    ".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".wma", ".aif", ".aiff",
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi",
})
"""What a folder bake picks up (by extension, case-insensitive)."""

LINE_FIELDS: dict[str, str] = {
    "audio": "speech file to animate (path or URL; relative to the manifest)",
    "text": "text to speak with the built-in TTS instead of an audio file",
    "transcript": "what the audio says (English: the words engine seals the lips on its p, b and m)",
    "language": "BCP-47 language, e.g. en-US, zh-CN",
    "voice": "TTS voice for text lines (ftalk say --list-voices)",
    "name": "output name under OUT, without suffix (default: the audio's path, or line-00001)",
    "fps": "frames per second, 1..120",
    "lookahead_ms": "anticipation look-ahead, 0..500 ms",
    "seed": "seed for blinks and idle motion (default: derived from the bake's seed and the line's name)",
    "engine": "auto, acoustic, phonetic, fused or words",
    "rig": "arkit52, tongue or visemes",
    "head_motion": "head-motion strength 0..2",
    "blink": "blink strength 0..2",
    "expression": "expression strength 0..2",
    "emotions": "held emotion mix, e.g. joy:0.6;anger:0.2 (JSON: an object)",
    "rate": "TTS speaking rate 0.5..2.5",
    "pitch": "TTS pitch 0.5..2.0",
    "volume": "TTS loudness 0..2",
    "sample_rate": "TTS WAV sample rate 8000..48000",
}
"""Every field a manifest line, a config file or a keyword may set."""

ALIASES = {"file": "audio", "path": "audio", "lang": "language", "out": "name", "output": "name",
           "lookahead": "lookahead_ms"}


class ManifestError(ValueError):
    """The input as a whole cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class ManifestLine:
    """One line as read, before checking: its 1-based number, its fields, and a read error if any."""

    number: int
    fields: Mapping[str, Any] = field(default_factory=dict)
    error: str = ""


def canonical_fields(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Field names with aliases folded and empty values dropped; unknown names raise ManifestError."""
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        name = ALIASES.get(str(key).strip().lower(), str(key).strip().lower())
        if name not in LINE_FIELDS:
            raise ManifestError(f"{where}: unknown field {key!r}; known fields: {', '.join(LINE_FIELDS)}")
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        fields[name] = value.strip() if isinstance(value, str) else value
    return fields


def read_lines(source: str) -> tuple[list[ManifestLine], str]:
    """A folder, a .csv or a .jsonl manifest → its lines and the folder relative paths start from."""
    store = store_for(source)
    if store.is_dir(source):
        names = [n for n in store.find(source) if PurePosixPath(n).suffix.lower() in AUDIO_EXTENSIONS]
        if not names:
            raise ManifestError(f"{source}: no audio or video files ({', '.join(sorted(AUDIO_EXTENSIONS))})")
        lines = [ManifestLine(i, {"audio": n, "name": str(PurePosixPath(n).with_suffix(""))})
                 for i, n in enumerate(names, start=1)]
        return lines, source
    try:
        text = store.read(source).decode("utf-8-sig")
    except FileNotFoundError:
        raise ManifestError(f"{source}: no such file or folder") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{source}: cannot read it: {exc}") from None
    base = source.rsplit("/", 1)[0] if "/" in source else ""
    suffix = PurePosixPath(source.split("?", 1)[0]).suffix.lower()
    if suffix == ".csv":
        return _read_csv(text, source), base
    if suffix in (".jsonl", ".ndjson"):
        return _read_jsonl(text, source), base
    raise ManifestError(f"{source}: give a folder, a .csv or a .jsonl manifest")


def _read_csv(text: str, source: str) -> list[ManifestLine]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ManifestError(f"{source}: empty manifest; the first row names the columns (audio or text, ...)")
    canonical_fields({name: "" for name in reader.fieldnames if name}, f"{source}, header")
    lines = []
    for row in reader:
        extra = row.pop(None, None)  # cells beyond the header
        if not any((v or "").strip() for v in row.values()) and not extra:
            continue
        number = reader.line_num - 1
        if extra:
            lines.append(ManifestLine(number, {}, f"{len(extra)} more cells than the header has columns"))
            continue
        lines.append(ManifestLine(number, canonical_fields({k: v for k, v in row.items() if k}, source)))
    return lines


def _read_jsonl(text: str, source: str) -> list[ManifestLine]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            lines.append(ManifestLine(number, {}, f"not valid JSON: {exc.msg} at column {exc.colno}"))
            continue
        if not isinstance(value, dict):
            lines.append(ManifestLine(number, {}, "a JSONL line must be an object, e.g. {\"audio\": \"a.wav\"}"))
            continue
        try:
            lines.append(ManifestLine(number, canonical_fields(value, f"line {number}")))
        except ManifestError as exc:
            lines.append(ManifestLine(number, {}, str(exc).split(": ", 1)[1]))
    return lines


def lines_from_records(records: list[Mapping[str, Any]]) -> list[ManifestLine]:
    """Lines given in Python (`fantasy_talking.bake([...])`): dicts with the manifest's fields."""
    return [ManifestLine(i, canonical_fields(r, f"line {i}")) for i, r in enumerate(records, start=1)]


def read_config(path: str) -> dict[str, Any]:
    """A TOML config: the bake's settings (out, formats, jobs, head, ...) and any line field as a default."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(store_for(path).read(path).decode("utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: not a readable TOML file: {exc}") from None

