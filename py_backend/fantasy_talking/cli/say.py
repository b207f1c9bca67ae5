"""`ftalk say`: text in; speech (WAV) and its exactly aligned animation (CSV, JSON, PNG) out.

    ftalk say "Hello there." -o hello                      # hello.wav, .csv, .json, .png
    ftalk say "你好，欢迎光临" --lang zh-CN -o hello
    ftalk say -f lines.txt --voice en-US+f3 -o out/line    # one utterance per line: out/line-001.wav, ...
    echo "Read from stdin." | ftalk say - -o stdin
    ftalk say --list-voices --lang zh

Speech is synthesised offline (espeak-ng by default) and the face follows the synthesiser's
own phone timings, exactly as SpeechService.Speak streams it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fantasy_talking.animation.options import RIG_NAMES as RIGS
from fantasy_talking.animation.options import AnimationOptions, OptionsError
from fantasy_talking.cli.animate import print_written
from fantasy_talking.cli.errors import CliError

OUTPUT_SUFFIXES = (".wav", ".csv", ".json", ".png")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "say",
        help="text → speech WAV with aligned Live Link Face CSV, JSON frames and a PNG plot",
        description="Speak text offline and animate the face from the synthesiser's phone timings.",
    )
    parser.add_argument("text", nargs="?", metavar="TEXT",
                        help='what to say; "-" reads stdin (one utterance per line)')
    parser.add_argument("-f", "--file", metavar="FILE", help="read the text from FILE, one utterance per line")
    parser.add_argument("-o", "--out", metavar="OUT",
                        help="path prefix for OUT.wav, .csv, .json and .png (several utterances: OUT-001.*, ...)")
    parser.add_argument("--lang", "--language", dest="language", default="", metavar="TAG",
                        help="BCP-47 language, e.g. en-US, zh-CN, yue (default: the voice's, or en-US)")
    parser.add_argument("--voice", default="", help="voice name from --list-voices, e.g. en-US or en-US+f3")
    parser.add_argument("--rate", type=float, default=1.0, help="speaking rate, 0.5..2.5 (default 1)")
    parser.add_argument("--pitch", type=float, default=1.0, help="pitch, 0.5..2.0 (default 1)")
    parser.add_argument("--volume", type=float, default=1.0, help="loudness, 0..2 (default 1)")
    parser.add_argument("--sample-rate", type=int, default=16_000, metavar="HZ",
                        help="sample rate of the WAV, 8000..48000 (default 16000)")
    parser.add_argument("--list-voices", action="store_true", help="print the voices (for --lang when given) and exit")
    group = parser.add_argument_group("animation")
    group.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    group.add_argument("--seed", type=int, default=0, help="seed for blinks and idle motion (default 0)")
    group.add_argument("--rig", choices=list(RIGS), default="arkit52",
                       help="curve set: ARKit-52, plus tongue shapes, or plus viseme curves (default arkit52)")
    parser.set_defaults(func=run)
    return parser


def _utterances(args: argparse.Namespace) -> list[str]:
    if args.file and args.text:
        raise CliError("give TEXT or -f FILE, not both")
    if args.file:
        try:
            source = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}") from None
    elif args.text == "-":
        source = sys.stdin.read()
    elif args.text:
        return [args.text]
    else:
        raise CliError('nothing to say: give TEXT, "-" for stdin, or -f FILE')
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    if not lines:
        raise CliError("the input has no text; write one utterance per line")
    return lines


def _prefixes(out: str, count: int) -> list[Path]:
    target = Path(out)
    if target.is_dir() or out.endswith(("/", "\\")):
        target = target / "speech"
    elif target.suffix.lower() in OUTPUT_SUFFIXES:
        target = target.with_suffix("")
    if count == 1:
        return [target]
    return [target.with_name(f"{target.name}-{i:03d}") for i in range(1, count + 1)]


def _list_voices(language: str) -> int:
    from fantasy_talking.speech.tts.registry import default_registry

    try:
        voices = default_registry().voices(language)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if not voices:
        raise CliError(f"no voice speaks {language!r}")
    for v in voices:
        print(f"{v.name:<24} {v.engine:<9} {v.gender:<7} {' '.join(v.languages)}")
    return 0


def _progress():
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                               TimeElapsedColumn)

    console = Console(stderr=True)
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal)


def run(args: argparse.Namespace) -> int:
    if args.list_voices:
        return _list_voices(args.language)
    if not args.out:
        raise CliError("-o OUT is required: the path prefix of the files to write")
    texts = _utterances(args)
    try:
        options = AnimationOptions(fps=args.fps, seed=args.seed, rig=RIGS[args.rig])
    except OptionsError as exc:
        raise CliError(str(exc)) from None
    from fantasy_talking.formats.outputs import WrittenFile, write_clip_files
    from fantasy_talking.pipeline.speak import plan_speech, speak, whole_utterance  # engines load after the checks

    try:
        plans = [plan_speech(text, args.language, args.voice, args.rate, args.pitch, args.volume,
                             args.sample_rate, options) for text in texts]
    except ValueError as exc:
        raise CliError(str(exc)) from None
    prefixes = _prefixes(args.out, len(plans))
    summary: list[tuple[str, list[WrittenFile]]] = []
    with _progress() as progress:
        for number, (plan, prefix) in enumerate(zip(plans, prefixes), start=1):
            label = f"speaking {number}/{len(plans)}" if len(plans) > 1 else "speaking"
            task = progress.add_task(label, total=len(plan.sentences))
            audio, clip = whole_utterance(plan, speak(plan, on_sentence=lambda _: progress.advance(task)))
            try:
                written = write_clip_files(clip, audio, prefix, ("wav", "csv", "json", "png"), title=prefix.name)
            except OSError as exc:
                raise CliError(f"cannot write {prefix}.*: {exc.strerror or exc}") from None
            summary.append((f"{plan.voice}: {clip.duration_s:.2f} s, {clip.n_frames} frames at {clip.fps} fps, "
                            f"{len(clip.visemes)} visemes", written))
    for line, written in summary:
        print_written(line, written)
    return 0
