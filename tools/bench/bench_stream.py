"""Streaming latency and capacity of `ftalk serve`, measured by real-time clients.

    .venv/bin/python tools/bench/bench_stream.py
    .venv/bin/python tools/bench/bench_stream.py --seconds 8 --levels 1,5,10,20,30,40,60,80

Latency is the wall time from sending the 20 ms chunk that holds a frame's time code to
receiving that frame at the client, so it includes the look-ahead, the chunking and gRPC on
localhost (an upper bound on "chunk arrival → frame sent" inside the server).

Part 1: one stream at look-ahead 0, 100 and 200 ms. Part 2: N concurrent real-time 30 fps
streams (starts spread over one second), ramped until p95 exceeds look-ahead + budget or a
stream fails; "cpu %/stream" is the server process's CPU time per second of streamed audio,
the load-independent cost of one stream. The server runs in its own process; the clients share this one, so on a small
machine the clients' own CPU use counts against the figure.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from fantasy_talking.audio.decode import decode_file
from fantasy_talking.server.client import StreamResult, open_channel, stream_samples
from fantasytalking.v1 import animation_pb2_grpc, common_pb2

IDLE_AFTER_MS = 10_000
"""No idle fill: a scheduling hiccup on a loaded machine would otherwise shift the stream clock."""
ESPEAK_TEXT = ("The museum opens at nine in the morning. Visitors can see paintings, old maps and a "
               "collection of clocks. Please buy your ticket at the front desk.")


def speech(seconds: float) -> np.ndarray:
    """espeak-ng speech, repeated to `seconds` at 16 kHz."""
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed (tools/setup.sh installs it)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-w", str(path), ESPEAK_TEXT], check=True)
        samples = decode_file(path).samples
    n = int(seconds * 16_000)
    return np.resize(samples, n).astype(np.float32)


def start_server(max_streams: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "fantasy_talking.cli.main", "serve", "--port", "0",
                                "--max-streams", str(max_streams)], stdout=subprocess.PIPE, text=True)
    match = re.search(r"listening on (\S+:\d+)", process.stdout.readline())
    if match is None:
        process.kill()
        sys.exit("ftalk serve did not start")
    return process, match.group(1)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_streams(address: str, samples: np.ndarray, n: int, lookahead_ms: int,
                chunk_ms: int) -> tuple[list[StreamResult], list[str]]:
    """n concurrent real-time streams, each on its own channel; starts spread over one second."""
    results: list[StreamResult] = []
    errors: list[str] = []
    lock = threading.Lock()
    options = common_pb2.AnimationOptions(fps=30, lookahead_ms=lookahead_ms)

    def one(i: int) -> None:
        time.sleep(i / max(1, n))
        try:
            with open_channel(address) as channel:
                result = stream_samples(animation_pb2_grpc.AnimationServiceStub(channel), samples, options,
                                        chunk_ms=chunk_ms, realtime=True, timeout=120,
                                        idle_after_ms=IDLE_AFTER_MS)
            with lock:
                results.append(result)
        except Exception as exc:  # a failed stream is a data point, not a crash
            with lock:
                errors.append(f"{type(exc).__name__}: {getattr(exc, 'details', lambda: exc)()}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def summary(results: list[StreamResult]) -> tuple[float, float, float, int]:
    latencies = np.concatenate([r.latencies_s for r in results]) * 1000.0 if results else np.zeros(1)
    frames = sum(len(r.frames) for r in results)
    return (float(np.percentile(latencies, 50)), float(np.percentile(latencies, 95)),
            float(latencies.max()), frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="audio per stream (default 6)")
    parser.add_argument("--chunk-ms", type=int, default=20)
    parser.add_argument("--lookahead-ms", type=int, default=100, help="look-ahead for the capacity ramp")
    parser.add_argument("--budget-ms", type=float, default=40.0, help="allowed p95 above the look-ahead")
    parser.add_argument("--levels", default="1,5,10,20,30,40,50,60,80,100")
    args = parser.parse_args()
    levels = [int(v) for v in args.levels.split(",")]
    samples = speech(args.seconds)
    process, address = start_server(max(levels))
    try:
        print(f"server {address}; {args.seconds:g} s of speech per stream, {args.chunk_ms} ms chunks, 30 fps")
        print("\nsingle stream latency (chunk sent → frame received)")
        print(f"{'look-ahead':>10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'frames':>7}")
        for lookahead in (0, 100, 200):
            results, errors = run_streams(address, samples, 1, lookahead, args.chunk_ms)
            if errors:
                print(f"{lookahead:>10} failed: {errors[0]}")
                continue
            p50, p95, worst, frames = summary(results)
            print(f"{lookahead:>10} {p50:8.1f} {p95:8.1f} {worst:8.1f} {frames:7d}")

        limit = args.lookahead_ms + args.budget_ms
        print(f"\nconcurrent real-time streams, look-ahead {args.lookahead_ms} ms (pass: p95 ≤ {limit:g} ms)")
        print(f"{'streams':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'frames':>7} {'expected':>8} {'errors':>6} {'cpu %/stream':>12}")
        held = 0
        for n in levels:
            cpu_before = cpu_seconds(process.pid)
            results, errors = run_streams(address, samples, n, args.lookahead_ms, args.chunk_ms)
            cpu_after = cpu_seconds(process.pid)
            p50, p95, worst, frames = summary(results)
            expected = n * int(np.ceil(args.seconds * 30))
            cpu = (f"{100 * (cpu_after - cpu_before) / (n * args.seconds):8.1f}"
                   if cpu_before is not None and cpu_after is not None else f"{'?':>8}")
            print(f"{n:7d} {p50:8.1f} {p95:8.1f} {worst:8.1f} {frames:7d} {expected:8d} {len(errors):6d} {cpu}")
            if errors or p95 > limit or frames < expected:
                break
            held = n
        print(f"\nheld {held} concurrent real-time streams with p95 ≤ {limit:g} ms "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    finally:
        process.terminate()
        process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
