"""From read lines to checked jobs: options merged and typed, names made unique, durations estimated.

Everything that can be checked without decoding audio or loading a synthesiser is checked here,
in the process that starts the bake, so a typo fails its line at once; what needs the engine
(corrupt audio, an unknown voice) fails in the worker. Jobs are then ordered and grouped by
estimated audio duration, never by count, so one long line does not leave every other core idle
at the end.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import math
import re
import wave
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any, Mapping, Sequence

from fantasy_talking.animation.options import ENGINE_NAMES, RIG_NAMES, AnimationOptions, OptionsError
from fantasy_talking.farm.manifest import LINE_FIELDS, ManifestLine
from fantasy_talking.farm.report import LineResult
from fantasy_talking.farm.storage import LocalStore, is_url, resolve, store_for

INT_FIELDS = ("fps", "lookahead_ms", "seed", "sample_rate")
FLOAT_FIELDS = ("head_motion", "blink", "expression", "rate", "pitch", "volume")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
SECONDS_PER_CHARACTER = 0.075
"""TTS lines: espeak-ng speaks about 13 characters a second at the default rate."""
BYTES_PER_SECOND = 32_000
"""Audio that cannot be probed: assume 16-bit 16 kHz mono (only the order of the work depends on it)."""


class LineError(ValueError):
    """This line cannot be baked; the message says why."""


@dataclass(frozen=True)
class LineJob:
    """One line, checked and resolved: everything a worker needs, and nothing it must look up."""

    number: int
    name: str
    source: str
    """The audio's path or URL; empty for a text line."""
    text: str
    fields: Mapping[str, Any]
    """The resolved line fields (typed), the line's seed included; goes into the line's hash."""
    formats: tuple[str, ...]
    estimate_s: float

    @property
    def is_text(self) -> bool:
        return not self.source


