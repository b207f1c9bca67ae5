"""`ftalk animate`: one speech file in; a Live Link Face CSV, JSON frames and a PNG plot out.

    ftalk animate take1.wav -o out/                      # out/take1.csv, .json, .png
    ftalk animate interview.mp4 --language en-US --fps 60 -o renders/interview

Any audio or video container FFmpeg reads works; the audio track is decoded to 16 kHz mono.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from fantasy_talking.animation.options import (
    DEFAULT_LOOKAHEAD_MS,
    ENGINE_NAMES,
    RIG_NAMES,
    AnimationOptions,
    OptionsError,
)
from fantasy_talking.cli.errors import CliError

ENGINES = ENGINE_NAMES
RIGS = RIG_NAMES
OUTPUT_SUFFIXES = (".csv", ".json", ".png", ".glb")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "animate",
        help="speech file → Live Link Face CSV, JSON frames and a PNG plot",
        description="Animate a face from a speech recording (any audio or video file).",
    )
    parser.add_argument("speech", metavar="SPEECH", help="audio or video file: WAV, MP3, OGG, FLAC, M4A, MP4, ...")
    parser.add_argument("-o", "--out", required=True, metavar="OUT",
                        help="path prefix for OUT.csv, OUT.json and OUT.png; "
                             "a directory names the files after SPEECH")
    parser.add_argument("--head", metavar="HEAD.glb",
                        help="also write OUT.glb: this head (from `ftalk head`) with the animation baked in")
    add_animation_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def add_animation_arguments(parser: argparse.ArgumentParser) -> None:
    """The AnimationOptions flags, shared with any command that animates."""
    group = parser.add_argument_group("animation")
    group.add_argument("--transcript", default="", metavar="TEXT",
                       help="what is said (English): places the lips' closures on its words without recognising them")
    group.add_argument("--language", default="", metavar="TAG",
                       help="BCP-47 language of the speech, e.g. en-US")
    group.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    group.add_argument("--lookahead-ms", type=int, default=DEFAULT_LOOKAHEAD_MS, metavar="MS",
                       help=f"how far the mouth anticipates the sound (default {DEFAULT_LOOKAHEAD_MS})")
    group.add_argument("--seed", type=int, default=0, help="seed for blinks and idle motion (default 0)")
    group.add_argument("--engine", choices=sorted(ENGINES), default="auto",
                       help="speech analysis: phonetic (English, PocketSphinx), acoustic (any language), fused "
                            "(acoustic + a streaming phone loop for lip shape, any language, more CPU) or words "
                            "(acoustic + lips sealed on the recognised words' p/b/m: the best English lip-sync, "
                            "about 4x real time); auto picks words when an English transcript is given "
                            "(default auto)")
    group.add_argument("--rig", choices=list(RIGS), default="arkit52",
                       help="curve set: ARKit-52, plus tongue shapes, or plus viseme curves (default arkit52)")


def options_from_args(args: argparse.Namespace) -> AnimationOptions:
    try:
        return AnimationOptions(
            fps=args.fps,
            lookahead_ms=args.lookahead_ms,
            language=args.language,
            transcript=args.transcript,
            seed=args.seed,
            engine=ENGINES[args.engine],
            rig=RIGS[args.rig],
        )
    except OptionsError as exc:
        raise CliError(str(exc)) from None


def output_prefix(out: str, speech: Path) -> Path:
    """OUT as given, or OUT/<speech name> when OUT is a directory; a format suffix on OUT is dropped."""
    target = Path(out)
    if target.is_dir() or out.endswith(("/", "\\")):
        return target / speech.stem
    if target.suffix.lower() in OUTPUT_SUFFIXES:
        return target.with_suffix("")
    return target


def progress_bar():
    """The transient progress display every file-writing command shows on a terminal (rich loads here)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


def print_written(headline: str, written) -> None:
    print(headline)
    width = max(len(str(f.path)) for f in written)
    for f in written:
        print(f"  {str(f.path):<{width}}  {f.description}")


def run(args: argparse.Namespace) -> int:
    speech = Path(args.speech)
    if not speech.is_file():
        raise CliError(f"{speech}: no such file; give the path of an audio or video file")
    if args.head and not Path(args.head).is_file():
        raise CliError(f"{args.head}: no such file; give the .glb written by `ftalk head`")
    options = options_from_args(args)
    prefix = output_prefix(args.out, speech)
    # The engine and the encoders load once the arguments are known good.
    from fantasy_talking.audio.decode import AudioError, decode_file
    from fantasy_talking.formats.outputs import write_clip_files
    from fantasy_talking.head.errors import HeadError
    from fantasy_talking.pipeline import animate_audio

    formats = ("csv", "json", "png", "glb") if args.head else ("csv", "json", "png")
    with progress_bar() as progress:
        task = progress.add_task(f"decoding {speech.name}", total=1)
        try:
            audio = decode_file(speech)
        except AudioError as exc:
            raise CliError(f"{speech}: {exc}") from None
        progress.advance(task)
        task = progress.add_task(f"animating {audio.duration_s:.1f} s of speech", total=1.0)
        try:
            clip = animate_audio(audio, options, progress=lambda done: progress.update(task, completed=done))
        except OptionsError as exc:
            raise CliError(str(exc)) from None
        progress.update(task, completed=1.0)
        task = progress.add_task("writing files", total=len(formats))
        try:
            written = write_clip_files(clip, audio, prefix, formats, title=speech.name,
                                       head_glb=Path(args.head).read_bytes() if args.head else None,
                                       on_file=lambda _: progress.advance(task))
        except HeadError as exc:
            raise CliError(f"{args.head}: {exc}") from None
        except OSError as exc:
            raise CliError(f"cannot write {prefix}.*: {exc.strerror or exc}") from None

    print_written(f"{speech.name}: {clip.duration_s:.2f} s, {clip.n_frames} frames at {clip.fps} fps, "
                  f"{clip.engine} engine, {len(clip.visemes)} visemes", written)
    return 0
