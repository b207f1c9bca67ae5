"""What each engine costs: CPU per second of speech, acoustic against fused and words, in the same run.

    .venv/bin/python tools/bench/bench_engines.py              # shared samples (or espeak-ng speech)
    .venv/bin/python tools/bench/bench_engines.py --runs 7 --chunk-ms 20

Two ways of feeding the engine, both on one pinned core with single-threaded numerical libraries:
- offline: `pipeline.animate_audio` over the whole clip (what `ftalk animate` and the farm do);
- streaming: `StreamingAnimator.push` in `--chunk-ms` chunks (what a gRPC stream does), without
  the transport, so the figure is the engine's own share of a stream's cost. The words engine
  needs the whole clip, so it has no streaming figure.
"× RT" is seconds of speech per CPU second (median over `--runs`, after a warm-up run); the
ratio columns are each engine's cost over the acoustic engine's. Streams per core = × RT of the
streaming row: the engine's ceiling before gRPC and encoding, which tools/bench/bench_stream.py
measures end to end.
"""
from __future__ import annotations

import one_core  # noqa: F401  (first: one BLAS thread, one pinned CPU)

import argparse  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from fantasy_talking.animation.options import AnimationOptions, Engine  # noqa: E402
from fantasy_talking.animation.stream import StreamingAnimator  # noqa: E402
from fantasy_talking.audio.decode import Audio, decode_file  # noqa: E402
from fantasy_talking.pipeline import animate_audio  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "audio"
NAMES = ("en_female_neutral_13s.wav", "en_male_walden_8s.wav", "zh_female_joy_8s.wav")
ESPEAK_TEXT = "The museum opens at nine in the morning. Please buy your ticket at the front desk."


def inputs(folder: Path) -> list[tuple[str, Audio]]:
    found = [(name, decode_file(SAMPLES / name)) for name in NAMES if (SAMPLES / name).is_file()]
    if not found and shutil.which("espeak-ng"):
        path = folder / "espeak.wav"
        subprocess.run(["espeak-ng", "-s", "160", "-w", str(path), ESPEAK_TEXT], check=True)
        found.append(("espeak-ng en (generated)", decode_file(path)))
    return found


def offline(audio: Audio, options: AnimationOptions) -> float:
    start = time.process_time()
    animate_audio(audio, options)
    return time.process_time() - start


def streaming(audio: Audio, options: AnimationOptions, chunk: int) -> float:
    animator = StreamingAnimator(options)
    samples = audio.samples
    start = time.process_time()
    for i in range(0, len(samples), chunk):
        animator.push(samples[i:i + chunk])
    animator.finish()
    return time.process_time() - start


def median_cpu(run, runs: int) -> float:
    run()
    return statistics.median(run() for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per row (median reported)")
    parser.add_argument("--chunk-ms", type=int, default=20, help="streaming chunk (default 20 ms, as clients send)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        speech = inputs(Path(folder))
    if not speech:
        print("no input: install espeak-ng or put the shared samples next to the checkout")
        return 1
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"engines against the acoustic engine, one core, median of {args.runs} runs; load average {load:.1f} "
          f"(a busy machine inflates every column alike)")
    header = (f"{'input':<28} {'mode':<16} {'acoustic ×RT':>13} {'fused ×RT':>10} {'words ×RT':>10} "
              f"{'fused/acoustic':>15} {'words/acoustic':>15}")
    print(header)
    print("-" * len(header))
    for name, audio in speech:
        seconds = audio.duration_s
        chunk = int(audio.sample_rate * args.chunk_ms / 1000)
        for mode in ("offline", f"stream {args.chunk_ms} ms"):
            cpu = {}
            for engine in (Engine.ACOUSTIC, Engine.FUSED, Engine.WORDS):
                options = AnimationOptions(engine=engine)
                if mode == "offline":
                    cpu[engine] = median_cpu(lambda: offline(audio, options), args.runs)
                elif engine is not Engine.WORDS:
                    cpu[engine] = median_cpu(lambda: streaming(audio, options, chunk), args.runs)
            speed = [f"{seconds / cpu[e]:.1f}" if e in cpu else "—" for e in (Engine.FUSED, Engine.WORDS)]
            ratio = [f"{cpu[e] / cpu[Engine.ACOUSTIC]:.2f}" if e in cpu else "—" for e in (Engine.FUSED, Engine.WORDS)]
            print(f"{name:<28} {mode:<16} {seconds / cpu[Engine.ACOUSTIC]:>13.1f} {speed[0]:>10} {speed[1]:>10} "
                  f"{ratio[0]:>15} {ratio[1]:>15}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
