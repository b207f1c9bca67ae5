"""Benchmark: `ftalk bake` throughput, 1 process vs the pool vs a local Ray cluster, every format written.

    .venv/bin/python tools/bench/bench_farm.py [--lines 200] [--formats csv,json,png,glb] [--workers 2]
                                               [--repeat 3] [--no-ray] [--keep DIR] [--json OUT.json]

The voice lines are made by the product's own TTS (espeak-ng through `fantasy_talking.bake`, as WAVs),
1-20 s long, in six languages, seeded, so every run bakes the same files. `glb` bakes each line onto a
head made once by `ftalk head` from the shared sample portrait (or `--head HEAD.glb`). Each backend
then bakes every line (`force=True`): decoding, the engine and every format written, `--repeat` times,
the backends in turn within each repetition; the table shows medians. Columns:

  wall s, x RT          wall time of the whole `bake()` call (start-up included) and audio s / wall s
  scaling (wall)        x RT / (cores x the 1-process x RT of the same repetition), median over repetitions:
                        the issue's figure, only meaningful on a quiet machine (pairing keeps a slow drift
                        in the machine's speed out of it)
  x RT/line-CPU         audio s / CPU s the workers spent on lines (decode, engine, files; no start-up):
                        what one quiet core does; the issue's "per core" figure
  CPU s (all)           CPU of the caller plus every worker process, start-up included
  scaling (CPU)         the 1-process CPU s / this backend's CPU s, paired the same way: below 100 % the pool
                        burns extra CPU (start-up, pickling, contention); robust on a busy machine
  CPU got               CPU s (all) / (wall s x cores): below 100 % the cores were busy elsewhere or idle
  start-up s, tail s    bake start -> first line begun; last line done -> bake returned (serial parts)
  busy                  time the workers spent inside lines / (wall s x cores): the structural scaling
                        loss (start-up, tail, waiting for work) whatever the load; the wall scaling on a
                        quiet machine should come out close to the pool's busy / the 1-process busy

Goals (issue 15): >= 200x real time per core end to end, >= 90 % scaling on 2 cores.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
PORTRAIT = SAMPLES / "images" / "woman_frontal_256.png"

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


def own_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def make_head(folder: Path) -> Path | None:
    """A head GLB by `ftalk head` from the shared sample portrait; None when the samples are absent."""
    if not PORTRAIT.is_file():
        return None
    path = folder / "head.glb"
    subprocess.run([sys.executable, "-m", "fantasy_talking.cli.main", "head", str(PORTRAIT), "-o", str(path)],
                   check=True, capture_output=True, timeout=600)
    return path


def measure(report, cores: int, caller_cpu_s: float, single_process: bool) -> dict:
    """The figures of one bake (see the module docstring)."""
    done = [line for line in report.lines if line.status == "done"]
    cpu_all = caller_cpu_s if single_process else caller_cpu_s + report.worker_process_cpu_s
    first = min((line.started_s for line in done), default=0.0)
    last = max((line.started_s + line.seconds for line in done), default=report.wall_s)
    peaks = list(report.peak_rss_mb_per_worker.values())
    return {
        "wall_s": report.wall_s, "x_rt": report.realtime_factor,
        "x_rt_per_line_cpu_s": report.audio_s / report.cpu_s if report.cpu_s else 0.0,
        "cpu_all_s": cpu_all, "cpu_got": cpu_all / (report.wall_s * cores) if report.wall_s else 0.0,
        "startup_s": first, "tail_s": max(0.0, report.wall_s - last),
        "busy": sum(line.seconds for line in report.lines) / (report.wall_s * cores) if report.wall_s else 0.0,
        "peak_mb_per_worker": max(peaks) if peaks else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--formats", default="csv,json,png,glb")
    parser.add_argument("--head", type=Path, help="the head GLB for glb (default: made from the sample portrait)")
    parser.add_argument("--workers", type=int, default=2, help="pool size and local Ray CPUs (default 2)")
    parser.add_argument("--repeat", type=int, default=1, help="bakes per backend; the table shows medians")
    parser.add_argument("--no-ray", action="store_true", help="skip the local Ray cluster")
    parser.add_argument("--keep", type=Path, help="make (or reuse) the voice lines in this folder")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()

    from fantasy_talking import bake
    from fantasy_talking.formats.outputs import parse_formats

    print("command:", shlex.join([Path(sys.executable).name, *sys.argv]))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, "
          f"{len(os.sched_getaffinity(0))} usable; load average {os.getloadavg()[0]:.1f} "
          f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    formats = parse_formats(args.formats)
    with tempfile.TemporaryDirectory(prefix="ftalk-bench-farm-") as scratch:
        head = args.head
        if "glb" in formats and head is None:
            head = make_head(Path(scratch))
            if head is None:
                print(f"no head for glb: {PORTRAIT} is missing and --head was not given; baking without glb")
                formats = tuple(f for f in formats if f != "glb")
        lines = args.keep or Path(scratch) / "lines"
        if not lines.is_dir() or not any(lines.rglob("*.wav")):
            started = time.perf_counter()
            make_lines(lines, args.lines)
            print(f"made {args.lines} voice lines with the product's TTS in {time.perf_counter() - started:.0f} s")
        runs = [("1 process", dict(jobs=1), 1), (f"pool of {args.workers}", dict(jobs=args.workers), args.workers)]
        if not args.no_ray:
            runs.append((f"Ray, local ({args.workers} CPUs)", dict(ray="local", jobs=args.workers), args.workers))
        digests, first_report = set(), None
        figures: list[list[dict]] = [[] for _ in runs]
        for k in range(args.repeat):   # the backends in turn, so a drift in the machine's speed hits all alike
            for b, (label, kwargs, cores) in enumerate(runs):
                out = Path(scratch) / f"out-{b}-{k}"
                cpu_before = own_cpu_s()
                report = bake(lines, out, formats=",".join(formats), head=head if "glb" in formats else None,
                              force=True, progress=True, **kwargs)
                caller_cpu = own_cpu_s() - cpu_before
                if report.failed:
                    print(report.summary())
                figures[b].append(measure(report, cores, caller_cpu, kwargs.get("jobs") == 1 and "ray" not in kwargs))
                digests.add(digest(out))
                shutil.rmtree(out)  # 200 lines with glb are ~0.7 GB
                first_report = first_report or report
        results = []
        for (label, _, cores), runs_of in zip(runs, figures):
            median = {key: statistics.median(f[key] for f in runs_of) for key in runs_of[0]}
            # Scaling from each repetition's own 1-process run: ratios of neighbours, then their median.
            paired = [(f["x_rt"] / (one["x_rt"] * cores) if one["x_rt"] else 0.0,
                       one["cpu_all_s"] / f["cpu_all_s"] if f["cpu_all_s"] else 0.0)
                      for f, one in zip(runs_of, figures[0])]
            results.append({"backend": label, "cores": cores, "median": median, "runs": runs_of,
                            "scaling_wall": statistics.median(w for w, _ in paired),
                            "scaling_cpu": statistics.median(c for _, c in paired),
                            "scaling_wall_runs": [w for w, _ in paired]})

        audio = first_report.audio_s
        durations = sorted(line.audio_s for line in first_report.lines)
        print(f"\n{len(durations)} lines, {audio:.0f} s of audio (line {durations[0]:.1f}-{durations[-1]:.1f} s, "
              f"median {durations[len(durations) // 2]:.1f} s), formats {','.join(formats)}, "
              f"medians of {args.repeat} run(s)")
        header = (f"{'backend':<22} {'wall s':>7} {'x RT':>7} {'scaling':>8} {'x RT/line-CPU':>14} {'CPU s':>7} "
                  f"{'scaling':>8} {'CPU got':>8} {'start-up':>9} {'tail':>6} {'busy':>5} {'MB/worker':>10}")
        print(header)
        print(f"{'':<22} {'':>7} {'':>7} {'(wall)':>8} {'':>14} {'(all)':>7} {'(CPU)':>8}")
        for row in results:
            m = row["median"]
            print(f"{row['backend']:<22} {m['wall_s']:7.1f} {m['x_rt']:7.1f} {row['scaling_wall']:8.0%} "
                  f"{m['x_rt_per_line_cpu_s']:14.1f} {m['cpu_all_s']:7.1f} {row['scaling_cpu']:8.0%} "
                  f"{m['cpu_got']:8.0%} {m['startup_s']:8.2f}s {m['tail_s']:5.2f}s {m['busy']:5.0%} "
                  f"{m['peak_mb_per_worker']:10.0f}")
        for row in results[1:]:
            print(f"{row['backend']}: wall scaling of each repetition against the 1-process bake just before it: "
                  + ", ".join(f"{w:.0%}" for w in row["scaling_wall_runs"]))
        same = len(digests) == 1
        print("outputs identical across backends and runs" if same else "OUTPUTS DIFFER ACROSS BACKENDS")
        print(f"load average after: {os.getloadavg()[0]:.1f} (a load near or above the core count means a busy "
              "machine: trust the CPU columns, rerun the wall ones on a quiet one)")
        if args.json:
            args.json.write_text(json.dumps({"command": sys.argv, "formats": formats, "lines": len(durations),
                                             "audio_s": audio, "results": results}, indent=1) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
