"""What the native client core (libftalk_client) costs a game, against a real `ftalk serve`.

    .venv/bin/python tools/bench/bench_native_client.py [--streams 4] [--seconds 10] [--workers 2]

Builds build/native (the same build tools/test.sh makes) and runs its bench_core against a fresh
server on a free port: the cost of one ftalk_stream_sample call (it runs every game frame), CPU per
real-time stream in the core, and the latency the core adds between gRPC handing a frame over and
the frame being visible to ftalk_stream_sample. For the load generator on the core beside the raw
gRPC one, run tools/bench/bench_stream.py --client core and --client cpp.

Figures on a shared machine are indicative: the script prints the load average next to them.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "native"


def build() -> Path:
    for command in (["cmake", "-S", str(ROOT / "native"), "-B", str(BUILD)],
                    ["cmake", "--build", str(BUILD), "-j", str(os.cpu_count() or 1), "--target", "bench_core"]):
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return BUILD / "bench" / "bench_core"


def start_server(workers: int) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "ftalk"), "serve", "--port", "0", "--workers", str(workers)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"listening on (\S+)", line)
        if found:
            return process, found.group(1)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("ftalk serve did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=4, help="real-time streams for the CPU and latency figures")
    parser.add_argument("--seconds", type=float, default=10.0, help="audio per stream")
    parser.add_argument("--workers", type=int, default=2, help="ftalk serve --workers")
    args = parser.parse_args()
    binary = build()
    process, address = start_server(args.workers)
    try:
        print(f"ftalk serve --workers {args.workers} on {address}; load average "
              f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
        done = subprocess.run([str(binary), "--address", address, "--streams", str(args.streams),
                               "--seconds", str(args.seconds)], text=True)
        print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
        return done.returncode
    finally:
        process.terminate()
        process.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
