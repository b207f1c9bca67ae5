"""Render the README's head contact sheet: for each photo, its head from four sides in four expressions.

    .venv/bin/python tools/head_contact_sheet.py -o docs/head_contact_sheet.jpg

Rows: neutral, JawOpen, blink, smile; columns: the photo, then front, three-quarter, profile and back,
rendered by the product's own renderer (fantasy_talking.head.render). Reads ../shared/samples.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

PHOTOS = ("woman_photo_1024.png", "woman_asian_512.jpg", "man_frontal_mouth_open_720.jpg")
EXPRESSIONS = {"neutral": {}, "JawOpen": {"JawOpen": 1.0}, "blink": {"EyeBlinkLeft": 1.0, "EyeBlinkRight": 1.0},
               "smile": {"MouthSmileLeft": 1.0, "MouthSmileRight": 1.0}}
VIEWS = {"front": 0.0, "three-quarter": 35.0, "profile": 90.0, "back": 180.0}


def sheet(photo: Path, tile: int) -> Image.Image:
    from fantasy_talking.head.create import HeadOptions, create_head
    from fantasy_talking.head.render import asset_renderer

    result = create_head(photo.read_bytes(), HeadOptions(texture_size=1024))
    asset = result.asset
    renderer = asset_renderer(asset, tile, target=np.array([0.0, -0.035, -0.03]), distance=0.8)
    rows = []
    try:
        for weights in EXPRESSIONS.values():
            posed = asset.pose(weights)
            rows.append(np.hstack([renderer.draw(*posed, yaw_deg=yaw) for yaw in VIEWS.values()]))
    finally:
        renderer.release()
    grid = Image.fromarray(np.vstack(rows))
    picture = Image.open(photo).convert("RGB")
    picture.thumbnail((tile, tile))
    block = Image.new("RGB", (tile * (1 + len(VIEWS)), tile * len(EXPRESSIONS)), (46, 51, 61))
    block.paste(picture, (0, 0))
    block.paste(grid, (tile, 0))
    draw = ImageDraw.Draw(block)
    for k, name in enumerate(EXPRESSIONS):
        draw.text((6, tile * k + tile - 16), name, fill=(230, 230, 230))
    style = asset.mesh.hair_style or "no hair"
    draw.text((6, tile + 6), f"{photo.name}\nhair: {style}", fill=(230, 230, 230))
    return block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=Path("docs/head_contact_sheet.jpg"))
    parser.add_argument("--samples", type=Path, default=Path(__file__).resolve().parents[1] / "../shared/samples")
    parser.add_argument("--tile", type=int, default=176)
    args = parser.parse_args()
    blocks = [sheet(args.samples / "images" / name, args.tile) for name in PHOTOS]
    out = Image.new("RGB", (blocks[0].width, sum(b.height for b in blocks)))
    y = 0
    for block in blocks:
        out.paste(block, (0, y))
        y += block.height
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out.save(args.out, quality=82, optimize=True)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
