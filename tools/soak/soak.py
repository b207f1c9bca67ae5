"""Soak: a real `ftalk serve` under real-time streams, churn, killed clients and bad requests.

    .venv/bin/python tools/soak/soak.py --minutes 30 --streams 8 --out docs/soak/soak_30min
    .venv/bin/python tools/soak/soak.py --minutes 1 --streams 6 --out /tmp/soak   # what CI runs

The server runs in a process of its own (`ftalk serve --port 0`, loopback only), so its memory,
file descriptors and threads are read from /proc. Against it, for the whole run:

* `--streams` client slots, each streaming espeak-ng speech (1-10 s, real-time 20 ms chunks, one
  stream after another). Each stream picks, at random, a fresh TCP connection or its slot's
  shared one, and an ending: to the end (70 %), cancelled by the client part-way (15 %), or
  interrupted and continued (15 %). Every frame is timed: latency is the wall time from sending
  the chunk that holds the frame's time code to receiving the frame (look-ahead included).
* killed and frozen clients: every `--kill-every` seconds a separate client process starts a
  stream and is SIGKILLed part-way; every other time it is SIGSTOPped first (a frozen peer with
  its TCP connection open) and killed later. Their slots must come back (keepalive, write
  timeout): a RESOURCE_EXHAUSTED anywhere fails the run.
* a trickle of bad requests (about one a second): bytes that are not protobuf, an oversized
  chunk, NaN and 1e30 float samples, a bad config, a corrupt file, a transcript far longer than
  its audio. Each must get its documented status, and 1e30 samples an answer free of NaN.

Every `--sample-s` seconds it records frame latency p50/p95/p99 of the frames received in that
window, and the server's RSS, open file descriptors and threads. It fails (exit 1) when

* a stream that ran to its end lost a frame (received != ceil(duration * fps), or != its status),
* a frame came later than `--budget-ms` (look-ahead included),
* RSS grew more than `--max-growth-mb` between the end of the warm-up (the first
  `--warmup-fraction` of the run) and the end (medians of the first and last 10 % of samples
  after warm-up), or file descriptors / threads kept growing,
* any bad request got an unexpected status, or a good one failed.

It writes OUT.json (every sample and the verdict) and OUT.png (latency, memory, fds/threads).
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import grpc
import numpy as np

from fantasy_talking.audio.decode import decode_file
from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2

FPS = 30
LOOKAHEAD_MS = 100
CHUNK_MS = 20
ESPEAK_TEXT = ("The museum opens at nine in the morning. Visitors can see paintings, old maps and a "
               "collection of clocks. Please buy your ticket at the front desk.")
Req = animation_pb2.StreamAnimationRequest
F32_16K = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1)


def speech() -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed (tools/setup.sh installs it)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-w", str(path), ESPEAK_TEXT], check=True)
        return decode_file(path).samples


# ---------------------------------------------------------------- the server and /proc

def start_server(workers: int, max_streams: int, log_path: Path) -> tuple[subprocess.Popen, str]:
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "fantasy_talking.cli.main", "serve", "--port", "0", "--workers", str(workers),
         "--max-streams", str(max_streams), "--drain-seconds", "0", "--keepalive-seconds", "2",
         "--keepalive-timeout-seconds", "2", "--write-timeout-seconds", "4"],
        stdout=subprocess.PIPE, stderr=log, text=True)
    match = re.search(r"listening on (\S+:\d+)", process.stdout.readline())
    if match is None:
        process.kill()
        sys.exit(f"ftalk serve did not start; see {log_path}")
    return process, match.group(1)


def server_pids(root: int) -> list[int]:
    """The server process and its workers (children that run spawn_main)."""
    pids = [root]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == root and b"spawn_main" in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return pids


def proc_usage(pids: list[int]) -> tuple[float, int, int]:
    """Summed RSS (MiB), open fds and threads of `pids`."""
    rss_kb = fds = threads = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            rss_kb += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            threads += int(re.search(r"Threads:\s+(\d+)", status).group(1))
            fds += len(os.listdir(f"/proc/{pid}/fd"))
        except (OSError, AttributeError):
            continue
    return rss_kb / 1024.0, fds, threads


# ---------------------------------------------------------------- measurements

@dataclass
class Tally:
    streams_ok: int = 0
    streams_cancelled: int = 0
    streams_interrupted: int = 0
    streams_failed: int = 0
    frames: int = 0
    frames_lost: int = 0
    frames_late: int = 0
    max_latency_ms: float = 0.0
    kills: int = 0
    freezes: int = 0
    bad_requests: int = 0
    bad_request_surprises: int = 0
    resource_exhausted: int = 0
    errors: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        if len(self.errors) < 50:
            self.errors.append(message)


class Recorder:
    """Latencies received in the current window, plus the running tally."""

    def __init__(self, budget_ms: float) -> None:
        self.budget_ms = budget_ms
        self.window: list[float] = []
        self.tally = Tally()

    def latency(self, seconds: float) -> None:
        ms = seconds * 1000.0
        self.window.append(ms)
        self.tally.frames += 1
        self.tally.max_latency_ms = max(self.tally.max_latency_ms, ms)
        if ms > self.budget_ms:
            self.tally.frames_late += 1

    def take_window(self) -> list[float]:
        window, self.window = self.window, []
        return window


# ---------------------------------------------------------------- real-time streams

async def one_stream(channel: grpc.aio.Channel, samples: np.ndarray, ending: str, rng: random.Random,
                     recorder: Recorder) -> None:
    stub = animation_pb2_grpc.AnimationServiceStub(channel)
    data = samples.astype("<f4")
    step = 16_000 * CHUNK_MS // 1000
    chunks = [data[i:i + step].tobytes() for i in range(0, len(data), step)]
    sent_at: list[float] = []
    interrupt_at = rng.randrange(len(chunks) // 4, len(chunks) // 2) if ending == "interrupt" else -1
    config = Req(config=animation_pb2.StreamConfig(
        audio_format=F32_16K, idle_after_ms=10_000,
        options=common_pb2.AnimationOptions(fps=FPS, lookahead_ms=LOOKAHEAD_MS, seed=rng.randrange(1000))))

    async def requests():
        yield config
        start = time.monotonic()
        for k, chunk in enumerate(chunks):
            delay = start + (k + 1) * CHUNK_MS / 1000 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent_at.append(time.monotonic())
            yield Req(audio=chunk)
            if k == interrupt_at:
                yield Req(interrupt=animation_pb2.Interrupt())
        yield Req(end=animation_pb2.EndOfAudio())

    call = stub.StreamAnimation(requests(), timeout=len(samples) / 16_000 + 60)
    frames, status = 0, None
    duration = len(samples) / 16_000

    async def read() -> None:
        nonlocal frames, status
        async for response in call:
            kind = response.WhichOneof("response")
            if kind == "frame":
                frames += 1
                t = response.frame.time_s
                k = int(t / (CHUNK_MS / 1000))
                if ending != "interrupt" and t < duration and k < len(sent_at):
                    recorder.latency(time.monotonic() - sent_at[k])
            elif kind == "status":
                status = response.status

    tally = recorder.tally
    try:
        if ending == "cancel":
            try:
                await asyncio.wait_for(read(), timeout=rng.uniform(0.3, duration))
            except asyncio.TimeoutError:
                call.cancel()
                tally.streams_cancelled += 1
                return
        else:
            await read()
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
            tally.resource_exhausted += 1
        tally.streams_failed += 1
        tally.error(f"stream failed: {exc.code().name} {exc.details()}")
        return
    if status is None:
        tally.streams_failed += 1
        tally.error("stream ended without a status")
        return
    if ending == "interrupt":
        tally.streams_interrupted += 1
        if status.frames != frames:
            tally.frames_lost += abs(status.frames - frames)
            tally.error(f"interrupted stream: status says {status.frames} frames, got {frames}")
        return
    expected = math.ceil(duration * FPS - 1e-9)
    tally.streams_ok += 1
    if frames != expected or status.frames != frames:
        tally.frames_lost += abs(expected - frames)
        tally.error(f"stream of {duration:.2f} s: expected {expected} frames, got {frames} (status {status.frames})")


async def stream_slot(address: str, speech_16k: np.ndarray, until: float, seed: int, recorder: Recorder) -> None:
    rng = random.Random(seed)
    shared = grpc.aio.insecure_channel(address)
    try:
        while time.monotonic() < until:
            seconds = rng.uniform(1.0, 10.0)
            start = rng.randrange(0, len(speech_16k) - 16_000)
            samples = np.resize(np.roll(speech_16k, -start), int(seconds * 16_000))
            ending = rng.choices(["end", "cancel", "interrupt"], [70, 15, 15])[0]
            if rng.random() < 0.5:
                async with grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]) as ch:
                    await one_stream(ch, samples, ending, rng, recorder)
            else:
                await one_stream(shared, samples, ending, rng, recorder)
            await asyncio.sleep(rng.uniform(0.0, 0.5))
    finally:
        await shared.close()


# ---------------------------------------------------------------- killed and frozen clients

def victim(address: str) -> None:
    """A client that streams until it is killed (run as a separate process)."""
    samples = (0.2 * np.sin(np.arange(16_000 * 30) * 0.07)).astype("<f4")
    channel = grpc.insecure_channel(address)
    stub = animation_pb2_grpc.AnimationServiceStub(channel)

    def requests():
        yield Req(config=animation_pb2.StreamConfig(audio_format=F32_16K))
        for i in range(0, len(samples), 320):
            time.sleep(0.02)
            yield Req(audio=samples[i:i + 320].tobytes())
        yield Req(end=animation_pb2.EndOfAudio())

    for _ in stub.StreamAnimation(requests()):
        pass


async def killer(address: str, until: float, every_s: float, seed: int, recorder: Recorder) -> None:
    rng = random.Random(seed)
    freeze = False
    while time.monotonic() + every_s < until:
        await asyncio.sleep(every_s * rng.uniform(0.5, 1.5))
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--victim", address,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await asyncio.sleep(rng.uniform(2.0, 4.0))   # start-up (imports) and a second or two of stream
        if freeze:
            process.send_signal(signal.SIGSTOP)       # frozen: connection open, nothing read or answered
            recorder.tally.freezes += 1
            await asyncio.sleep(rng.uniform(5.0, 10.0))
        process.kill()
        recorder.tally.kills += 1
        await process.wait()
        freeze = not freeze


# ---------------------------------------------------------------- bad requests

def _bad_requests(speech_16k: np.ndarray) -> list[tuple[str, object]]:
    s16 = lambda x: (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()   # noqa: E731
    return [
        ("not protobuf", b"\xff\xff\xff\xff\x0f garbage"),
        ("oversized chunk", [Req(config=animation_pb2.StreamConfig(audio_format=F32_16K)),
                             Req(audio=np.zeros(16_000 * 11, "<f4").tobytes())]),
        ("NaN samples", [Req(config=animation_pb2.StreamConfig(audio_format=F32_16K)),
                         Req(audio=np.full(320, np.nan, "<f4").tobytes())]),
        ("bad config", [Req(config=animation_pb2.StreamConfig(audio_format=F32_16K,
                                                              options=common_pb2.AnimationOptions(fps=999)))]),
        ("corrupt file", animation_pb2.AnimateClipRequest(file=b"RIFF\0\0\0\0WAVEjunk" * 64)),
        ("transcript too long", animation_pb2.AnimateClipRequest(
            pcm=animation_pb2.RawAudio(format=common_pb2.AudioFormat(encoding=1, sample_rate_hz=16_000, channels=1),
                                       data=s16(speech_16k[:16_000])),
            options=common_pb2.AnimationOptions(language="en-US", transcript="word " * 5000))),
        ("huge samples", animation_pb2.AnimateClipRequest(
            pcm=animation_pb2.RawAudio(format=F32_16K, data=(speech_16k[:16_000] * 1e30).astype("<f4").tobytes()))),
    ]


async def bad_request_trickle(address: str, until: float, speech_16k: np.ndarray, seed: int,
                              recorder: Recorder) -> None:
    rng = random.Random(seed)
    cases = _bad_requests(speech_16k)
    tally = recorder.tally
    async with grpc.aio.insecure_channel(address) as channel:
        stub = animation_pb2_grpc.AnimationServiceStub(channel)
        raw = channel.unary_unary("/fantasytalking.v1.AnimationService/AnimateClip")
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            name, request = rng.choice(cases)
            tally.bad_requests += 1
            try:
                if isinstance(request, bytes):
                    await raw(request, timeout=30)
                elif isinstance(request, list):
                    async for _ in stub.StreamAnimation(iter(request), timeout=30):
                        pass
                else:
                    answer = await stub.AnimateClip(request, timeout=60)
                    if name == "huge samples":
                        values = np.array([[*f.blendshapes, *f.angles, *(v for q in f.joints for v in (q.x, q.y, q.z, q.w))]
                                           for f in answer.frames])
                        if not np.isfinite(values).all():
                            tally.bad_request_surprises += 1
                            tally.error("1e30 samples gave non-finite output")
                        continue
                tally.bad_request_surprises += 1
                tally.error(f"bad request '{name}' succeeded")
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.INVALID_ARGUMENT:
                    tally.bad_request_surprises += 1
                    tally.error(f"bad request '{name}': {exc.code().name} {exc.details()}")


# ---------------------------------------------------------------- sampling, verdict, plot

@dataclass
class Sample:
    t_s: float
    rss_mb: float
    fds: int
    threads: int
    frames: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


async def sampler(pid: int, start: float, until: float, every_s: float, recorder: Recorder,
                  samples: list[Sample], quiet: bool) -> None:
    while True:
        now = time.monotonic()
        rss, fds, threads = proc_usage(server_pids(pid))
        window = recorder.take_window()
        p50, p95, p99 = (np.percentile(window, [50, 95, 99]).tolist() if window else [math.nan] * 3)
        samples.append(Sample(now - start, rss, fds, threads, len(window), p50, p95, p99))
        if not quiet:
            t = recorder.tally
            print(f"t={now - start:6.0f}s rss={rss:6.1f}MiB fds={fds:3d} threads={threads:3d} frames={len(window):5d} "
                  f"p50={p50:6.1f} p95={p95:6.1f} p99={p99:6.1f} ms  ok={t.streams_ok} cancelled={t.streams_cancelled} "
                  f"interrupted={t.streams_interrupted} kills={t.kills} bad={t.bad_requests}", flush=True)
        if now >= until:
            return
        await asyncio.sleep(min(every_s, max(0.0, until - time.monotonic())))


def verdict(samples: list[Sample], tally: Tally, args: argparse.Namespace) -> dict:
    after = [s for s in samples if s.t_s >= args.minutes * 60 * args.warmup_fraction]
    tenth = max(1, len(after) // 10)
    rss_start = float(np.median([s.rss_mb for s in after[:tenth]]))
    rss_end = float(np.median([s.rss_mb for s in after[-tenth:]]))
    t = np.array([s.t_s for s in after])
    rss = np.array([s.rss_mb for s in after])
    slope_mb_per_h = float(np.polyfit(t, rss, 1)[0] * 3600) if len(after) > 2 else 0.0
    fds_growth = int(np.median([s.fds for s in after[-tenth:]]) - np.median([s.fds for s in after[:tenth]]))
    threads_growth = int(np.median([s.threads for s in after[-tenth:]]) - np.median([s.threads for s in after[:tenth]]))
    latencies = [s for s in samples if s.frames]
    failures = []
    if tally.frames_lost:
        failures.append(f"{tally.frames_lost} frames lost")
    if tally.frames_late:
        failures.append(f"{tally.frames_late} frames later than {args.budget_ms:g} ms")
    if rss_end - rss_start > args.max_growth_mb:
        failures.append(f"RSS grew {rss_end - rss_start:.1f} MiB after warm-up (bound {args.max_growth_mb:g})")
    if fds_growth > 8 or threads_growth > 4:
        failures.append(f"fds grew by {fds_growth}, threads by {threads_growth}")
    if tally.bad_request_surprises:
        failures.append(f"{tally.bad_request_surprises} bad requests got an unexpected answer")
    if tally.streams_failed or tally.resource_exhausted:
        failures.append(f"{tally.streams_failed} streams failed ({tally.resource_exhausted} RESOURCE_EXHAUSTED)")
    if tally.streams_ok == 0:
        failures.append("no stream completed")
    all_p99 = [s.p99_ms for s in latencies]
    return {
        "passed": not failures, "failures": failures,
        "rss_mb_after_warmup": rss_start, "rss_mb_at_end": rss_end, "rss_growth_mb": rss_end - rss_start,
        "rss_slope_mb_per_hour": slope_mb_per_h, "rss_mb_max": float(max(s.rss_mb for s in samples)),
        "fds_growth": fds_growth, "threads_growth": threads_growth,
        "p50_ms_median": float(np.median([s.p50_ms for s in latencies])) if latencies else math.nan,
        "p95_ms_median": float(np.median([s.p95_ms for s in latencies])) if latencies else math.nan,
        "p99_ms_median": float(np.median(all_p99)) if latencies else math.nan,
        "p99_ms_worst_window": float(max(all_p99)) if latencies else math.nan,
    }


def plot(samples: list[Sample], result: dict, args: argparse.Namespace, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.array([s.t_s for s in samples]) / 60.0
    fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True, dpi=80)
    for name, style in (("p50_ms", "-"), ("p95_ms", "--"), ("p99_ms", ":")):
        axes[0].plot(t, [getattr(s, name) for s in samples], style, label=name.replace("_ms", ""))
    axes[0].axhline(LOOKAHEAD_MS, color="grey", lw=0.8)
    axes[0].axhline(args.budget_ms, color="red", lw=0.8, ls="--")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("frame latency, ms (log)")
    axes[0].legend(loc="upper right", ncol=3, fontsize=8)
    label = getattr(args, "label", "") or ""
    axes[0].set_title(f"soak{' ' + label if label else ''}: {args.streams} real-time streams + churn, kills, "
                      f"bad requests ({args.minutes:g} min, {'passed' if result['passed'] else 'FAILED'})",
                      fontsize=10)
    axes[1].plot(t, [s.rss_mb for s in samples], color="C3")
    axes[1].axvline(args.minutes * args.warmup_fraction, color="grey", lw=0.8, ls="--")
    axes[1].set_ylabel("server RSS, MiB")
    axes[2].plot(t, [s.fds for s in samples], label="open fds")
    axes[2].plot(t, [s.threads for s in samples], label="threads")
    axes[2].set_ylabel("count")
    axes[2].set_xlabel("minutes")
    axes[2].legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    from PIL import Image   # a 64-colour palette: the plot stays sharp at a third of the bytes
    Image.open(buffer).convert("RGB").quantize(64).save(path, optimize=True)


def replot(report_path: Path, label: str = "") -> None:
    """Draw OUT.png again from OUT.json (after a change to the plot, without a new run)."""
    report = json.loads(report_path.read_text())
    args = argparse.Namespace(**{**report["args"], **({"label": label} if label else {})})
    plot([Sample(**s) for s in report["samples"]], report["result"], args, report_path.with_suffix(".png"))


async def soak(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    speech_16k = speech()
    process, address = start_server(args.workers, args.streams + 4, out.with_suffix(".server.log"))
    recorder = Recorder(args.budget_ms)
    samples: list[Sample] = []
    start = time.monotonic()
    until = start + args.minutes * 60
    print(f"soak: server {address} pid {process.pid}, {args.streams} streams for {args.minutes:g} min", flush=True)
    try:
        tasks = [stream_slot(address, speech_16k, until, args.seed + k, recorder) for k in range(args.streams)]
        tasks.append(killer(address, until, args.kill_every, args.seed + 100, recorder))
        tasks.append(bad_request_trickle(address, until, speech_16k, args.seed + 200, recorder))
        tasks.append(sampler(process.pid, start, until + 1.0, args.sample_s, recorder, samples, args.quiet))
        await asyncio.gather(*tasks)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    result = verdict(samples, recorder.tally, args)
    report = {"args": vars(args), "result": result, "tally": asdict(recorder.tally),
              "samples": [asdict(s) for s in samples]}
    out.with_suffix(".json").write_text(json.dumps(report, indent=1))
    plot(samples, result, args, out.with_suffix(".png"))
    print(json.dumps({"result": result, "tally": {k: v for k, v in asdict(recorder.tally).items() if k != "errors"}}))
    for error in recorder.tally.errors[:10]:
        print("  error:", error)
    return 0 if result["passed"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--streams", type=int, default=8, help="concurrent real-time client slots (default 8)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--budget-ms", type=float, default=1000.0,
                        help="latest a frame may arrive after its chunk was sent, look-ahead included (default 1000)")
    parser.add_argument("--max-growth-mb", type=float, default=16.0,
                        help="RSS growth allowed after warm-up (default 16 MiB)")
    parser.add_argument("--warmup-fraction", type=float, default=0.2)
    parser.add_argument("--sample-s", type=float, default=5.0)
    parser.add_argument("--kill-every", type=float, default=15.0, help="seconds between killed clients")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="soak")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--label", default="", help="shown in the plot's title (e.g. the commit)")
    parser.add_argument("--replot", type=Path, help="only redraw the PNG of this OUT.json (with --label)")
    parser.add_argument("--victim", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replot:
        replot(args.replot, args.label)
        return 0
    if args.victim:
        victim(args.victim)
        return 0
    return asyncio.run(soak(args))


if __name__ == "__main__":
    sys.exit(main())
