"""Measure and render ICT-FaceKit's face model next to the shipped hm08 head: the evidence for the asset choice.

    git clone https://github.com/ICT-VGL/ICT-FaceKit   # MIT; not shipped, only measured
    .venv/bin/python tools/head_assets/compare_ict.py --ict ICT-FaceKit/FaceXModel -o /tmp/ict_vs_hm08.jpg

Prints, for both: vertices and triangles, how much of the skin is open (boundary edges),
the expression targets against ARKit's 52 names, and what else a game head needs (skeleton, hair fitting
data). Renders both untextured from the front, three-quarter, profile and back with the product's renderer.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from fantasy_talking.animation.rig import ARKIT_52
from fantasy_talking.head.base_mesh import HAIR_STYLES, load_base_head
from fantasy_talking.head.render import Renderer

ICT_SKIN = (0, 11144)
"""ICT's "Face" and "Head and Neck" polygons (its README's geometry table): the skin a head would wear."""
VIEWS = (0.0, 35.0, 90.0, 180.0)


def read_obj(path: Path) -> tuple[np.ndarray, list[list[int]]]:
    positions, faces = [], []
    for line in path.read_text().splitlines():
        if line.startswith("v "):
            positions.append([float(x) for x in line.split()[1:4]])
        elif line.startswith("f "):
            faces.append([int(word.split("/")[0]) - 1 for word in line.split()[1:]])
    return np.array(positions), faces


def triangulate(faces: list[list[int]]) -> np.ndarray:
    return np.array([[f[0], f[k], f[k + 1]] for f in faces for k in range(1, len(f) - 1)])


def open_edges(triangles: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Edges used by one triangle only, as the edge midpoints (positions are welded by coordinate first)."""
    _, weld = np.unique(positions.round(6), axis=0, return_inverse=True)
    t = weld.reshape(-1)[triangles]
    edges = np.sort(np.concatenate([t[:, [0, 1]], t[:, [1, 2]], t[:, [2, 0]]]), axis=1)
    count = Counter(map(tuple, edges.tolist()))
    single = np.array([e for e, n in count.items() if n == 1]) if count else np.zeros((0, 2), int)
    first = {w: i for i, w in enumerate(weld.reshape(-1))}
    if not len(single):
        return np.zeros((0, 3))
    return 0.5 * (positions[[first[a] for a in single[:, 0]]] + positions[[first[b] for b in single[:, 1]]])


def grey_renders(positions: np.ndarray, triangles: np.ndarray, target: np.ndarray, distance: float, size: int):
    """Untextured renders from VIEWS (double-sided shading, so open surfaces show as such)."""
    a, b, c = (positions[triangles[:, k]] for k in range(3))
    face_n = np.cross(b - a, c - a)
    normals = np.zeros_like(positions)
    for k in range(3):
        np.add.at(normals, triangles[:, k], face_n)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    renderer = Renderer(size, triangles, np.zeros((len(positions), 2)), np.full((4, 4, 3), 190, np.uint8),
                        target=target, distance=distance)
    try:
        return [renderer.draw(positions, normals, yaw_deg=yaw) for yaw in VIEWS]
    finally:
        renderer.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ict", type=Path, required=True, help="ICT-FaceKit's FaceXModel folder")
    parser.add_argument("-o", "--out", type=Path, default=Path("/tmp/ict_vs_hm08.jpg"))
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()

    positions, faces = read_obj(args.ict / "generic_neutral_mesh.obj")
    positions = positions / 100.0  # centimetres → metres
    triangles = triangulate(faces)
    skin = triangulate(faces[ICT_SKIN[0]:ICT_SKIN[1]])
    holes = open_edges(skin, positions)
    targets = sorted(p.stem for p in args.ict.glob("*.obj") if not p.stem.startswith(("identity", "generic")))
    arkit = {name[0].lower() + name[1:] for name in ARKIT_52}
    ict_names = {t.replace("_L", "Left").replace("_R", "Right") for t in targets}
    print(f"ICT-FaceKit: {len(positions)} vertices, {len(triangles)} triangles ({len(skin)} on the face, head and "
          f"neck skin, down to the shoulders); {len(holes)} open skin edges (the cut at the shoulders, the eye and "
          f"mouth openings where its socket meshes sit)")
    print(f"  {len(targets)} expression targets; ARKit names missing: {sorted(arkit - ict_names)}; "
          f"extra: {sorted(ict_names - arkit)}; no skeleton, no hair or fitting data for hair")

    base = load_base_head()
    hm08 = base.parts["skin"]
    own_holes = open_edges(hm08.triangles, hm08.positions)
    total = sum(len(base.parts[p].triangles) for p in ("skin", "eyes", "teeth", "tongue", "lashes"))
    print(f"hm08 (shipped): {sum(len(base.parts[p].positions) for p in ('skin', 'eyes', 'teeth', 'tongue', 'lashes'))} "
          f"vertices, {total} triangles ({len(hm08.triangles)} skin); {len(own_holes)} open skin edges; "
          f"{len(base.morph_names)} ARKit targets (all 52 names); joints {sorted(base.joints)}; "
          f"{len(HAIR_STYLES)} hair meshes with fitting data")

    centre = 0.5 * (positions[:, 1].max() + positions[:, 1].min())
    ict_views = grey_renders(positions, triangles, np.array([0.0, centre, 0.0]), 0.9, args.size)
    parts = [base.parts[p] for p in ("skin", "eyes", "teeth", "tongue", "lashes")]
    offsets = np.cumsum([0] + [len(p.positions) for p in parts])
    own = np.concatenate([p.positions for p in parts])
    own_tris = np.concatenate([p.triangles + o for p, o in zip(parts, offsets)])
    own_views = grey_renders(own, own_tris, np.array([0.0, -0.035, -0.03]), 0.8, args.size)
    sheet = Image.fromarray(np.vstack([np.hstack(ict_views), np.hstack(own_views)]))
    draw = ImageDraw.Draw(sheet)
    draw.text((6, 6), f"ICT-FaceKit neutral: {len(triangles)} triangles; no skeleton, hair or tongueOut",
              fill=(255, 255, 255))
    draw.text((6, args.size + 6), f"hm08 + Face Units (shipped): {total} triangles, closed skin, rig, 6 hair styles",
              fill=(255, 255, 255))
    sheet.save(args.out, quality=85, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
