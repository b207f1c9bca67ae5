"""Hair from the photo: which of the shipped styles fits the person's outline, and the hair's colour.

MediaPipe's selfie segmentation (in the mediapipe wheel) gives the person's outline. Hair is the part of
the person above and beside the face outline whose colour is not the skin's. Its reach, measured in face
heights, picks the style: nothing above the brow (bald or shaved) → none; a wide, tall mass → afro;
hair hanging below the chin beside the neck → long; otherwise short. (bob02, short04 and ponytail01 are
offered by name: bob02's side fringe hides an eye, which is no default.)
The colour is that of the lit hair (above and beside the face), as a CIELAB median: see
`hair_colour`.

Then the style's mesh is fitted (`hair_part`, `keep_clear_of_skin`) and painted (`hair_image`): strands over
an opaque undercoat, ending in alpha-tested strand tips at the cards' free edges.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from fantasy_talking.head.landmarks import FaceLandmarks, _native_stderr_silenced

FOREHEAD, CHIN = 10, 152
SKIN_SAMPLES = (50, 280, 101, 330, 151, 9, 108, 337)
HAIR_COLOUR_DISTANCE = 90.0
"""RGB distance from the crown's colour within which a pixel beside the face counts as the same hair."""
LONG_BELOW_CHIN = 0.05
"""Hair reaching this far (in face heights) below the chin beside the neck counts as long."""
LIT_PERCENTILES = (60.0, 95.0)
"""The lightness band of the hair's pixels whose colour is the hair's own (see hair_colour). Chosen leave-one-out
over the shared portraits among (50, 90), (60, 95), (70, 95) and (75, 97) by the rendered hair's ΔE to the
photo's lit hair: held-out ΔE 5.3, 5.8, 5.9 and 7.3."""
DEFAULT_RGB = np.array([60.0, 45.0, 35.0])
"""Mid brown, for a style asked for by name on a photo with no hair to read."""
MIN_HAIR_SHARE = 0.12
"""Below this share of the band above the forehead covered by hair, the head is treated as bald."""

_lock = threading.Lock()
_segmenter = None


@dataclass(frozen=True)
class HairAnalysis:
    """The chosen style (None for no hair), the hair colour, and the measures the choice was made from."""

    style: str | None
    rgb: np.ndarray
    top_share: float
    below_chin: float
    width: float


def _person_mask(rgb: np.ndarray) -> np.ndarray:
    global _segmenter
    with _lock, _native_stderr_silenced():
        if _segmenter is None:
            from mediapipe.python.solutions.selfie_segmentation import SelfieSegmentation

            _segmenter = SelfieSegmentation(model_selection=0)
        result = _segmenter.process(np.ascontiguousarray(rgb))
    return result.segmentation_mask > 0.5


def hair_colour(pixels: np.ndarray) -> np.ndarray:
    """The hair's own colour (RGB, 0..255) from its pixels in a photo: the per-channel CIELAB median (one bright
    strand or a dark gap does not pull it) of the lit hair, lightness between LIT_PERCENTILES.

    Most of a head of hair lies in its own shadow (the crown under a top light, the inner layers): the median of
    all of it is the colour of that shadow, and auburn hair read that way came out near-black. The renderer and
    the engine shade the hair again, so the albedo to paint is the lit hair's colour; glints are left out."""
    return _lab_median(pixels, LIT_PERCENTILES)


def _lab_median(pixels: np.ndarray, lightness_percentiles: tuple[float, float]) -> np.ndarray:
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)
    lo, hi = np.percentile(lab[:, 0], lightness_percentiles)
    median = np.median(lab[(lab[:, 0] >= lo) & (lab[:, 0] <= hi)], axis=0).astype(np.float32)
    return cv2.cvtColor(median.reshape(1, 1, 3), cv2.COLOR_LAB2RGB).reshape(3).astype(np.float64) * 255.0


