"""`fantasy_talking.bake(...)`: the whole batch, from input to report, on all cores or on Ray.

Settings come from, weakest first: the built-in defaults, a TOML config file, the arguments
(CLI flags), and each line's own fields. The report lists every line in manifest order and is
written to OUT/report.json.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from fantasy_talking.farm.job import BakeContext
from fantasy_talking.farm.manifest import LINE_FIELDS, ManifestError, lines_from_records, read_config, read_lines
from fantasy_talking.farm.plan import LineJob, plan_jobs
from fantasy_talking.farm.report import BakeReport, LineResult
from fantasy_talking.farm.storage import resolve, store_for
from fantasy_talking.formats.outputs import DEFAULT_FORMATS, parse_formats

SETTINGS = ("out", "formats", "head", "jobs", "ray", "force", "fail_fast", "report")
"""Keys of a config file that are not line fields."""

REPORT_NAME = "report.json"


def bake(source: str | Path | Sequence[Mapping[str, Any]], out: str | Path | None = None, *,
         formats: str | Sequence[str] | None = None, head: str | Path | None = None, jobs: int | None = None,
         ray: str | None = None, force: bool | None = None, fail_fast: bool | None = None,
         config: str | Path | None = None, report: str | Path | None = None, progress: bool = False,
         **line_defaults: Any) -> BakeReport:
    """Bake every line of `source` into `out` and return the report.

    source      a folder of audio/video files, a .csv or .jsonl manifest (paths or fsspec URLs),
                or a list of dicts with the manifest's fields
    out         the output folder (or URL); each line writes OUT/NAME.<format> and OUT/NAME.bake.json
    formats     "csv,json,png" by default; add "glb" with `head`; text lines also write a WAV
    head        a GLB from `ftalk head`: each line also gets NAME.glb with its animation baked in
    jobs        worker processes (0 or None: every core; 1: this process)
    ray         run as Ray tasks: "auto", "local", or a cluster address
    force       bake every line again, even those whose stamp matches
    fail_fast   stop at the first failed line (lines already written stay whole)
    config      a TOML file with any of these settings and any line field as a default
    report      where to write the report (default OUT/report.json)
    progress    show a progress bar on a terminal
    **line_defaults  any manifest field as a default for every line (fps=60, language="en-US", seed=3, ...)

    Raises ManifestError (bad input, config or settings), OutputError (bad formats) and
    ClusterError (Ray missing or unreachable); a bad *line* is a failed line of the report.
    """
    started, started_at = time.perf_counter(), time.time()
    settings = _settings(config, dict(out=out, formats=formats, head=head, jobs=jobs, ray=ray, force=force,
                                      fail_fast=fail_fast, report=report), line_defaults)
    if not settings.get("out"):
        raise ManifestError("no output folder: give out (-o OUT) or set `out` in the config")
    out_dir = str(settings["out"])
    chosen = parse_formats(settings.get("formats") or DEFAULT_FORMATS)
    head_glb, head_sha = None, ""
    if settings.get("head"):
        head_path = str(settings["head"])
        try:
            head_glb = store_for(head_path).read(head_path)
        except OSError as exc:
            raise ManifestError(f"{head_path}: cannot read the head: {getattr(exc, 'strerror', None) or exc}") from None
        head_sha = hashlib.sha256(head_glb).hexdigest()
        chosen = parse_formats((*chosen, "glb"))
    elif "glb" in chosen:
        raise ManifestError("the glb format needs --head HEAD.glb (a head from `ftalk head`)")

    if isinstance(source, (str, Path)):
        lines, base = read_lines(str(source))
        source_name = str(source)
    else:
        lines, base, source_name = lines_from_records(list(source)), "", "<records>"
    defaults = {k: v for k, v in settings.items() if k in LINE_FIELDS}
    planned, failed = plan_jobs(lines, defaults, chosen, base)
    context = BakeContext(out_dir, head_glb, head_sha, bool(settings.get("force")),
                          any(j.is_text for j in planned), started_at)

    results: dict[int, LineResult] = {r.number: r for r in failed}
    stop_reason = ""
    fail_fast_on = bool(settings.get("fail_fast"))
    to_run = planned
    if failed and fail_fast_on:
        stop_reason = f"--fail-fast: line {failed[0].number} failed before the bake started"
        to_run = []
    backend, workers = _backend(settings, len(planned))
    display = _Progress(planned, enabled=progress)

    def on_result(result: LineResult) -> bool:
        nonlocal stop_reason
        results[result.number] = result
        display.advance(result)
        if result.status == "failed" and fail_fast_on and not stop_reason:
            stop_reason = f"--fail-fast: line {result.number} failed"
            return True
        return False

    try:
        with display:
            backend, workers = _run(to_run, context, settings, on_result)
    except KeyboardInterrupt:
        stop_reason = "interrupted (Ctrl-C)"
        raise
    finally:
        for job in planned:
            if job.number not in results:
                results[job.number] = LineResult(job.number, job.name, "pending", "not baked: the bake stopped early",
                                                 seed=job.fields.get("seed"))
        result = BakeReport(source_name, out_dir, backend, workers, time.perf_counter() - started,
                            [results[n] for n in sorted(results)], stop_reason)
        report_path = str(settings.get("report") or store_for(out_dir).join(out_dir, REPORT_NAME))
        store_for(report_path).put(report_path, result.to_json().encode())
    return result


def _settings(config: str | Path | None, arguments: Mapping[str, Any], line_defaults: Mapping[str, Any]) -> dict:
    settings: dict[str, Any] = {}
    if config:
        loaded = read_config(str(config))
        unknown = sorted(set(loaded) - set(SETTINGS) - set(LINE_FIELDS) - {"audio", "text", "name"})
        if unknown:
            raise ManifestError(f"{config}: unknown setting {', '.join(unknown)}; "
                                f"settings: {', '.join(SETTINGS)}; line fields: {', '.join(LINE_FIELDS)}")
        base = str(config).rsplit("/", 1)[0] if "/" in str(config) else ""
        for key in ("out", "head", "report"):  # paths in a config file are relative to the file
            if isinstance(loaded.get(key), str):
                loaded[key] = resolve(loaded[key], base)
        settings.update(loaded)
    settings.update({k: v for k, v in arguments.items() if v is not None})
    for key, value in line_defaults.items():
        if key not in LINE_FIELDS:
            raise ManifestError(f"unknown option {key!r}; line fields: {', '.join(LINE_FIELDS)}")
        if value is not None:
            settings[key] = value
    for key in ("audio", "text", "name"):
        if key in settings:
            raise ManifestError(f"{key!r} belongs to each line, not to the whole bake")
    return settings


def _backend(settings: Mapping[str, Any], n_jobs: int) -> tuple[str, int]:
    if settings.get("ray"):
        return f"ray {settings['ray']}", 0
    workers = _workers(settings, n_jobs)
    return ("1 process", 1) if workers == 1 else (f"pool of {workers}", workers)


def _workers(settings: Mapping[str, Any], n_jobs: int) -> int:
    try:
        asked = int(settings.get("jobs") or 0)
    except (TypeError, ValueError):
        raise ManifestError(f"jobs must be a whole number, got {settings.get('jobs')!r}") from None
    if asked < 0:
        raise ManifestError(f"jobs must be 0 (every core) or more, got {asked}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(asked or cores, max(1, n_jobs)))


def _run(jobs: list[LineJob], context: BakeContext, settings: Mapping[str, Any], on_result) -> tuple[str, int]:
    """Run on the chosen backend; returns its description and its number of workers."""
    if settings.get("ray"):
        from fantasy_talking.farm.cluster import cluster_cpus, connect, run_ray

        address = str(settings["ray"])
        ray, started = connect(address, local_cpus=int(settings.get("jobs") or 0) or None)
        try:
            cpus = cluster_cpus(ray)
            run_ray(jobs, context, ray, on_result)
        finally:
            if started:
                ray.shutdown()
        return f"ray {address} ({cpus} CPUs)", cpus
    backend, workers = _backend(settings, len(jobs))
    if workers == 1:
        from fantasy_talking.farm.pool import run_inline
        run_inline(jobs, context, on_result)
    else:
        from fantasy_talking.farm.pool import run_pool
        run_pool(jobs, context, workers, on_result)
    return backend, workers


class _Progress:
    """Lines, audio seconds and ETA on a rich bar (stderr, terminals only); a no-op otherwise."""

    def __init__(self, jobs: Iterable[LineJob], enabled: bool) -> None:
        self._estimates = {j.number: max(j.estimate_s, 0.01) for j in jobs}
        self._bar = None
        if enabled and self._estimates:
            from rich.console import Console
            from rich.progress import (BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            console = Console(stderr=True)
            self._bar = Progress(
                SpinnerColumn(), TextColumn("baking"), BarColumn(),
                TextColumn("{task.fields[lines]}/{task.fields[total_lines]} lines"),
                TextColumn("{task.fields[audio]:.0f} s audio"), TextColumn("{task.fields[failed]} failed"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=console, transient=False, disable=not console.is_terminal)
            self._task = self._bar.add_task("bake", total=sum(self._estimates.values()), lines=0,
                                            total_lines=len(self._estimates), audio=0.0, failed=0)

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def advance(self, result: LineResult) -> None:
        if self._bar is None or result.number not in self._estimates:
            return
        task = self._bar.tasks[0]
        self._bar.update(self._task, advance=self._estimates[result.number], lines=task.fields["lines"] + 1,
                         audio=task.fields["audio"] + result.audio_s,
                         failed=task.fields["failed"] + (result.status == "failed"))
