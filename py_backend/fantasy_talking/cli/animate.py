"""`ftalk animate`: one speech file in; a Live Link Face CSV, JSON frames and a PNG plot out.

    ftalk animate take1.wav -o out/                      # out/take1.csv, .json, .png
    ftalk animate interview.mp4 --language en-US --fps 60 -o renders/interview

Any audio or video container FFmpeg reads works; the audio track is decoded to 16 kHz mono.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from fantasy_talking.animation.clip import AnimationClip
from fantasy_talking.animation.options import (
    DEFAULT_LOOKAHEAD_MS,
    AnimationOptions,
    Engine,
    OptionsError,
)
from fantasy_talking.animation.rig import RigProfile
from fantasy_talking.audio.decode import Audio, AudioError, decode_file
from fantasy_talking.cli.errors import CliError
from fantasy_talking.formats.json_frames import write_json_frames
from fantasy_talking.formats.livelink_csv import write_livelink_csv

ENGINES = {"auto": Engine.AUTO, "acoustic": Engine.ACOUSTIC, "phonetic": Engine.PHONETIC}
RIGS = {"arkit52": RigProfile.ARKIT_52, "tongue": RigProfile.ARKIT_52_TONGUE, "visemes": RigProfile.ARKIT_52_VISEMES}
OUTPUT_SUFFIXES = (".csv", ".json", ".png", ".glb")


@dataclass(frozen=True)
class WrittenFile:
    """One file the command produced, with what it is for the summary line."""

    path: Path
    description: str


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
                       help="what is said; sharpens the phonetic engine's timing")
    group.add_argument("--language", default="", metavar="TAG",
                       help="BCP-47 language of the speech, e.g. en-US")
    group.add_argument("--fps", type=int, default=30, help="frames per second (default 30)")
    group.add_argument("--lookahead-ms", type=int, default=DEFAULT_LOOKAHEAD_MS, metavar="MS",
                       help=f"how far the mouth anticipates the sound (default {DEFAULT_LOOKAHEAD_MS})")
    group.add_argument("--seed", type=int, default=0, help="seed for blinks and idle motion (default 0)")
    group.add_argument("--engine", choices=sorted(ENGINES), default="auto",
                       help="speech analysis: phonetic (English, PocketSphinx) or acoustic (any language); "
                            "auto picks phonetic when an English transcript is given (default auto)")
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


def write_outputs(clip: AnimationClip, audio: Audio, prefix: Path, title: str,
                  progress: Progress) -> list[WrittenFile]:
    """Write every format for `clip` next to `prefix`, advancing `progress` once per file."""
    from fantasy_talking.formats.plot import plot_clip  # matplotlib loads only when a plot is drawn

    prefix.parent.mkdir(parents=True, exist_ok=True)
    steps = (
        ("Live Link Face CSV", ".csv", lambda p: write_livelink_csv(clip, p)),
        ("JSON frames", ".json", lambda p: write_json_frames(clip, p)),
        ("plot", ".png", lambda p: plot_clip(clip, p, audio.samples, audio.sample_rate, title)),
    )
    written = []
    for description, suffix, write in steps:
        task = progress.add_task(f"writing {description}", total=1)
        path = write(prefix.with_name(prefix.name + suffix))
        progress.advance(task)
        written.append(WrittenFile(path, description))
    return written


def _progress(console: Console) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


def run(args: argparse.Namespace) -> int:
    speech = Path(args.speech)
    if not speech.is_file():
        raise CliError(f"{speech}: no such file; give the path of an audio or video file")
    if args.head and not Path(args.head).is_file():
        raise CliError(f"{args.head}: no such file; give the .glb written by `ftalk head`")
    options = options_from_args(args)
    prefix = output_prefix(args.out, speech)
    from fantasy_talking.pipeline import animate_audio  # the engine loads once the arguments are known good

    with _progress(Console(stderr=True)) as progress:
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
        try:
            written = write_outputs(clip, audio, prefix, speech.name, progress)
            if args.head:
                from fantasy_talking.cli.head import bake_head_file
                written.append(WrittenFile(bake_head_file(args.head, clip, prefix), "animated head (glTF)"))
        except OSError as exc:
            raise CliError(f"cannot write {prefix}.*: {exc.strerror or exc}") from None

    print(f"{speech.name}: {clip.duration_s:.2f} s, {clip.n_frames} frames at {clip.fps} fps, "
          f"{clip.engine} engine, {len(clip.visemes)} visemes")
    width = max(len(str(f.path)) for f in written)
    for f in written:
        print(f"  {str(f.path):<{width}}  {f.description}")
    return 0