def analyse_hair(rgb: np.ndarray, landmarks: FaceLandmarks) -> HairAnalysis:
    """Measure the hair around the face in the photo and choose a style for it."""
    person = _person_mask(rgb)
    h, w = person.shape
    p = landmarks.points
    face_h = float(np.linalg.norm(p[FOREHEAD, :2] - p[CHIN, :2]))
    oval_mask = np.zeros((h, w), np.uint8)
    from fantasy_talking.head.base_mesh import load_base_head

    cv2.fillPoly(oval_mask, [np.round(p[load_base_head().mp_face_oval, :2]).astype(np.int32)], 1)
    face = cv2.dilate(oval_mask, np.ones((5, 5), np.uint8)).astype(bool)
    samples = p[list(SKIN_SAMPLES), :2].astype(int)
    skin = np.median(rgb[np.clip(samples[:, 1], 0, h - 1), np.clip(samples[:, 0], 0, w - 1)].astype(float), axis=0)
    not_skin = np.linalg.norm(rgb.astype(np.float32) - skin, axis=2) > 40
    candidate = person & ~face & not_skin

    x0, x1 = p[:468, 0].min(), p[:468, 0].max()
    face_w = x1 - x0
    top_y, chin_y = p[FOREHEAD, 1], p[CHIN, 1]
    ys, xs = np.mgrid[0:h, 0:w]
    # the band above the forehead, as wide as the face
    above = (ys < top_y) & (ys > top_y - 0.35 * face_h) & (xs > x0) & (xs < x1)
    top_share = float(candidate[above].mean()) if above.any() else 0.0
    # the crown's colour, shadows and all, says which pixels elsewhere are hair (a collar or a hood beside the
    # neck is not)
    crown = candidate & above
    crown_rgb = _lab_median(rgb[crown], (10.0, 90.0)) if crown.sum() > 30 else DEFAULT_RGB
    hair = candidate & (np.linalg.norm(rgb.astype(np.float32) - crown_rgb, axis=2) < HAIR_COLOUR_DISTANCE)
    # and only hair that hangs together with the crown's
    count, labels = cv2.connectedComponents(hair.astype(np.uint8), connectivity=8)
    crown_labels = np.unique(labels[hair & above])
    hair = np.isin(labels, crown_labels[crown_labels > 0])
    # the colour: all of the crown (its lit strands too, however far from its median) and the hair beside the
    # face (not below the chin, where a shadowed neck may pass)
    coloured = crown | (hair & (ys < chin_y))
    colour = hair_colour(rgb[coloured]) if coloured.sum() > 30 else crown_rgb
    # hair beside the face, below the chin, within a third of a face width of the cheeks
    beside = ((xs < x0 + 0.1 * face_w) & (xs > x0 - 0.35 * face_w)) | ((xs > x1 - 0.1 * face_w) & (xs < x1 + 0.35 * face_w))
    rows = np.flatnonzero((hair & beside).sum(axis=1) > 0.04 * face_w)
    below_chin = float(max(0.0, (rows.max() - chin_y) / face_h)) if len(rows) else 0.0
    columns = np.flatnonzero((hair & (ys < chin_y) & (ys > top_y - 0.6 * face_h)).sum(axis=0) > 0.04 * face_h)
    width = float((columns.max() - columns.min()) / face_w) if len(columns) else 0.0

    if top_share < MIN_HAIR_SHARE:
        style = None
    elif width > 2.1:
        style = "afro01"
    elif below_chin > LONG_BELOW_CHIN:
        style = "long01"
    else:
        style = "short02"
    return HairAnalysis(style=style, rgb=colour, top_share=top_share, below_chin=below_chin, width=width)


# ----------------------------------------------------------------------------------------------------------
# The hair's texture

TEXTURE_SIDE = 512
UNDERCOAT = 0.75
"""Brightness of the opaque layer between the strands, relative to the hair colour: a hair mesh's layers hang
apart, and an alpha-tested gap there would show the skin behind as a thin light line."""
SCALP_TINT = 1.0
"""The scalp under the hair is painted in the hair's colour times this. Between the forehead and the hair's front
edge it is seen, as the hairline: painted in the darker undercoat's colour (0.75) it read as a dark band."""
EDGE_TEXELS = 14.0
"""Within this distance (texels at TEXTURE_SIDE) of a card's free edge across the strands, each strand ends at
its own length, so an alpha-tested edge is a ragged line of strand tips instead of the mesh's polygon outline."""


