"""What a bake did: one result per line, totals, speed, memory; as report.json and as one screen of text."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["done", "skipped", "failed", "pending"]
"""pending: not attempted, because the bake stopped early (--fail-fast, Ctrl-C)."""

MAX_FAILURES_SHOWN = 10


@dataclass
class LineResult:
    """One line's outcome. `audio_s` is the line's audio duration (0 when it failed before decoding)."""

    number: int
    name: str
    status: Status
    reason: str = ""
    audio_s: float = 0.0
    seconds: float = 0.0
    """Wall time the worker spent on the line (decode, engine, every file written)."""
    cpu_s: float = 0.0
    """CPU time the worker spent on it: what the line costs, however busy the machine was."""
    files: list[str] = field(default_factory=list)
    seed: int | None = None
    worker: str = ""
    """host:pid of the process that baked it."""
    peak_rss_mb: float = 0.0
    """That worker's peak resident memory so far."""
    started_s: float = 0.0
    """When the worker began the line, in seconds since the bake started (start-up shows as the first one)."""
    process_cpu_s: float = 0.0
    """That worker process's own CPU time when the line ended, its start-up included."""


@dataclass
class BakeReport:
    """The run: every line in manifest order, and the totals a TD checks in the morning."""

    source: str
    out: str
    backend: str
    """'1 process', 'pool of N', or 'ray ADDRESS (N CPUs)'."""
    workers: int
    wall_s: float
    lines: list[LineResult]
    stopped_early: str = ""
    """Why the bake stopped before the end (--fail-fast, Ctrl-C); empty when it ran through."""

    def count(self, status: Status) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def done(self) -> int:
        return self.count("done")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def pending(self) -> int:
        return self.count("pending")

    @property
    def audio_s(self) -> float:
        """Seconds of audio baked in this run (skipped lines excluded)."""
        return sum(line.audio_s for line in self.lines if line.status == "done")

    @property
    def cpu_s(self) -> float:
        return sum(line.cpu_s for line in self.lines if line.status == "done")

    @property
    def realtime_factor(self) -> float:
        return self.audio_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def worker_process_cpu_s(self) -> float:
        """CPU time of every worker process, start-up included (for 1 process: the caller's whole life)."""
        totals: dict[str, float] = {}
        for line in self.lines:
            if line.worker:
                totals[line.worker] = max(totals.get(line.worker, 0.0), line.process_cpu_s)
        return sum(totals.values())

    @property
    def peak_rss_mb_per_worker(self) -> dict[str, float]:
        peaks: dict[str, float] = {}
        for line in self.lines:
            if line.worker:
                peaks[line.worker] = max(peaks.get(line.worker, 0.0), line.peak_rss_mb)
        return dict(sorted(peaks.items()))

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.stopped_early

    def to_dict(self) -> dict:
        peaks = self.peak_rss_mb_per_worker
        return {
            "source": self.source,
            "out": self.out,
            "backend": self.backend,
            "workers": self.workers,
            "lines_total": len(self.lines),
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "pending": self.pending,
            "stopped_early": self.stopped_early,
            "audio_s": round(self.audio_s, 3),
            "wall_s": round(self.wall_s, 3),
            "realtime_factor": round(self.realtime_factor, 2),
            "realtime_factor_per_worker": round(self.realtime_factor / max(1, self.workers), 2),
            "cpu_s": round(self.cpu_s, 3),
            "realtime_factor_per_cpu_second": round(self.audio_s / self.cpu_s, 1) if self.cpu_s else 0.0,
            "worker_process_cpu_s": round(self.worker_process_cpu_s, 3),
            "peak_rss_mb_per_worker": {k: round(v, 1) for k, v in peaks.items()},
            "lines": [asdict(line) for line in self.lines],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n"

    def summary(self) -> str:
        """One screen: totals, speed, memory, and the first failures with their reasons."""
        peaks = list(self.peak_rss_mb_per_worker.values())
        out = [
            f"baked {self.done} of {len(self.lines)} lines into {self.out} ({self.backend}): "
            f"{self.skipped} skipped as already done, {self.failed} failed",
            f"  {self.audio_s:.1f} s of audio in {self.wall_s:.1f} s wall = {self.realtime_factor:.1f}x real time "
            f"({self.realtime_factor / max(1, self.workers):.1f}x per worker, "
            f"{self.audio_s / self.cpu_s if self.cpu_s else 0.0:.0f}x per CPU-second of baking)",
        ]
        if peaks:
            plural = "s" if len(peaks) != 1 else ""
            out.append(f"  peak memory per worker {min(peaks):.0f}-{max(peaks):.0f} MB ({len(peaks)} worker{plural})")
        if self.stopped_early:
            out.append(f"  stopped early ({self.stopped_early}): {self.pending} lines not baked")
        failures = [line for line in self.lines if line.status == "failed"]
        for line in failures[:MAX_FAILURES_SHOWN]:
            out.append(f"  line {line.number} {line.name or '?'}: {line.reason}")
        if len(failures) > MAX_FAILURES_SHOWN:
            out.append(f"  ... and {len(failures) - MAX_FAILURES_SHOWN} more failures, see report.json")
        return "\n".join(out)
