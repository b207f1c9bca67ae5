"""Encoder cost per line: CPU-seconds to write each output format of one clip, against animating it.

    .venv/bin/python tools/bench/bench_formats.py [--runs 9]

`ftalk bake` writes every format of every line, so on a farm an encoder that costs a fixed tenth of
a second matters as much as the engine. Each clip comes from the shared speech samples (skipped with
a message when the checkout has none beside it); each row is the median CPU time over `--runs`,
after one untimed warm-up (which builds the plot's page once, as a farm worker does).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "audio"


def cpu_seconds(function, runs: int) -> float:
    """Median process CPU time of `function()` over `runs` calls, after one untimed call."""
    function()
    times = []
    for _ in range(runs):
        started = time.process_time()
        function()
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    files = sorted(SAMPLES.glob("*.wav")) if SAMPLES.is_dir() else []
    if not files:
        print(f"skipped: no speech samples at {SAMPLES}")
        return 0

    from fantasy_talking.animation.options import AnimationOptions
    from fantasy_talking.audio.decode import decode_file
    from fantasy_talking.formats.outputs import write_clip_files
    from fantasy_talking.pipeline import animate_audio

    formats = ("csv", "json", "png")
    print(f"median CPU-s per line over {args.runs} runs (x real time = audio s / CPU-s)")
    print(f"{'clip':<34} {'audio s':>7} {'engine':>8} " + " ".join(f"{f:>8}" for f in formats) + f" {'x RT all':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        for path in files:
            audio = decode_file(path.read_bytes())
            options = AnimationOptions(seed=1)
            engine = cpu_seconds(lambda: animate_audio(audio, options), args.runs)
            clip = animate_audio(audio, options)
            costs = [cpu_seconds(lambda f=f: write_clip_files(clip, audio, Path(scratch) / path.stem, (f,)), args.runs)
                     for f in formats]
            seconds = audio.duration_s
            print(f"{path.name:<34} {seconds:7.1f} {engine:8.3f} " + " ".join(f"{c:8.3f}" for c in costs)
                  + f" {seconds / (engine + sum(costs)):8.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