@lru_cache(maxsize=8)
def _edge_distance(style: str, side: int) -> np.ndarray:
    """Per texel of a style's texture, the distance in texels to the nearest free edge of the hair mesh across the
    strands: an edge of one triangle only once UV seams are closed (the tips and outer rims of the cards). Edges
    along UV seams are inside the surface and stay opaque, or the cards would show cracks along them."""
    part = hair_part(style)
    welded = _welded(part.positions)

    def edges_once(triangles: np.ndarray) -> set[tuple[int, int]]:
        edges = np.sort(np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]]), axis=1)
        unique, counts = np.unique(edges, axis=0, return_counts=True)
        return set(map(tuple, unique[counts == 1].tolist()))

    free = edges_once(welded[part.triangles])
    points = np.round(part.uv.astype(np.float64) * side * 16).astype(np.int32)
    lines = np.ones((side, side), np.uint8)
    for a, b in edges_once(part.triangles):
        du, dv = np.abs(part.uv[b].astype(np.float64) - part.uv[a])
        # strands run along v, so only an edge across them can end in strand tips; edges along them stay solid
        if tuple(sorted((welded[a], welded[b]))) in free and du > dv:
            cv2.line(lines, tuple(points[a]), tuple(points[b]), 0, 1, lineType=cv2.LINE_8, shift=4)
    return cv2.distanceTransform(lines, cv2.DIST_L2, 5)


def strand_field(side: int, seed: int, density: float) -> tuple[np.ndarray, np.ndarray]:
    """Thin tapered strands running along v: their coverage (0..1) and a per-strand brightness around 1."""
    rng = np.random.default_rng(seed)
    alpha = np.zeros((side, side), np.float32)
    shade = np.ones((side, side), np.float32)
    for _ in range(int(side * density)):
        x = rng.uniform(0, side)
        y0, length = rng.uniform(-0.2, 0.6) * side, rng.uniform(0.4, 1.2) * side
        ys = np.arange(max(int(y0), 0), min(int(y0 + length), side))
        if len(ys) == 0:
            continue
        xs = np.clip((x + np.sin(ys / side * rng.uniform(2, 6)) * rng.uniform(0, 3)).astype(int), 0, side - 1)
        taper = np.clip((y0 + length - ys) / (0.25 * length), 0, 1)
        alpha[ys, xs] = np.maximum(alpha[ys, xs], taper)
        shade[ys, xs] = rng.uniform(0.7, 1.25)
    return np.clip(cv2.GaussianBlur(alpha, (0, 0), 0.6) * 1.8, 0, 1), shade


def hair_image(style: str, rgb: np.ndarray, side: int = TEXTURE_SIDE) -> np.ndarray:
    """The RGBA texture of a hair style in the colour `rgb`: strands of varied brightness over an opaque
    undercoat, averaging to `rgb` itself (the strands must not darken the hair), ending near the cards' free
    edges in strands of staggered length, whose tips make the alpha-tested silhouette."""
    from fantasy_talking.head.glb import ALPHA_CUTOFF

    strands, shade = strand_field(side, seed=1, density=2.4)
    rgb = np.asarray(rgb, np.float64)
    colour = rgb * shade[..., None] * strands[..., None] + rgb * UNDERCOAT * (1 - strands[..., None])
    inner = np.clip(_edge_distance(style, side) / (EDGE_TEXELS * side / TEXTURE_SIDE), 0, 1)
    # inside: opaque; towards a free edge each texel column (a strand) ends at its own distance from it, with a
    # few loose strands beyond: a ragged line of strand tips, with no gaps opening inside the hair
    tips = np.random.default_rng(4).uniform(0.0, 0.85, side)[None, :]
    reach = inner - tips
    alpha = np.maximum(np.clip(reach / 0.08 + 0.5, 0, 1), strands * (reach > -0.12))
    body = alpha >= ALPHA_CUTOFF
    colour *= (np.mean(rgb) / max(float(colour[body].mean()), 1e-6)) if body.any() else 1.0
    return np.dstack([np.clip(colour, 0, 255), alpha[..., None] * 255]).astype(np.uint8)


# ----------------------------------------------------------------------------------------------------------
# Fitting the hair to the fitted head

DROPPED_LOCKS = {"long01": 146}
"""Detached parts of fewer triangles than this are left out of a style. long01's four face-framing locks (70
triangles each) hang a few centimetres beside the jaw, and its innermost front sheet (144) lies just behind
the jaw line; painted as opaque cards they read as a dark outline along the cheek from three quarters and
along the jaw in profile. Its other layered sheets (148 triangles each) stay."""


