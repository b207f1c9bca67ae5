"""`ftalk preview`: a photo and a speech file in; an MP4 of the head talking, with the sound.

    ftalk preview portrait.jpg take1.wav -o talking.mp4
    ftalk preview portrait.jpg take1.wav -o talking.mp4 --size 768 --fps 25

Rendering is headless (OpenGL through EGL; Mesa's software rasteriser is enough).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from fantasy_talking.audio.decode import AudioError, decode_file
from fantasy_talking.cli.animate import add_animation_arguments, options_from_args
from fantasy_talking.cli.errors import CliError
from fantasy_talking.cli.head import add_head_arguments, head_options, progress_bar, read_photo
from fantasy_talking.head.errors import HeadError


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("preview", help="photo + speech → MP4 of the 3D head talking",
                                   description="Build a head from a photo and render it speaking (MP4 with audio).")
    parser.add_argument("photo", metavar="PHOTO", help="JPEG, PNG or WebP portrait")
    parser.add_argument("speech", metavar="SPEECH", help="audio or video file with speech")
    parser.add_argument("-o", "--out", required=True, metavar="OUT.mp4", help="where to write the MP4")
    parser.add_argument("--size", type=int, default=512, metavar="PX", help="video width and height (default 512)")
    add_head_arguments(parser)
    add_animation_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    if not 64 <= args.size <= 2048 or args.size % 2:
        raise CliError(f"--size {args.size} must be an even number of pixels in 64..2048")
    options = head_options(args)
    animation = options_from_args(args)
    data = read_photo(args.photo)
    speech = Path(args.speech)
    if not speech.is_file():
        raise CliError(f"{speech}: no such file; give the path of an audio or video file")
    from fantasy_talking.head.create import build_asset
    from fantasy_talking.head.image import decode_image
    from fantasy_talking.head.preview import write_preview
    from fantasy_talking.pipeline import animate_audio

    out = Path(args.out)
    with progress_bar(Console(stderr=True)) as progress:
        task = progress.add_task("building head", total=1.0)
        try:
            asset, _, _ = build_asset(decode_image(data), options,
                                      progress=lambda stage, done: progress.update(task, completed=done))
            audio = decode_file(speech)
        except HeadError as exc:
            raise CliError(f"{args.photo}: {exc}") from None
        except AudioError as exc:
            raise CliError(f"{speech}: {exc}") from None
        progress.update(task, completed=1.0)
        task = progress.add_task(f"animating {audio.duration_s:.1f} s", total=1.0)
        clip = animate_audio(audio, animation, progress=lambda done: progress.update(task, completed=done))
        task = progress.add_task(f"rendering {clip.n_frames} frames", total=1.0)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            write_preview(asset, clip, audio, out, size=args.size,
                          progress=lambda done: progress.update(task, completed=done))
        except HeadError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"{out}: {clip.n_frames} frames at {clip.fps} fps, {args.size}x{args.size}, {audio.duration_s:.2f} s of audio")
    return 0