def line_seed(base: int, name: str) -> int:
    """Each line's own seed, stable across runs, machines and --jobs: blinks differ from line to line."""
    digest = hashlib.blake2b(f"{base}/{name}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF


def animation_options(fields: Mapping[str, Any]) -> AnimationOptions:
    """The AnimationOptions a job's fields describe (raises OptionsError when out of range)."""
    return AnimationOptions(
        fps=fields.get("fps", 30),
        lookahead_ms=fields.get("lookahead_ms", AnimationOptions.lookahead_ms),
        language=fields.get("language", ""),
        transcript=fields.get("transcript", ""),
        head_motion=fields.get("head_motion", 1.0),
        blink=fields.get("blink", 1.0),
        expression=fields.get("expression", 1.0),
        rig=RIG_NAMES[fields.get("rig", "arkit52")],
        seed=fields["seed"],
        engine=ENGINE_NAMES[fields.get("engine", "auto")],
        emotions=tuple(sorted(fields.get("emotions", {}).items())),
    )


def plan_jobs(lines: Sequence[ManifestLine], defaults: Mapping[str, Any], formats: tuple[str, ...],
              base: str, estimate: bool = True) -> tuple[list[LineJob], list[LineResult]]:
    """Check every line against the defaults; return the jobs and the lines already failed."""
    jobs: list[LineJob] = []
    failed: list[LineResult] = []
    owners: dict[str, int] = {}
    base_seed = int(_typed("seed", defaults.get("seed", 0)))
    for line in lines:
        try:
            if line.error:
                raise LineError(line.error)
            job = _plan_line(line, defaults, formats, base, base_seed)
            key = job.name.casefold()
            if key in owners:
                raise LineError(f"duplicate output name {job.name!r} (line {owners[key]} writes it)")
            owners[key] = line.number
        except (LineError, OptionsError) as exc:
            name = str(line.fields.get("name") or line.fields.get("audio") or "")
            failed.append(LineResult(line.number, name, "failed", str(exc)))
            continue
        jobs.append(job)
    if estimate:
        jobs = [_with_estimate(job) for job in jobs]
    return jobs, failed


def _plan_line(line: ManifestLine, defaults: Mapping[str, Any], formats: tuple[str, ...], base: str,
               base_seed: int) -> LineJob:
    own = {k: _typed(k, v) for k, v in line.fields.items()}
    fields = {k: _typed(k, v) for k, v in defaults.items() if k in LINE_FIELDS and k not in ("audio", "text", "name")}
    fields.update(own)
    audio, text = str(fields.pop("audio", "")), str(fields.pop("text", ""))
    if bool(audio) == bool(text):
        raise LineError("give either an audio file or a text to speak" if not audio
                        else "give an audio file or a text, not both")
    name = _check_name(str(fields.pop("name", "") or _default_name(audio, line.number)))
    if "seed" not in own:
        fields["seed"] = line_seed(base_seed, name)
    language = fields.get("language", "")
    if language and not LANGUAGE_TAG.match(language):
        raise LineError(f"language {language!r} is not a BCP-47 tag such as en-US or zh-CN")
    if text:
        fields.pop("transcript", None)
        formats = ("wav",) + tuple(f for f in formats if f != "wav")
    animation_options(fields)  # range checks now, not in a worker
    source = resolve(audio, base) if audio else ""
    return LineJob(line.number, name, source, text, fields, formats, 0.0)


def _default_name(audio: str, number: int) -> str:
    """A relative audio path names its outputs after itself (vo/en/line_01 → OUT/vo/en/line_01.*);
    an absolute path or a URL by the file's stem; a text line by its number."""
    if not audio:
        return f"line-{number:05d}"
    path = PurePosixPath(audio.replace("\\", "/").split("://", 1)[-1])
    if is_url(audio) or path.is_absolute() or ".." in path.parts:
        return path.stem
    return path.with_suffix("").as_posix()


def _check_name(name: str) -> str:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or name.startswith("~"):
        raise LineError(f"output name {name!r} must be a relative path inside OUT, without '..'")
    if any(part.startswith(".") for part in path.parts):
        raise LineError(f"output name {name!r}: no part may start with '.' (hidden and temporary files do)")
    return path.as_posix()


def _typed(name: str, value: Any) -> Any:
    try:
        if name in INT_FIELDS:
            number = float(value)
            if not number.is_integer():
                raise ValueError
            return int(number)
        if name in FLOAT_FIELDS:
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
            return number
    except (TypeError, ValueError):
        raise LineError(f"{name} must be a {'whole ' if name in INT_FIELDS else ''}number, got {value!r}") from None
    if name == "engine" and str(value).lower() not in ENGINE_NAMES:
        raise LineError(f"engine must be one of {', '.join(ENGINE_NAMES)}, got {value!r}")
    if name == "rig" and str(value).lower() not in RIG_NAMES:
        raise LineError(f"rig must be one of {', '.join(RIG_NAMES)}, got {value!r}")
    if name in ("engine", "rig"):
        return str(value).lower()
    if name == "emotions":
        return _emotions(value)
    return str(value)


def _emotions(value: Any) -> dict[str, float]:
    """{"joy": 0.6} as it comes, or the CSV-friendly 'joy:0.6;anger:0.2' (a JSON object string works too)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise LineError(f"emotions: not a JSON object: {exc.msg}") from None
        else:
            value = {}
            for item in filter(None, (p.strip() for p in text.replace(",", ";").split(";"))):
                name, _, strength = item.partition(":")
                value[name.strip()] = strength.strip() or 1.0
    if not isinstance(value, dict):
        raise LineError("emotions must map names to strengths, e.g. joy:0.6;anger:0.2")
    try:
        return {str(k).lower(): float(v) for k, v in value.items()}
    except (TypeError, ValueError):
        raise LineError(f"emotions: strengths must be numbers, got {value!r}") from None


def _with_estimate(job: LineJob) -> LineJob:
    return replace(job, estimate_s=estimate_seconds(job))


def estimate_seconds(job: LineJob) -> float:
    """The line's audio duration from the container's header (no decoding), or a fair guess."""
    if job.is_text:
        return max(0.5, SECONDS_PER_CHARACTER * len(job.text))
    store = store_for(job.source)
    if not store.exists(job.source):
        return 0.0
    if isinstance(store, LocalStore):
        try:  # a PCM WAV's header says it at once; PyAV's probe costs ~4 ms, serial in the parent
            with wave.open(job.source, "rb") as header:
                return header.getnframes() / float(header.getframerate())
        except (wave.Error, EOFError, OSError, ZeroDivisionError):
            pass
        try:
            import av

            with av.open(job.source, mode="r") as container:
                if container.duration:
                    return container.duration / 1_000_000
                stream = container.streams.audio[0]
                if stream.duration and stream.time_base:
                    return float(stream.duration * stream.time_base)
        except Exception:  # noqa: BLE001 - a file PyAV cannot probe fails properly in its worker
            pass
    try:
        return store.size(job.source) / BYTES_PER_SECOND
    except OSError:
        return 0.0


def longest_first(jobs: Sequence[LineJob]) -> list[LineJob]:
    """Longest estimated line first (ties by line number): the classic cure for stragglers."""
    return sorted(jobs, key=lambda j: (-j.estimate_s, j.number))


def split_by_duration(jobs: Sequence[LineJob], target_s: float) -> list[list[LineJob]]:
    """Groups of about `target_s` seconds of audio each, balanced longest-first; longest group first."""
    if not jobs:
        return []
    total = sum(max(j.estimate_s, 0.1) for j in jobs)
    count = max(1, min(len(jobs), math.ceil(total / max(target_s, 0.1))))
    heap = [(0.0, i) for i in range(count)]
    groups: list[list[LineJob]] = [[] for _ in range(count)]
    for job in longest_first(jobs):
        load, index = heapq.heappop(heap)
        groups[index].append(job)
        heapq.heappush(heap, (load + max(job.estimate_s, 0.1), index))
    groups.sort(key=lambda g: (-sum(j.estimate_s for j in g), g[0].number))
    return groups