def _welded(positions: np.ndarray) -> np.ndarray:
    """One id per distinct position: the copies of a vertex along UV seams share it."""
    return np.unique(np.round(positions, 5), axis=0, return_inverse=True)[1].reshape(-1)


def _components(edges: np.ndarray, n: int) -> np.ndarray:
    """A label per vertex, shared by the vertices the edges connect: each takes the least label among its
    neighbours', with pointer jumping, until nothing changes (scipy.sparse.csgraph would cost the CLI 0.4 s of
    import)."""
    label = np.arange(n)
    while True:
        low = np.minimum(label[edges[:, 0]], label[edges[:, 1]])
        new = label.copy()
        np.minimum.at(new, edges[:, 0], low)
        np.minimum.at(new, edges[:, 1], low)
        new = new[new]
        if np.array_equal(new, label):
            return label
        label = new


@lru_cache(maxsize=8)
def hair_part(style: str):
    """The base head's mesh of a hair style, less its DROPPED_LOCKS."""
    from fantasy_talking.head.base_mesh import BasePart, load_base_head

    part = load_base_head().parts[f"hair_{style}"]
    if style not in DROPPED_LOCKS:
        return part
    welded = _welded(part.positions)
    tris, n = welded[part.triangles], int(welded.max()) + 1
    lock = _components(np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]]]), n)
    size = np.bincount(lock[tris[:, 0]])
    keep_tri = size[lock[tris[:, 0]]] >= DROPPED_LOCKS[style]
    keep = np.zeros(len(part.positions), bool)
    keep[part.triangles[keep_tri].reshape(-1)] = True
    index = np.cumsum(keep) - 1
    return BasePart(positions=part.positions[keep], triangles=index[part.triangles[keep_tri]], uv=part.uv[keep],
                    deltas=part.deltas[:, keep])

MIN_CLEARANCE_M = 0.002
"""The least distance a hair vertex keeps outside the skin, however the face warp moved the skin towards it."""
REACH_M = 0.03
"""Hair vertices further than this from the skin (the hanging ends of long hair) are left where the warp put them."""


def nearest_points(points: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and index of each point's nearest reference point, exactly (OpenCV's brute-force matcher:
    scipy.spatial would add 0.2 s of import to every `ftalk head`)."""
    matches = cv2.BFMatcher(cv2.NORM_L2).match(points.astype(np.float32), reference.astype(np.float32))
    return np.array([m.distance for m in matches]), np.array([m.trainIdx for m in matches], dtype=np.int64)


@lru_cache(maxsize=8)
def skin_anchors(style: str) -> tuple[np.ndarray, np.ndarray]:
    """The style's hair vertices within REACH_M of the base skin, and the nearest base skin vertex of each
    (fixed per style, so a warm server finds them once)."""
    from fantasy_talking.head.base_mesh import load_base_head

    distance, nearest = nearest_points(hair_part(style).positions, load_base_head().parts["skin"].positions)
    near = np.flatnonzero(distance < REACH_M)
    return near, nearest[near]


def keep_clear_of_skin(hair: np.ndarray, base_hair: np.ndarray, skin: np.ndarray, skin_normals: np.ndarray,
                       base_skin: np.ndarray, anchors: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Hair vertices pushed out along the skin's normal so that each keeps at least its clearance over the skin
    in the base head (and never less than MIN_CLEARANCE_M).

    The face warp fits the skin to the photo; hair moves with the warp but not exactly with the skin under it,
    so where the fitted head is fuller than the base the scalp poked through the hair (dark patches at the
    crown from three quarters and in profile). Each hair vertex within REACH_M is matched to its nearest skin
    vertex, the same one in the base and the fitted head (`anchors`, as skin_anchors gives them; found here
    when not given)."""
    if anchors is None:
        distance, nearest = nearest_points(base_hair, base_skin)
        anchors = np.flatnonzero(distance < REACH_M), nearest[distance < REACH_M]
    rows, on_skin = anchors
    normals = skin_normals[on_skin]  # the warp turns normals little: the fitted ones stand in for the base's
    before = np.einsum("vc,vc->v", base_hair[rows] - base_skin[on_skin], normals)
    after = np.einsum("vc,vc->v", hair[rows] - skin[on_skin], normals)
    push = np.clip(np.maximum(before, MIN_CLEARANCE_M) - after, 0.0, None)
    out = hair.copy()
    out[rows] += push[:, None] * normals
    return out
