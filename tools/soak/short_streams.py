"""Leak or warm-up? Server RSS over thousands of short streams, with and without malloc tuning.

    .venv/bin/python tools/soak/short_streams.py --streams 4000 --every 250

Starts `ftalk serve --port 0` (loopback), then runs `--streams` short StreamAnimation calls
(0.5 s of audio each, sent as fast as the server takes them, `--concurrency` at a time, each on
a new connection, the way the hardening report's clients did) and prints the server's RSS, open
fds and threads every `--every` streams, plus a straight-line fit of RSS over the second half:
a leak keeps a slope, a warm-up plateau does not. `--env NAME=VALUE` passes environment
variables to the server (e.g. MALLOC_ARENA_MAX=2 to see how much is glibc arena growth).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import grpc
import numpy as np

from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2

Req = animation_pb2.StreamAnimationRequest
F32_16K = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1)


def usage(pid: int) -> tuple[float, int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
    threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
    return rss, len(os.listdir(f"/proc/{pid}/fd")), threads


async def run(address: str, pid: int, args: argparse.Namespace) -> list[dict]:
    audio = (0.3 * np.sin(np.arange(8000) * 0.05)).astype("<f4")
    chunks = [Req(audio=audio[i:i + 320].tobytes()) for i in range(0, len(audio), 320)]
    requests = [Req(config=animation_pb2.StreamConfig(audio_format=F32_16K, idle_after_ms=10_000)), *chunks,
                Req(end=animation_pb2.EndOfAudio())]
    done = 0
    rows = []
    queue: asyncio.Queue = asyncio.Queue()
    for k in range(args.streams):
        queue.put_nowait(k)

    async def worker() -> None:
        nonlocal done
        while not queue.empty():
            queue.get_nowait()
            async with grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)]) as ch:
                frames = 0
                async for response in animation_pb2_grpc.AnimationServiceStub(ch).StreamAnimation(iter(requests)):
                    frames += response.WhichOneof("response") == "frame"
                assert frames == 15, frames
            done += 1
            if done % args.every == 0:
                rss, fds, threads = usage(pid)
                rows.append({"streams": done, "rss_mb": rss, "fds": fds, "threads": threads})
                print(f"streams={done:6d} rss={rss:7.1f} MiB fds={fds:3d} threads={threads:3d}", flush=True)

    rss, fds, threads = usage(pid)
    rows.append({"streams": 0, "rss_mb": rss, "fds": fds, "threads": threads})
    print(f"streams=     0 rss={rss:7.1f} MiB fds={fds:3d} threads={threads:3d}", flush=True)
    await asyncio.gather(*[worker() for _ in range(args.concurrency)])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=4000)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    parser.add_argument("--serve-args", default="--drain-seconds 0",
                        help="extra `ftalk serve` arguments (empty for a build without --drain-seconds)")
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args()
    env = dict(os.environ, **dict(item.split("=", 1) for item in args.env))
    server = subprocess.Popen([sys.executable, "-m", "fantasy_talking.cli.main", "serve", "--port", "0",
                               "--max-streams", "64", *args.serve_args.split()],
                              stdout=subprocess.PIPE, text=True, env=env)
    try:
        address = re.search(r"listening on (\S+:\d+)", server.stdout.readline()).group(1)
        started = time.monotonic()
        rows = asyncio.run(run(address, server.pid, args))
    finally:
        server.terminate()
        server.wait(30)
    half = [r for r in rows if r["streams"] >= args.streams / 2]
    slope = float(np.polyfit([r["streams"] for r in half], [r["rss_mb"] for r in half], 1)[0]) * 1000
    summary = {"env": args.env, "rows": rows, "slope_mb_per_1000_streams_second_half": slope,
               "growth_mb_first_half": half[0]["rss_mb"] - rows[0]["rss_mb"],
               "growth_mb_second_half": rows[-1]["rss_mb"] - half[0]["rss_mb"],
               "wall_s": time.monotonic() - started}
    print(json.dumps({k: v for k, v in summary.items() if k != "rows"}))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
