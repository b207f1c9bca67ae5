"""Streaming latency and capacity of `ftalk serve`, measured by real-time clients.

    .venv/bin/python tools/bench/bench_stream.py
    .venv/bin/python tools/bench/bench_stream.py --workers 1,2 --seconds 8 --levels 10,20,30,40,50

Latency is the wall time from sending the 20 ms chunk that holds a frame's time code to
receiving that frame at the client, so it includes the look-ahead, the chunking and gRPC on
localhost (an upper bound on "chunk arrival → frame sent" inside the server).

For each `--workers` value a fresh `ftalk serve --workers N` is started. Part 1: one stream at
look-ahead 0, 100 and 200 ms. Part 2: N concurrent real-time 30 fps streams (starts spread over
one second), ramped until p95 exceeds look-ahead + budget, a frame is missing or a stream fails.
Each stream has its own TCP connection, so the kernel spreads them over the workers.

`--client cpp` (the default when it builds) drives all streams from one C++ process,
tools/bench/stream_load, built into build/stream_load on first use; it costs far less CPU per
stream than Python clients. `--client python` runs the clients in `--client-processes` processes
of their own (grpc.aio inside: every stream of a process is a coroutine on one event loop), so one
client interpreter's GIL is not the limit. Either way the clients share this machine's cores with
the server, and their CPU use is printed next to the server's. "cpu %/stream" is CPU time per
second of streamed audio: the load-independent cost of one stream.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import grpc
import numpy as np

from fantasy_talking.audio.decode import decode_file
from fantasy_talking.server.client import MAX_RECEIVE_BYTES, StreamResult, stream_samples_async
from fantasytalking.v1 import animation_pb2_grpc, common_pb2

IDLE_AFTER_MS = 10_000
"""No idle fill: a scheduling hiccup on a loaded machine would otherwise shift the stream clock."""
ESPEAK_TEXT = ("The museum opens at nine in the morning. Visitors can see paintings, old maps and a "
               "collection of clocks. Please buy your ticket at the front desk.")
START_SPREAD_S = 1.0
STREAM_LOAD_SOURCE = Path(__file__).resolve().parent / "stream_load"
STREAM_LOAD_BUILD = Path(__file__).resolve().parents[2] / "build" / "stream_load"
STREAM_LOAD_PACKAGES = "libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler"


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


def start_server(workers: int, max_streams: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "fantasy_talking.cli.main", "serve", "--port", "0",
                                "--workers", str(workers), "--max-streams", str(max_streams)],
                               stdout=subprocess.PIPE, text=True)
    match = re.search(r"listening on (\S+:\d+)", process.stdout.readline())
    if match is None:
        process.kill()
        sys.exit("ftalk serve did not start")
    return process, match.group(1)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its live children (Linux /proc), or None elsewhere."""
    if _stat_fields(pid) is None:
        return None
    stats = [_stat_fields(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()]
    tree = [f for f in stats if f is not None and int(f[1]) == pid] + [_stat_fields(pid)]
    ticks = sum(int(f[11]) + int(f[12]) for f in tree if f is not None)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class ClientBatch:
    """What one client process measured: latencies (ms), frames, errors and its own CPU time."""

    latencies_ms: np.ndarray
    frames: int
    errors: list[str] = field(default_factory=list)
    cpu_s: float = 0.0


_SAMPLES: np.ndarray | None = None
_ENGINE = common_pb2.SPEECH_ENGINE_AUTO


def _init_client(samples: np.ndarray, engine: int = common_pb2.SPEECH_ENGINE_AUTO) -> None:
    global _SAMPLES, _ENGINE
    _SAMPLES, _ENGINE = samples, engine


def _client_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def client_batch(address: str, offsets_s: list[float], lookahead_ms: int, chunk_ms: int) -> ClientBatch:
    """Run one stream per start offset, each on its own connection, on one event loop in this process."""
    assert _SAMPLES is not None
    cpu_before = _client_cpu_s()
    options = common_pb2.AnimationOptions(fps=30, lookahead_ms=lookahead_ms, engine=_ENGINE)
    channel_options = [("grpc.use_local_subchannel_pool", 1), ("grpc.max_receive_message_length", MAX_RECEIVE_BYTES)]

    async def one(start: float, offset: float) -> StreamResult | str:
        await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
        async with grpc.aio.insecure_channel(address, options=channel_options) as channel:
            try:
                return await stream_samples_async(animation_pb2_grpc.AnimationServiceStub(channel), _SAMPLES,
                                                  options, chunk_ms=chunk_ms, timeout=120,
                                                  idle_after_ms=IDLE_AFTER_MS)
            except grpc.aio.AioRpcError as exc:   # a failed stream is a data point, not a crash
                return f"{exc.code().name}: {exc.details()}"

    async def all_streams() -> list[StreamResult | str]:
        start = time.monotonic()
        return await asyncio.gather(*(one(start, offset) for offset in offsets_s))

    results = asyncio.run(all_streams())
    streams = [r for r in results if isinstance(r, StreamResult)]
    latencies = [np.asarray(r.latencies_s) * 1000.0 for r in streams]
    return ClientBatch(np.concatenate(latencies) if latencies else np.zeros(0), sum(len(r.frames) for r in streams),
                       [r for r in results if isinstance(r, str)], _client_cpu_s() - cpu_before)


def run_streams(clients: ProcessPoolExecutor, n_clients: int, address: str, n: int, lookahead_ms: int,
                chunk_ms: int) -> ClientBatch:
    """n concurrent real-time streams dealt round-robin over the client processes."""
    offsets = [START_SPREAD_S * i / max(1, n) for i in range(n)]
    futures = [clients.submit(client_batch, address, offsets[k::n_clients], lookahead_ms, chunk_ms)
               for k in range(min(n, n_clients))]
    batches = [f.result() for f in futures]
    return ClientBatch(np.concatenate([b.latencies_ms for b in batches]), sum(b.frames for b in batches),
                       [e for b in batches for e in b.errors], sum(b.cpu_s for b in batches))


def build_stream_load() -> Path:
    """Build (or bring up to date) the C++ load generator; RuntimeError saying what is missing."""
    tools = ("cmake", "g++", "pkg-config", "protoc", "grpc_cpp_plugin")
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(f"cannot build stream_load: {', '.join(missing)} not found "
                           f"(apt-get install cmake g++ pkg-config {STREAM_LOAD_PACKAGES}; tools/setup.sh does)")
    configure = ["cmake", "-S", str(STREAM_LOAD_SOURCE), "-B", str(STREAM_LOAD_BUILD), "-DCMAKE_BUILD_TYPE=Release"]
    for command in (configure, ["cmake", "--build", str(STREAM_LOAD_BUILD), "-j", str(os.cpu_count() or 1)]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"cannot build stream_load ({' '.join(command)}):\n{done.stdout[-2000:]}"
                               f"{done.stderr[-2000:]}\nneeds the apt packages {STREAM_LOAD_PACKAGES} "
                               "(tools/setup.sh installs them)")
    return STREAM_LOAD_BUILD / "stream_load"


def build_core_load() -> Path:
    """Build the native client core and core_load (stream_load on the C API) into build/native."""
    root = Path(__file__).resolve().parents[2]
    build = root / "build" / "native"
    for command in (["cmake", "-S", str(root / "native"), "-B", str(build)],
                    ["cmake", "--build", str(build), "-j", str(os.cpu_count() or 1), "--target", "core_load"]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"cannot build core_load ({' '.join(command)}):\n{done.stderr[-2000:]}")
    return build / "bench" / "core_load"


def run_streams_cpp(binary: Path, audio_path: Path, address: str, n: int, lookahead_ms: int,
                    chunk_ms: int) -> ClientBatch:
    """n concurrent real-time streams from one stream_load process."""
    with tempfile.TemporaryDirectory() as folder:
        latencies_path = Path(folder) / "latencies.f32"
        done = subprocess.run([str(binary), "--address", address, "--streams", str(n), "--audio", str(audio_path),
                               "--chunk-ms", str(chunk_ms), "--lookahead-ms", str(lookahead_ms), "--fps", "30",
                               "--spread-s", str(START_SPREAD_S), "--idle-after-ms", str(IDLE_AFTER_MS),
                               "--latencies-out", str(latencies_path)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"stream_load failed ({done.returncode}): {done.stderr[-2000:]}")
        latencies = np.fromfile(latencies_path, dtype=np.float32).astype(np.float64)
    report = json.loads(done.stdout)
    return ClientBatch(latencies, report["frames"], report["errors"], report["client_cpu_s"])


def percentiles(latencies_ms: np.ndarray) -> tuple[float, float, float]:
    if len(latencies_ms) == 0:
        return float("nan"), float("nan"), float("nan")
    return (float(np.percentile(latencies_ms, 50)), float(np.percentile(latencies_ms, 95)),
            float(latencies_ms.max()))


@dataclass
class WorkersResult:
    workers: int
    single: dict[int, tuple[float, float]]
    held: int
    held_p95_ms: float


def bench_workers(workers: int, args: argparse.Namespace, run: Callable[..., ClientBatch]) -> WorkersResult:
    """`run(address, n, lookahead_ms, chunk_ms)` runs n concurrent streams with one of the clients."""
    levels = [int(v) for v in args.levels.split(",")]
    process, address = start_server(workers, max(levels) * workers)
    single: dict[int, tuple[float, float]] = {}
    held, held_p95 = 0, float("nan")
    try:
        print(f"\n=== ftalk serve --workers {workers} on {address} ===")
        print("single stream latency (chunk sent → frame received)")
        print(f"{'look-ahead':>10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'frames':>7}")
        for lookahead in (0, 100, 200):
            batch = run(address, 1, lookahead, args.chunk_ms)
            if batch.errors:
                print(f"{lookahead:>10} failed: {batch.errors[0]}")
                continue
            p50, p95, worst = percentiles(batch.latencies_ms)
            single[lookahead] = (p50, p95)
            print(f"{lookahead:>10} {p50:8.1f} {p95:8.1f} {worst:8.1f} {batch.frames:7d}")

        limit = args.lookahead_ms + args.budget_ms
        print(f"concurrent real-time streams, look-ahead {args.lookahead_ms} ms (pass: p95 ≤ {limit:g} ms)")
        print(f"{'streams':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'frames':>7} {'expected':>8} "
              f"{'errors':>6} {'server cpu %/stream':>19} {'client cpu %/stream':>19} {'load 1m':>7}")
        for n in levels:
            cpu_before = tree_cpu_seconds(process.pid)
            batch = run(address, n, args.lookahead_ms, args.chunk_ms)
            cpu_after = tree_cpu_seconds(process.pid)
            p50, p95, worst = percentiles(batch.latencies_ms)
            expected = n * int(np.ceil(args.seconds * 30))
            audio_s = n * args.seconds
            server_cpu = (f"{100 * (cpu_after - cpu_before) / audio_s:19.1f}"
                          if cpu_before is not None and cpu_after is not None else f"{'?':>19}")
            print(f"{n:7d} {p50:8.1f} {p95:8.1f} {worst:8.1f} {batch.frames:7d} {expected:8d} "
                  f"{len(batch.errors):6d} {server_cpu} {100 * batch.cpu_s / audio_s:19.1f} "
                  f"{os.getloadavg()[0]:7.1f}")
            if batch.errors:
                print(f"        first error: {batch.errors[0]}")
            if batch.errors or p95 > limit or batch.frames < expected:
                break
            held, held_p95 = n, p95
        print(f"held {held} concurrent real-time streams with p95 ≤ {limit:g} ms")
    finally:
        process.terminate()
        process.wait(timeout=60)
    return WorkersResult(workers, single, held, held_p95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="audio per stream (default 6)")
    parser.add_argument("--chunk-ms", type=int, default=20)
    parser.add_argument("--lookahead-ms", type=int, default=100, help="look-ahead for the capacity ramp")
    parser.add_argument("--budget-ms", type=float, default=40.0, help="allowed p95 above the look-ahead")
    parser.add_argument("--levels", default="1,5,10,20,30,40,50,60,80,100")
    parser.add_argument("--workers", default="1,2",
                        help="comma-separated `ftalk serve --workers` values to compare (default 1,2)")
    parser.add_argument("--client", choices=("python", "cpp", "core"),
                        help="load generator: the C++ stream_load (default when it builds), core_load (the same "
                             "on the native client core, libftalk_client) or Python processes")
    parser.add_argument("--client-processes", type=int, default=2,
                        help="processes the Python client streams are spread over (default 2)")
    parser.add_argument("--engine", choices=("auto", "fused"), default="auto",
                        help="speech engine of the streams (default auto); fused needs --client python")
    args = parser.parse_args()
    if args.engine != "auto" and args.client != "python":
        parser.error("--engine fused is sent by the Python clients only: add --client python")
    binary = None
    if args.client == "core":
        binary = build_core_load()
    elif args.client != "python":
        try:
            binary = build_stream_load()
        except RuntimeError as exc:
            if args.client == "cpp":
                sys.exit(str(exc))
            print(f"note: using the Python client; {exc}")
    samples = speech(args.seconds)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    clients = (f"one C++ client process ({binary.name}) shares" if binary
               else f"Python clients in {args.client_processes} processes share")
    print(f"{args.seconds:g} s of speech per stream, {args.chunk_ms} ms chunks, 30 fps; {clients} "
          f"the {cores} CPU cores with the server")
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if binary is not None:
        with tempfile.TemporaryDirectory() as folder:
            audio_path = Path(folder) / "speech.f32"
            samples.astype("<f4").tofile(audio_path)
            run = functools.partial(run_streams_cpp, binary, audio_path)
            results = [bench_workers(int(w), args, run) for w in args.workers.split(",")]
    else:
        with ProcessPoolExecutor(args.client_processes, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_client,
                                 initargs=(samples, common_pb2.SpeechEngine.Value(f"SPEECH_ENGINE_{args.engine.upper()}"))
                                 ) as pool:
            run = functools.partial(run_streams, pool, args.client_processes)
            results = [bench_workers(int(w), args, run) for w in args.workers.split(",")]
    print(f"\nsummary (clients and server on the same {cores} cores; "
          f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())})")
    print(f"{'workers':>7} " + " ".join(f"{'p50/p95 @' + str(la) + ' ms':>18}" for la in (0, 100, 200))
          + f" {'streams held':>12} {'p95 at held':>11}")
    for r in results:
        cells = " ".join(f"{r.single[la][0]:8.1f}/{r.single[la][1]:<9.1f}" if la in r.single else f"{'failed':>18}"
                         for la in (0, 100, 200))
        print(f"{r.workers:7d} {cells} {r.held:12d} {r.held_p95_ms:11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
