"""`ftalk head`: a photo in; an engine-ready GLB head out (ARKit-52 morphs, visemes, face skeleton).

    ftalk head portrait.jpg -o head.glb
    ftalk head portrait.jpg -o head.glb --texture-size 2048 --parts cranium,eyes,mouth --report head.json
    ftalk head portrait.jpg -o head.glb --hair none          # or auto (default), short02, long01, ...
    ftalk head portrait.jpg -o head.glb --lods 3             # also head_lod1.glb .. head_lod3.glb

Module-level imports stay light (no numpy, OpenCV, MediaPipe or rich): the head pipeline loads when the
command runs, so `ftalk --help` and the other commands do not pay for it.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from fantasy_talking.cli.errors import CliError
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.options import DETAIL_LEVELS, HAIR_CHOICES, MAX_LOD, PART_GROUPS, HeadOptions


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("head", help="photo → GLB head with ARKit-52 morphs and a face skeleton",
                                   description="Build an engine-ready 3D head (GLB) from one portrait photo.")
    parser.add_argument("photo", metavar="PHOTO", help="JPEG, PNG or WebP portrait")
    parser.add_argument("-o", "--out", required=True, metavar="OUT.glb", help="where to write the GLB")
    add_head_arguments(parser)
    parser.add_argument("--report", metavar="REPORT.json", help="also write the quality report as JSON")
    parser.add_argument("--lods", type=int, default=0, metavar="N",
                        help=f"also write levels of detail 1..N (N ≤ {MAX_LOD}) beside OUT as OUT_lod1.glb ...: "
                             "a half, a quarter, an eighth of the triangles, same morphs and skeleton")
    parser.set_defaults(func=run)
    return parser


def add_head_arguments(parser: argparse.ArgumentParser) -> None:
    """The HeadOptions flags, shared with `ftalk preview`."""
    group = parser.add_argument_group("head")
    group.add_argument("--texture-size", type=int, default=1024, metavar="PX",
                       help="texture atlas side, 512..4096 (default 1024)")
    group.add_argument("--parts", default=",".join(PART_GROUPS), metavar="LIST",
                       help=f"comma-separated parts besides the face (default all: {','.join(PART_GROUPS)})")
    group.add_argument("--detail", choices=list(DETAIL_LEVELS), default="medium",
                       help="low: half-size painted eye and mouth textures (mobile); high: the face's triangles "
                            "split in four, rounder in close-ups, and double-size painted textures (default medium)")
    group.add_argument("--hair", choices=HAIR_CHOICES, default="auto",
                       help="hair: auto (style and colour from the photo), none, or a style by name")


def head_options(args: argparse.Namespace) -> HeadOptions:
    parts = frozenset(p.strip() for p in args.parts.split(",") if p.strip())
    try:
        return HeadOptions(texture_size=args.texture_size, parts=parts, detail=args.detail, hair=args.hair)
    except HeadError as exc:
        raise CliError(str(exc)) from None


def read_photo(path: str) -> bytes:
    photo = Path(path)
    if not photo.is_file():
        raise CliError(f"{photo}: no such file; give the path of a JPEG, PNG or WebP photo")
    return photo.read_bytes()


def progress_bar(console):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                    transient=True, disable=not console.is_terminal)


def run(args: argparse.Namespace) -> int:
    options = head_options(args)
    if not 0 <= args.lods <= MAX_LOD:
        raise CliError(f"--lods {args.lods} is outside 0..{MAX_LOD}")
    data = read_photo(args.photo)
    from rich.console import Console

    from fantasy_talking.head.create import create_head  # mediapipe loads once the arguments are known good

    with progress_bar(Console(stderr=True)) as progress:
        task = progress.add_task("building head", total=1.0)
        try:
            result = create_head(data, options,
                                 progress=lambda stage, done: progress.update(task, completed=done,
                                                                              description=stage))
        except HeadError as exc:
            raise CliError(f"{args.photo}: {exc}") from None
    out = Path(args.out)
    levels, lods = [], []
    if args.lods:
        from fantasy_talking.head.glb import write_glb
        from fantasy_talking.head.lod import decimate

        levels = [decimate(result.asset, level) for level in range(1, args.lods + 1)]
        lods = [write_glb(asset) for asset in levels]
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(result.glb)
        for level, glb in enumerate(lods, start=1):
            out.with_name(f"{out.stem}_lod{level}{out.suffix}").write_bytes(glb)
        if args.report:
            Path(args.report).write_text(json.dumps(asdict(result.report), indent=2))
    except OSError as exc:
        raise CliError(f"cannot write {exc.filename}: {exc.strerror}") from None
    r = result.report
    print(f"{out}: {len(result.glb) / 1e6:.1f} MB, {result.asset.mesh.n_vertices} vertices, "
          f"{len(result.asset.morphs.names)} morph targets, {len(result.asset.skeleton.names)} joints")
    print(f"  face {r.face_width_px:.0f} px wide, yaw {r.yaw_deg:.0f}° pitch {r.pitch_deg:.0f}° roll {r.roll_deg:.0f}°, "
          f"frontality {r.frontality:.2f}, texture inferred {r.face_inferred_fraction:.0%} of the face "
          f"({r.inferred_fraction:.0%} of the head), "
          f"reprojection error {r.reprojection_error:.1%} of inter-ocular distance")
    for warning in r.warnings:
        print(f"  warning: {warning}")
    if levels:
        counts = [len(asset.mesh.triangles) for asset in [result.asset, *levels]]
        print("  levels of detail: " + ", ".join(f"LOD{k} {n} triangles" for k, n in enumerate(counts)))
    return 0
