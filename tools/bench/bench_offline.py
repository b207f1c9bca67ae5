"""Offline speed: how many seconds of speech one CPU core animates per second (× real time).

    .venv/bin/python tools/bench/bench_offline.py             # espeak-ng speech + shared samples
    .venv/bin/python tools/bench/bench_offline.py --runs 7 --fps 60

Numerical libraries are pinned to one thread and the process to one core before numpy loads,
so the figure is per core: a 16-core render node runs about 16 such jobs side by side.
Decoding is done once up front and is not timed; each row times `pipeline.animate_audio`
alone, after one untimed warm-up, and reports the median over `--runs`.
"""
from __future__ import annotations

import one_core  # noqa: F401  (first: one BLAS thread, one pinned CPU)

import argparse  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from fantasy_talking.animation.options import AnimationOptions, Engine  # noqa: E402
from fantasy_talking.audio.decode import Audio, decode_file  # noqa: E402
from fantasy_talking.pipeline import animate_audio  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "audio"

ESPEAK_TEXT = (
    "The museum opens at nine in the morning. Visitors can see paintings, old maps and a "
    "collection of clocks. Please buy your ticket at the front desk before you go upstairs."
)
WALDEN_TRANSCRIPT = (
    "Walden is a book by noted transcendentalist Henry David Thoreau. "
    "The text is a reflection upon simple living in natural surroundings."
)


@dataclass(frozen=True)
class Speech:
    """One input: its audio, whether it is English, and its transcript when one is known."""

    name: str
    audio: Audio
    english: bool
    transcript: str = ""


@dataclass(frozen=True)
class Case:
    label: str
    options: AnimationOptions


@dataclass(frozen=True)
class Timing:
    cpu_s: float
    wall_s: float


def espeak_speech(folder: Path) -> Speech | None:
    if shutil.which("espeak-ng") is None:
        return None
    path = folder / "espeak_en.wav"
    subprocess.run(["espeak-ng", "-s", "160", "-w", str(path), ESPEAK_TEXT], check=True)
    return Speech("espeak-ng en (generated)", decode_file(path), english=True, transcript=ESPEAK_TEXT)


def shared_speech() -> list[Speech]:
    """The shared samples, when the checkout has them next to it."""
    catalogue = (
        ("en_male_walden_8s.wav", True, WALDEN_TRANSCRIPT),
        ("en_female_neutral_13s.wav", True, ""),
        ("zh_female_joy_8s.wav", False, ""),
    )
    return [Speech(name, decode_file(SAMPLES / name), english, transcript)
            for name, english, transcript in catalogue if (SAMPLES / name).is_file()]


def cases_for(speech: Speech, fps: int) -> list[Case]:
    cases = [Case("acoustic", AnimationOptions(fps=fps, engine=Engine.ACOUSTIC))]
    if speech.english:
        cases.append(Case("phonetic, no transcript",
                          AnimationOptions(fps=fps, language="en-US", engine=Engine.PHONETIC)))
        if speech.transcript:
            cases.append(Case("phonetic + transcript",
                              AnimationOptions(fps=fps, language="en-US", transcript=speech.transcript,
                                               engine=Engine.PHONETIC)))
    return cases


def time_once(audio: Audio, options: AnimationOptions) -> Timing:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    animate_audio(audio, options)
    return Timing(time.process_time() - cpu0, time.perf_counter() - wall0)


def measure(audio: Audio, options: AnimationOptions, runs: int) -> Timing:
    time_once(audio, options)
    timings = [time_once(audio, options) for _ in range(runs)]
    return Timing(statistics.median(t.cpu_s for t in timings), statistics.median(t.wall_s for t in timings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per row (median reported)")
    parser.add_argument("--fps", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        inputs = [s for s in [espeak_speech(Path(folder))] if s] + shared_speech()
    if not inputs:
        print("no input: install espeak-ng or put the shared samples next to the checkout")
        return 1

    header = f"{'input':<28} {'audio s':>7}  {'engine':<24} {'cpu s':>7} {'wall s':>7} {'×RT cpu':>8} {'×RT wall':>8}"
    print(f"offline speed, one core, median of {args.runs} runs, {args.fps} fps")
    print(header)
    print("-" * len(header))
    for speech in inputs:
        for case in cases_for(speech, args.fps):
            try:
                t = measure(speech.audio, case.options, args.runs)
            except ImportError as exc:
                print(f"{speech.name:<28} {speech.audio.duration_s:>7.2f}  {case.label:<24} unavailable: {exc}")
                continue
            seconds = speech.audio.duration_s
            print(f"{speech.name:<28} {seconds:>7.2f}  {case.label:<24} {t.cpu_s:>7.3f} {t.wall_s:>7.3f} "
                  f"{seconds / t.cpu_s:>8.1f} {seconds / t.wall_s:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
