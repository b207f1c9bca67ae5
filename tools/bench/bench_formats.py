"""Cost per line of every stage a bake runs: decoding, the engine, and writing each output format.

    .venv/bin/python tools/bench/bench_formats.py [--runs 9]
    .venv/bin/python tools/bench/bench_formats.py --folder /tmp/farmlines --every 8 --head HEAD.glb

`ftalk bake` writes every format of every line, so on a farm an encoder that costs a fixed tenth of
a second matters as much as the engine. Each clip comes from the shared speech samples (skipped with
a message when the checkout has none beside it), or every `--every`-th WAV of `--folder` (e.g. the
lines `bench_farm.py --keep` made); each row is the median CPU time over `--runs`, after one untimed
warm-up (which builds the plot's page and parses the head once, as a farm worker does), and the last
row sums every clip. The GLB is baked onto `--head`, or a head made by `ftalk head` from the sample
portrait.
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
    parser.add_argument("--folder", type=Path, help="WAVs to measure (recursive) instead of the shared samples")
    parser.add_argument("--every", type=int, default=1, help="with --folder: every N-th WAV (default all)")
    parser.add_argument("--head", type=Path, help="the head GLB for glb (default: made from the sample portrait)")
    args = parser.parse_args()
    folder = args.folder or SAMPLES
    files = sorted(folder.rglob("*.wav") if args.folder else folder.glob("*.wav"))[::args.every] \
        if folder.is_dir() else []
    if not files:
        print(f"skipped: no speech samples at {folder}")
        return 0

    from fantasy_talking.animation.options import AnimationOptions
    from fantasy_talking.audio.decode import decode_file
    from fantasy_talking.formats.outputs import write_clip_files
    from fantasy_talking.pipeline import animate_audio

    from bench_farm import make_head

    print(f"median CPU-s per line over {args.runs} runs (x real time = audio s / CPU-s)")
    with tempfile.TemporaryDirectory() as scratch:
        head_path = args.head or make_head(Path(scratch))
        head = head_path.read_bytes() if head_path else None
        formats = ("csv", "json", "png") + (("glb",) if head else ())
        print(f"{'clip':<34} {'audio s':>7} {'decode':>8} {'engine':>8} " + " ".join(f"{f:>8}" for f in formats)
              + f" {'x RT all':>9}")
        totals = [0.0] * (3 + len(formats))   # audio s, decode, engine, each format
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
            print(f"{path.relative_to(folder).as_posix()[-34:]:<34} {seconds:7.1f} {decode:8.4f} {engine:8.4f} "
                  + " ".join(f"{c:8.4f}" for c in costs) + f" {seconds / (decode + engine + sum(costs)):8.0f}x")
            totals = [t + v for t, v in zip(totals, [seconds, decode, engine, *costs])]
        seconds, *stages = totals
        print(f"{f'all {len(files)} (mean per line)':<34} {seconds / len(files):7.1f} "
              + " ".join(f"{v / len(files):8.4f}" for v in stages) + f" {seconds / sum(stages):8.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
