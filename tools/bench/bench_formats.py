"""Cost per line of every stage a bake runs: decoding, the engine, and writing each output format.

    .venv/bin/python tools/bench/bench_formats.py [--runs 9]

`ftalk bake` writes every format of every line, so on a farm an encoder that costs a fixed tenth of
a second matters as much as the engine. Each clip comes from the shared speech samples (skipped with
a message when the checkout has none beside it); each row is the median CPU time over `--runs`,
after one untimed warm-up (which builds the plot's page and parses the head once, as a farm worker
does). The GLB is baked onto a head made by `ftalk head` from the sample portrait.
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

    from bench_farm import make_head

    print(f"median CPU-s per line over {args.runs} runs (x real time = audio s / CPU-s)")
    with tempfile.TemporaryDirectory() as scratch:
        head_path = make_head(Path(scratch))
        head = head_path.read_bytes() if head_path else None
        formats = ("csv", "json", "png") + (("glb",) if head else ())
        print(f"{'clip':<34} {'audio s':>7} {'decode':>8} {'engine':>8} " + " ".join(f"{f:>8}" for f in formats)
              + f" {'x RT all':>9}")
        for path in files:
            data = path.read_bytes()
            decode = cpu_seconds(lambda: decode_file(data), args.runs)
            audio = decode_file(data)
            options = AnimationOptions(seed=1)
            engine = cpu_seconds(lambda: animate_audio(audio, options), args.runs)
            clip = animate_audio(audio, options)
            costs = [cpu_seconds(lambda f=f: write_clip_files(clip, audio, Path(scratch) / path.stem, (f,),
                                                              head_glb=head), args.runs)
                     for f in formats]
            seconds = audio.duration_s
            print(f"{path.name:<34} {seconds:7.1f} {decode:8.4f} {engine:8.4f} " + " ".join(f"{c:8.4f}" for c in costs)
                  + f" {seconds / (decode + engine + sum(costs)):8.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
