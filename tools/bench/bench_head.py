"""Benchmark: the `ftalk` command's wall time (cold processes), then photo → GLB on one CPU core at 1024² and
2048² textures in a warm process, and preview render fps.

    python tools/bench/bench_head.py [PHOTO] [--runs 5] [--cli-only]

CLI figures are wall times of fresh processes (`ftalk --help`, `ftalk head PHOTO`, `ftalk animate` on 20 s
of espeak-ng speech), next to a bare `python -c pass` baseline measured in the same run. The in-process figures pin
the process to one core before MediaPipe and NumPy start their threads. Prints medians.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
DEFAULT_PHOTO = SAMPLES / "images" / "woman_photo_1024.png"


def _wall(command: list[str], runs: int) -> float:
    """Median wall seconds; also prints the median CPU seconds (user + system), which a busy machine inflates less."""
    import resource
    import subprocess

    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    print(f"  [{' '.join(Path(c).name for c in command[:2])}: CPU {statistics.median(cpu):.2f} s]")
    return statistics.median(times)


def _speech_20s(folder: Path) -> Path:
    """Twenty seconds of espeak-ng speech (issue 11's `ftalk animate` case), made here so no sample is needed."""
    import subprocess
    import wave

    long_wav, clip = folder / "long.wav", folder / "clip20.wav"
    text = "The quick brown fox jumps over the lazy dog while Peter picks a peck of pickled peppers. " * 5
    subprocess.run(["espeak-ng", "-w", str(long_wav), text], check=True)
    with wave.open(str(long_wav)) as src, wave.open(str(clip), "wb") as dst:
        dst.setparams(src.getparams())
        dst.writeframes(src.readframes(20 * src.getframerate()))
    return clip


def cli_wall_times(photo: Path, runs: int) -> None:
    """Median wall seconds of cold `ftalk` processes, with the interpreter's own start-up as the baseline
    (targets: `ftalk --help` < 0.3 s, `ftalk head` ≤ 3 s, `ftalk animate` on 20 s of speech < 1.5 s)."""
    import tempfile

    ftalk = str(Path(sys.executable).with_name("ftalk"))
    baseline = _wall([sys.executable, "-c", "pass"], runs)
    print(f"cold processes, {runs} runs each, load average {os.getloadavg()[0]:.1f} "
          f"(python -c pass: {baseline:.2f} s)")
    help_s = _wall([ftalk, "--help"], runs)
    print(f"ftalk --help: median {help_s:.2f} s ({help_s / baseline:.1f}x the bare interpreter)")
    with tempfile.TemporaryDirectory() as tmp:
        head_s = _wall([ftalk, "head", str(photo), "-o", f"{tmp}/head.glb"], runs)
        print(f"ftalk head {photo.name}: median {head_s:.2f} s wall")
        animate_s = _wall([ftalk, "animate", str(_speech_20s(Path(tmp))), "-o", f"{tmp}/take"], runs)
        print(f"ftalk animate, 20 s of speech → csv, json, png: median {animate_s:.2f} s wall")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photo", nargs="?", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frames", type=int, default=60, help="preview frames to render")
    parser.add_argument("--cli-only", action="store_true", help="only the cold-process CLI wall times")
    args = parser.parse_args()
    if not args.photo.is_file():
        print(f"photo not found: {args.photo}", file=sys.stderr)
        return 2
    cli_wall_times(args.photo, args.runs)
    if args.cli_only:
        return 0
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

    import numpy as np

    from fantasy_talking.head.create import HeadOptions, create_head
    from fantasy_talking.head.preview import head_renderer

    data = args.photo.read_bytes()
    create_head(data, HeadOptions(texture_size=512))  # loads MediaPipe once, outside the timings
    print(f"photo {args.photo.name}, {args.runs} runs, 1 CPU core")
    result = None
    for size in (1024, 2048):
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            result = create_head(data, HeadOptions(texture_size=size))
            times.append(time.perf_counter() - start)
        print(f"photo → GLB, texture {size}²: median {statistics.median(times):.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}), GLB {len(result.glb) / 1e6:.1f} MB")

    asset = result.asset
    renderer = head_renderer(asset, 512)
    rng = np.random.default_rng(0)
    names = list(asset.morphs.names[:52])
    start = time.perf_counter()
    for _ in range(args.frames):
        weights = dict(zip(names, rng.uniform(0, 0.5, len(names))))
        renderer.draw(*asset.pose(weights, {"head": np.array([0.0, 0.05, 0.0, 1.0])}))
    elapsed = time.perf_counter() - start
    renderer.release()
    print(f"preview render 512² (pose + draw + read-back, EGL): {args.frames / elapsed:.1f} fps")
    from fantasy_talking.head.verify import rendered_landmark_error

    print(f"landmarks: fit reprojection {result.report.reprojection_error:.2%}, render-loop "
          f"{rendered_landmark_error(result):.2%} of the inter-ocular distance; "
          f"texture inferred {result.report.inferred_fraction:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
