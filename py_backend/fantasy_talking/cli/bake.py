"""`ftalk bake`: a folder or manifest of voice lines → every line's files, on every core or on Ray.

    ftalk bake vo/ -o baked/                          # every audio/video file under vo/, recursively
    ftalk bake lines.csv -o baked/ --formats csv,json --jobs 8
    ftalk bake lines.jsonl -o baked/ --head hero.glb  # also baked/NAME.glb with the animation in it
    ftalk bake lines.csv --config bake.toml --ray auto
    ftalk bake s3://vo/lines.csv -o s3://vo/baked --ray ray://farm-head:10001

Reruns skip finished lines; --force bakes everything again. Exit status: 0 when every line is
done or skipped, 1 when some line failed (see OUT/report.json), 2 for a bad invocation.
"""
from __future__ import annotations

import argparse

from fantasy_talking.cli.errors import CliError

LINE_FLAGS = (
    # flag, field, type, help
    ("--language", "language", str, "BCP-47 language of every line without its own, e.g. en-US"),
    ("--voice", "voice", str, "TTS voice for text lines (ftalk say --list-voices)"),
    ("--fps", "fps", int, "frames per second (default 30)"),
    ("--lookahead-ms", "lookahead_ms", int, "anticipation look-ahead (default 100)"),
    ("--seed", "seed", int, "base seed; each line's own seed derives from it and the line's name (default 0)"),
    ("--engine", "engine", str, "auto, acoustic or phonetic (default auto)"),
    ("--rig", "rig", str, "arkit52, tongue or visemes (default arkit52)"),
    ("--head-motion", "head_motion", float, "head-motion strength 0..2 (default 1)"),
    ("--blink", "blink", float, "blink strength 0..2 (default 1)"),
    ("--expression", "expression", float, "expression strength 0..2 (default 1)"),
    ("--emotions", "emotions", str, "held emotions, e.g. joy:0.6;anger:0.2"),
    ("--rate", "rate", float, "TTS speaking rate 0.5..2.5 (default 1)"),
    ("--pitch", "pitch", float, "TTS pitch 0.5..2 (default 1)"),
    ("--volume", "volume", float, "TTS loudness 0..2 (default 1)"),
    ("--sample-rate", "sample_rate", int, "TTS WAV sample rate (default 16000)"),
)


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "bake", help="a folder or manifest of voice lines → every line's files, on all cores or a Ray cluster",
        description="Bake many voice lines at once: a folder of audio/video files, or a CSV/JSONL manifest "
                    "whose lines give an audio file or a text to speak, plus per-line options. Flags and a "
                    "TOML --config set defaults; a line's own fields win.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="manifest fields: audio | text, transcript, language, voice, name, fps, lookahead_ms, seed, engine,\n"
               "rig, head_motion, blink, expression, emotions, rate, pitch, volume, sample_rate\n"
               "exit status: 0 every line done or skipped, 1 some line failed, 2 bad invocation")
    parser.add_argument("input", metavar="INPUT", help="folder of speech files, or a .csv / .jsonl manifest "
                                                       "(local path or fsspec URL)")
    parser.add_argument("-o", "--out", metavar="OUT", help="output folder (or URL); default from --config")
    parser.add_argument("--formats", metavar="LIST", help="comma-separated: csv,json,png,glb,wav (default csv,json,png)")
    parser.add_argument("--head", metavar="HEAD.glb", help="also bake each line's animation onto this head: OUT/NAME.glb")
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: every core; 1: no pool)")
    parser.add_argument("--ray", metavar="ADDRESS", help="run as Ray tasks: auto, local, host:6379 or ray://host:10001")
    parser.add_argument("--force", action="store_true", default=None, help="bake every line again")
    parser.add_argument("--fail-fast", action="store_true", default=None, help="stop at the first failed line")
    parser.add_argument("--config", metavar="BAKE.toml", help="settings and line defaults in TOML")
    parser.add_argument("--report", metavar="REPORT.json", help="where to write the report (default OUT/report.json)")
    group = parser.add_argument_group("line defaults (a line's own field wins)")
    for flag, field, kind, text in LINE_FLAGS:
        group.add_argument(flag, dest=field, type=kind, default=None, help=text)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from fantasy_talking.farm import bake
    from fantasy_talking.farm.cluster import ClusterError

    defaults = {field: getattr(args, field) for _, field, _, _ in LINE_FLAGS}
    try:
        report = bake(args.input, args.out, formats=args.formats, head=args.head, jobs=args.jobs, ray=args.ray,
                      force=args.force, fail_fast=args.fail_fast, config=args.config, report=args.report,
                      progress=True, **defaults)
    except (ValueError, ClusterError) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{getattr(exc, 'filename', None) or args.out}: {exc.strerror or exc}") from None
    print(report.summary())
    return 0 if report.ok else 1
