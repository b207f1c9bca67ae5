"""Benchmark: photo → GLB on one CPU core at 1024² and 2048² textures, and preview render fps.

    python tools/bench/bench_head.py [PHOTO] [--runs 5]

Pins the process to one core before MediaPipe and NumPy start their threads. Prints medians.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

DEFAULT_PHOTO = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "images" / "woman_photo_1024.png"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photo", nargs="?", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--frames", type=int, default=60, help="preview frames to render")
    args = parser.parse_args()
    if not args.photo.is_file():
        print(f"photo not found: {args.photo}", file=sys.stderr)
        return 2
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
