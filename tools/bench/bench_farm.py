"""Benchmark: `ftalk bake` throughput, 1 process vs the pool on 2 cores vs a local Ray cluster.

    python tools/bench/bench_farm.py [--lines 200] [--formats csv,json,png] [--workers 2] [--no-ray]

The voice lines are made by the product's own TTS (espeak-ng through `fantasy_talking.bake`, as WAVs),
1-20 s long, in six languages, seeded, so every run bakes the same 200 files. Each backend then
bakes them all (`force=True`): decoding, the engine and every format written. Prints × real time,
× real time per core, the scaling efficiency against 1 process, peak memory per worker, and checks
that every backend wrote the same bytes. "x RT / CPU-s" divides the audio by the CPU time the workers
spent on the lines (decode, engine, files; without start-up): what a quiet core would do. Goal (issue 15): ≥ 200× real time per core, ≥ 90 % scaling.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

SENTENCES = {
    "en-US": ["The quick brown fox jumps over the lazy dog.", "Please call Stella and ask her to bring these things.",
              "We will meet at the station before the train leaves.", "Maybe the bold moon will pop up tonight."],
    "fr-FR": ["Bonjour tout le monde, comment allez-vous?", "Le petit chat dort sur le canapé rouge.",
              "Nous partirons demain matin avant le lever du soleil."],
    "de-DE": ["Guten Morgen, wie geht es dir heute?", "Der Zug fährt um acht Uhr vom Hauptbahnhof ab.",
              "Wir treffen uns später im Park am See."],
    "es-ES": ["Buenos días, ¿cómo estás hoy?", "El perro corre por la playa con su pelota.",
              "Mañana vamos a visitar a nuestros abuelos."],
    "zh-CN": ["你好，欢迎光临。", "今天天气很好，我们去公园散步吧。", "请在火车出发之前到达车站。"],
    "ja": ["こんにちは、お元気ですか。", "明日の朝、駅で会いましょう。"],
}
SHORT = {"en-US": "Yes.", "fr-FR": "Oui.", "de-DE": "Ja.", "es-ES": "Sí.", "zh-CN": "好。", "ja": "はい。"}
SECONDS_PER_CHAR = {"zh-CN": 0.28, "ja": 0.5}


def make_lines(folder: Path, count: int, seed: int = 7) -> Path:
    """`count` WAVs of 1-20 s (targeted by text length) from the product's TTS; returns the folder."""
    from fantasy_talking import bake

    rng = random.Random(seed)
    records = []
    for i in range(count):
        language = rng.choice(sorted(SENTENCES))
        target_s = rng.uniform(1.0, 20.0)
        text = SHORT[language] if target_s < 2.5 else ""
        while not text or len(text) * SECONDS_PER_CHAR.get(language, 0.075) < target_s:
            sentence = rng.choice(SENTENCES[language])
            if text and (len(text) + len(sentence)) * SECONDS_PER_CHAR.get(language, 0.075) > target_s + 2:
                break
            text = f"{text} {sentence}".strip()
        records.append({"text": text, "language": language, "name": f"{language}/line{i:04d}"})
    report = bake(records, folder, formats="wav", jobs=0, progress=True)
    if report.failed:
        raise SystemExit(f"making the lines failed: {report.summary()}")
    for stamp in folder.rglob("*.bake.json"):
        stamp.unlink()
    (folder / "report.json").unlink()
    return folder


def digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "report.json":
            h.update(path.relative_to(folder).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--formats", default="csv,json,png")
    parser.add_argument("--workers", type=int, default=2, help="pool size and local Ray CPUs (default 2)")
    parser.add_argument("--no-ray", action="store_true", help="skip the local Ray cluster")
    parser.add_argument("--keep", type=Path, help="make (or reuse) the voice lines in this folder")
    args = parser.parse_args()

    from fantasy_talking import bake

    with tempfile.TemporaryDirectory(prefix="ftalk-bench-farm-") as scratch:
        lines = args.keep or Path(scratch) / "lines"
        if not lines.is_dir() or not any(lines.rglob("*.wav")):
            started = time.perf_counter()
            make_lines(lines, args.lines)
            print(f"made {args.lines} voice lines with the product's TTS in {time.perf_counter() - started:.0f} s")
        runs = [("1 process", dict(jobs=1), 1), (f"pool of {args.workers}", dict(jobs=args.workers), args.workers)]
        if not args.no_ray:
            runs.append((f"Ray, local ({args.workers} CPUs)", dict(ray="local", jobs=args.workers), args.workers))
        print(f"load average before: {os.getloadavg()[0]:.1f} (2 shared cores: read the figures with that in mind)")
        results = []
        for label, kwargs, cores in runs:
            out = Path(scratch) / f"out-{len(results)}"
            report = bake(lines, out, formats=args.formats, force=True, progress=True, **kwargs)
            if report.failed:
                print(report.summary())
            peaks = list(report.peak_rss_mb_per_worker.values())
            results.append((label, cores, report, digest(out), max(peaks) if peaks else 0.0))
        audio = results[0][2].audio_s
        durations = sorted(line.audio_s for line in results[0][2].lines)
        print(f"\n{len(durations)} lines, {audio:.0f} s of audio (line {durations[0]:.1f}-{durations[-1]:.1f} s, "
              f"median {durations[len(durations) // 2]:.1f} s), formats {args.formats}")
        print(f"{'backend':<24} {'wall s':>8} {'x real time':>12} {'x RT / core':>12} {'scaling':>8} "
              f"{'x RT / CPU-s':>13} {'peak MB/worker':>15}  outputs")
        base = results[0][2].realtime_factor
        for label, cores, report, sha, peak in results:
            scaling = report.realtime_factor / (base * cores) if base else 0.0
            per_cpu = report.audio_s / report.cpu_s if report.cpu_s else 0.0
            print(f"{label:<24} {report.wall_s:8.1f} {report.realtime_factor:12.1f} "
                  f"{report.realtime_factor / cores:12.1f} {scaling:8.0%} {per_cpu:13.1f} {peak:15.0f}  {sha}")
        same = len({sha for *_, sha, _ in results}) == 1
        print("outputs identical across backends" if same else "OUTPUTS DIFFER ACROSS BACKENDS")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
