"""Textures: the photo projected onto the skin with its lighting evened out, and painted eyes, mouth, lashes, hair.

Skin: every texel of the hm08 UV layout knows its point on the fitted head; that point is projected into
the photo through the fitted pose. The photo counts only where the camera saw the skin squarely, inside the
face outline, away from the eyes' and mouth's openings and from hair. Before it is used the photo is
corrected: white balance and exposure from the whites of the eyes (the nearest thing to a grey card in a
portrait), and low-frequency shading divided out, so a backlit or side-lit face keeps its own skin tone.
Unseen skin is grown out of the seen skin (a push-pull fill, so colours continue smoothly with no mirror
seam), given the photo's own fine skin grain, and the mouth's inside darkens with depth.

Eyes, teeth, tongue, lashes and hair are painted from each texel's point on the part: an iris of the
photo's colour at the front of each eyeball, enamel and gums by height on the teeth, strands along the hair.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from fantasy_talking.head.base_mesh import load_base_head
from fantasy_talking.head.fit import FaceFit
from fantasy_talking.head.hair import DEFAULT_RGB, SCALP_TINT, hair_image
from fantasy_talking.head.landmarks import LEFT_IRIS, RIGHT_IRIS, FaceLandmarks
from fantasy_talking.head.neutral import MAX_GAP_TO_CLOSE_M, lip_gap
from fantasy_talking.head.raster import rasterize, triangle_map
from fantasy_talking.head.template import HeadMesh, Part

RIGHT_EYE = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
LEFT_EYE = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)
INNER_MOUTH = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
SKIN_SAMPLES = (50, 280, 101, 330, 151, 9, 108, 337, 36, 266)
"""Cheek, forehead and nose-side landmarks whose photo colours give the skin tone."""
MAP_SIDE = 512
"""The skin's texel → photo map is solved at this side and upsampled (it is piecewise linear)."""
SCLERA_TARGET = 125.0
"""Luminance of the brighter half of the whites of the eyes in a well-exposed portrait (they sit in the lids'
shade); exposure is corrected only where the photo is off by more than EXPOSURE_TOLERANCE."""
EXPOSURE_TOLERANCE = 1.2
SCLERA_TINT = np.array([1.04, 1.0, 0.95])
"""The whites of the eyes are a little warm (blood vessels, the lids' shade): white balance aims at this tint."""
BALANCE_TOLERANCE = 1.25
"""The whites of the eyes differ in tint by up to this ratio per channel between people and rooms (vessels,
light reflected off the skin: 0.82–1.17 over the shared portraits, 1.17–1.22 with any one left out), so only
a stronger cast is taken for the light's colour and corrected."""
MAX_BALANCE = 1.25
MAX_GAIN = 2.0
SKIN_LUMA_CEILING = 200.0
"""Exposure gain never lifts the skin's mean luminance above this (L* ≈ 80): a small or soft photo's sclera
(lashes, blur) under-reads, and a bright face must not come out white."""
SHADING_SIGMA = 0.06
"""Width (in atlas sides) of the blur that separates lighting from skin detail."""
SHADING_STRENGTH = 0.75
MOUTH_RGB = np.array([70.0, 22.0, 26.0])
MOUTH_MARGIN = 0.3
"""Share of an open mouth's height (in the photo) round its landmark outline within which dark (shadow, tongue)
and bright grey (teeth) pixels still count as the opening: MediaPipe's inner-lip outline follows a round "O"
only loosely."""
LIP_CONTACT_SHADE, LIP_CONTACT_M = 0.8, 0.002
"""Unseen lip takes the seen lip's median colour, darkened to this share at the line where the lips meet (they
shade each other there), fading out this far above and below it."""
OUTER_LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)
IRIS_MM, PUPIL_MM = 5.9, 2.0
"""Iris and pupil radii (an adult's 11.8 mm iris, a pupil in room light), from the eye's forward axis."""
EYE_UV_RADIUS_MM = 13.0
"""The eye texture spans this radius round the axis (the whole eyeball seen from the front)."""
FILL_KNOWN = 0.9
"""Only skin the photo shows squarely feeds the fill: the feathered rim of the seen face (its jaw shadow, stray
hair and background) would carry a dark edge round to the neck and the back."""
FILL_STEPS = 80
"""Diffusion steps of the unseen-skin fill: enough to carry the face's colours round to the ears."""
SHADOW_FROM_M, SHADOW_RAMP_M, SIDE_SHADOW = 0.011, 0.008, 0.75
"""Teeth darken from beside the canines (this far from the mouth's middle), over this width, by this much."""
PART_SIZES = {"eyes": 512, "mouth": 512, "lashes": 256, "hair": 512}


@dataclass(frozen=True)
class Texture:
    """The baked images, one per material (RGB, or RGBA for lashes and hair), and what the photo gave."""

    images: dict[str, np.ndarray]
    inferred_fraction: float
    face_inferred_fraction: float
    skin_rgb: tuple[int, int, int]
    iris_rgb: tuple[int, int, int]
    gain: float

    @property
    def rgb(self) -> np.ndarray:
        return self.images["skin"]


def layout_uvs(mesh: HeadMesh) -> None:
    """Teeth take the left three quarters of the mouth texture and the tongue the right quarter; each eye is
    mapped by a projection along its forward axis (hm08's eye shells share one UV island, so a painted
    texture could not tell the cornea from the shell behind it). In place."""
    uv = mesh.uv
    for part in (Part.EYE_LEFT, Part.EYE_RIGHT):
        sel = mesh.part == part
        if sel.any():
            apex = mesh.positions[sel][np.argmax(mesh.positions[sel, 2])]
            uv[sel] = 0.5 + 0.5 * (mesh.positions[sel, :2] - apex[:2]) / (EYE_UV_RADIUS_MM / 1000.0 * _eye_scale(mesh))
    teeth, tongue = mesh.part == Part.TEETH, mesh.part == Part.TONGUE
    uv[teeth, 0] = 0.01 + 0.73 * np.clip(uv[teeth, 0], 0, 1)
    uv[tongue, 0] = 0.76 + 0.23 * np.clip(uv[tongue, 0], 0, 1)


class UvMap:
    """Where each texel of a size² image lies on the triangles of some parts: values at vertices → texels."""

    def __init__(self, mesh: HeadMesh, parts: tuple[Part, ...], size: int):
        tris = mesh.triangles[np.isin(mesh.part[mesh.triangles[:, 0]], parts)]
        index, bary = triangle_map(mesh.uv * size, tris, size)
        self.size = size
        self.covered = index >= 0
        self._corners = tris[index[self.covered]]
        self._bary = bary[self.covered]

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Per-vertex `values` (V, K) interpolated to (size, size, K); uncovered texels are 0."""
        out = np.zeros((self.size, self.size, values.shape[1]), dtype=np.float32)
        out[self.covered] = np.einsum("pk,pkc->pc", self._bary, values[self._corners])
        return out


def _texel_attributes(mesh: HeadMesh, parts: tuple[Part, ...], size: int, values: np.ndarray):
    """Per-vertex `values` (V, K) interpolated over the UV layout of `parts`: (size, size, K) and a coverage mask."""
    uv_map = UvMap(mesh, parts, size)
    return uv_map(values), uv_map.covered


def _grow(image: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Push-pull fill: a weighted image extended smoothly into its zero-weight texels."""
    levels = [(image * weight[..., None], weight)]
    while min(levels[-1][1].shape) > 4:
        colour, w = levels[-1]
        levels.append((cv2.pyrDown(colour), cv2.pyrDown(w)))
    colour, w = levels[-1]
    filled = colour / np.maximum(w, 1e-6)[..., None]
    filled[w < 1e-6] = (colour.sum(axis=(0, 1)) / max(w.sum(), 1e-6))
    for colour, w in reversed(levels[:-1]):
        up = cv2.resize(filled, (w.shape[1], w.shape[0]), interpolation=cv2.INTER_LINEAR)
        alpha = np.clip(w, 0, 1)[..., None]
        filled = colour / np.maximum(w, 1e-6)[..., None] * alpha + up * (1 - alpha)
    return filled


def _polygon_mask(shape, points: np.ndarray, dilate_px: int = 0) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    if dilate_px > 0:
        mask = cv2.dilate(mask, np.ones((2 * dilate_px + 1,) * 2, np.uint8))
    return mask.astype(bool)


def _photo_correction(rgb: np.ndarray, landmarks: FaceLandmarks) -> tuple[np.ndarray, float]:
    """Per-channel gains from the whites of the eyes: neutral white balance, and the sclera at SCLERA_TARGET.

    Sclera pixels are those inside the eye outlines, outside the iris circle, and brighter than the eye's
    median (lashes and shadow excluded). Without enough of them the photo is left as it is."""
    p = landmarks.points
    h, w = rgb.shape[:2]
    samples = []
    for contour, iris in ((RIGHT_EYE, RIGHT_IRIS), (LEFT_EYE, LEFT_IRIS)):
        outline = p[list(contour), :2]
        x0, y0 = np.maximum(np.floor(outline.min(axis=0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(outline.max(axis=0)).astype(int) + 2, [w, h])
        if x1 - x0 < 4 or y1 - y0 < 2:
            continue
        inside = _polygon_mask((y1 - y0, x1 - x0), outline - [x0, y0])
        radius = np.linalg.norm(p[iris + 1, :2] - p[iris, :2]) * 1.1
        yy, xx = np.mgrid[y0:y1, x0:x1]
        inside &= np.hypot(xx - p[iris, 0], yy - p[iris, 1]) > radius
        pixels = rgb[y0:y1, x0:x1][inside].astype(np.float64)
        if len(pixels) >= 6:
            luma = pixels.mean(axis=1)
            samples.append(pixels[luma >= np.median(luma)])
    if not samples or sum(len(s) for s in samples) < 12:
        return np.ones(3), 1.0
    sclera = np.median(np.concatenate(samples), axis=0)
    luma = float(sclera.mean())
    ratio = SCLERA_TARGET / max(luma, 1.0)
    gain = float(np.clip(_beyond(ratio, EXPOSURE_TOLERANCE), 1 / MAX_GAIN, MAX_GAIN))
    skin_luma = float(_skin_colour(rgb, landmarks).mean())
    gain = min(gain, max(1.0, SKIN_LUMA_CEILING / max(skin_luma, 1.0)))
    balance = np.clip([_beyond(r, BALANCE_TOLERANCE) for r in luma * SCLERA_TINT / np.maximum(sclera, 1.0)],
                      1 / MAX_BALANCE, MAX_BALANCE)
    return gain * balance, gain


def _beyond(ratio: float, tolerance: float) -> float:
    """The part of a correction ratio outside [1/tolerance, tolerance]: 1 inside it, continuous at its edges."""
    return ratio / tolerance if ratio > tolerance else ratio * tolerance if ratio < 1 / tolerance else 1.0


def _skin_colour(rgb: np.ndarray, landmarks: FaceLandmarks) -> np.ndarray:
    """Median colour of small patches on the cheeks, forehead and beside the nose (SKIN_SAMPLES)."""
    h, w = rgb.shape[:2]
    radius = max(2, int(landmarks.inter_ocular_px * 0.04))
    patches = []
    for x, y in np.round(landmarks.points[list(SKIN_SAMPLES), :2]).astype(int):
        x, y = min(max(x, 0), w - 1), min(max(y, 0), h - 1)
        patches.append(rgb[max(y - radius, 0):y + radius + 1, max(x - radius, 0):x + radius + 1].reshape(-1, 3))
    return np.median(np.concatenate(patches).astype(np.float64), axis=0)


def _vertex_fill(mesh: HeadMesh, base, flat: np.ndarray, weight: np.ndarray, skin_tone: np.ndarray,
                 hair_rgb: np.ndarray | None) -> np.ndarray:
    """Per-vertex fill colours: seen skin keeps its (corrected) photo colour, every other skin vertex takes the
    average of its neighbours (a harmonic fill over the base mesh, seam copies welded), settling to the skin
    tone far from the face; under a hair mesh the scalp takes the hair's colour."""
    n_skin = len(base.skin_source)
    weld = np.where(base.skin_source >= 0, base.skin_source, base.skin_source.max() + 1 + np.arange(n_skin))
    ids, inverse = np.unique(weld, return_inverse=True)
    size = flat.shape[0]
    uv = np.clip((mesh.uv[:n_skin] * size).astype(int), 0, size - 1)
    colour_v, weight_v = flat[uv[:, 1], uv[:, 0]], weight[uv[:, 1], uv[:, 0]]
    known_w = np.bincount(inverse, weights=(weight_v > FILL_KNOWN) * weight_v, minlength=len(ids))
    known = known_w > 0
    colour = np.tile(np.asarray(skin_tone, np.float64), (len(ids), 1))
    for k in range(3):
        total = np.bincount(inverse, weights=(weight_v > FILL_KNOWN) * weight_v * colour_v[:, k], minlength=len(ids))
        colour[known, k] = total[known] / known_w[known]
    tris = inverse[base.parts["skin"].triangles]
    edges = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    edges = np.concatenate([edges, edges[:, ::-1]])
    from scipy.sparse import csr_matrix

    degree = np.bincount(edges[:, 0], minlength=len(ids)).astype(float)
    average = csr_matrix((1.0 / np.maximum(degree, 1)[edges[:, 0]], (edges[:, 0], edges[:, 1])),
                         shape=(len(ids), len(ids)))
    tone = np.asarray(skin_tone, np.float64)
    for _ in range(FILL_STEPS):
        # a slow pull to the skin tone keeps far regions (neck, scalp) from taking one edge's colour
        colour = np.where(known[:, None], colour, 0.96 * (average @ colour) + 0.04 * tone)
    out = np.zeros((mesh.n_vertices, 3), np.float32)
    out[:n_skin] = colour[inverse]
    if hair_rgb is not None and mesh.hair_style:
        cover = base.hair_cover[mesh.hair_style] * (~known[inverse])
        out[:n_skin] = out[:n_skin] * (1 - cover[:, None]) + (SCALP_TINT * np.asarray(hair_rgb)) * cover[:, None]
    return out


def _skin_bake(mesh: HeadMesh, fit: FaceFit, landmarks: FaceLandmarks, rgb: np.ndarray, size: int,
               hair_rgb: np.ndarray | None):
    """The skin atlas, the skin tone, the share of the face and the head the photo saw, and the exposure gain."""
    base = load_base_head()
    skin = mesh.part == Part.SKIN
    as_photographed = mesh.positions.copy()
    as_photographed[: len(mesh.photo_positions)] = mesh.photo_positions
    normals = mesh.normals(as_photographed)
    photo_xy = fit.pose.project(as_photographed)
    facing = fit.pose.view_dot(normals)
    depth = as_photographed @ fit.pose.rotation[2, :] * fit.pose.scale_px_per_m
    low = min(size, MAP_SIDE)
    uv_map = UvMap(mesh, (Part.SKIN,), low)
    region = np.zeros(mesh.n_vertices, np.float32)
    region[: len(base.skin_region)] = base.skin_region == 1
    lips = _lip_vertices(mesh, base)
    texels = uv_map(np.column_stack([photo_xy, facing, depth, mesh.positions, region, lips]).astype(np.float32))
    covered = uv_map.covered

    # Which texels the photo shows: facing the camera, inside the face outline, not behind the face itself,
    # and not inside the eyes' or the mouth's opening.
    h, w = rgb.shape[:2]
    points = landmarks.points
    oval = points[base.mp_face_oval, :2]
    face_mask = _polygon_mask((h, w), oval).astype(np.uint8)
    inset = cv2.distanceTransform(face_mask, cv2.DIST_L2, 5)
    holes = np.zeros((h, w), bool)
    margin = max(1, int(landmarks.inter_ocular_px * 0.02))
    for contour in (RIGHT_EYE, LEFT_EYE):
        holes |= _polygon_mask((h, w), points[list(contour), :2], dilate_px=margin)
    # an open mouth's wet inner lips, teeth edges and shadow hug the opening: the wider it gapes, the wider
    # the margin left to the fill (else the closed neutral wears them on its lips)
    holes |= _mouth_opening(rgb, points, margin)
    xy = texels[..., :2]
    xi = np.clip(np.round(xy[..., 0]).astype(int), 0, w - 1)
    yi = np.clip(np.round(xy[..., 1]).astype(int), 0, h - 1)
    feather = max(landmarks.face_width_px * 0.06, 2.0)
    weight = np.clip(inset[yi, xi] / feather, 0, 1) * np.clip((texels[..., 2] - 0.2) / 0.3, 0, 1)
    weight *= ~holes[yi, xi]
    weight *= _unoccluded(points, base.mp_triangles, xy, texels[..., 3], landmarks)
    weight[~covered] = 0.0

    gains, gain = _photo_correction(rgb, landmarks)
    corrected = np.clip(rgb.astype(np.float32) * gains.astype(np.float32), 0, 255)
    seen = cv2.remap(corrected, xy[..., 0], xy[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    samples = points[list(SKIN_SAMPLES), :2].astype(int)
    samples[:, 0] = np.clip(samples[:, 0], 0, w - 1)
    samples[:, 1] = np.clip(samples[:, 1], 0, h - 1)
    skin_rgb = np.median(corrected[samples[:, 1], samples[:, 0]], axis=0)
    # hair or background inside the outline (a fringe, a beard line) is not skin: let it go
    distance = np.linalg.norm(seen - skin_rgb, axis=2)
    edge = 1.0 - np.clip(inset[yi, xi] / (feather * 3), 0, 1)
    weight *= 1.0 - edge * np.clip((distance - 55.0) / 45.0, 0.0, 1.0)
    lip_texel = texels[..., 8] > 0.5
    if lip_gap(fit.vertices) > MAX_GAP_TO_CLOSE_M:
        # a wide-open mouth stretches the lips, and MediaPipe's lower-lip and chin outline can slip a lip's height:
        # near the mouth the photo counts only where its colour agrees (lip-red on the neutral's lips, not on its
        # chin)
        classes = _lip_or_skin(corrected, points, skin_rgb)
        if classes is not None:
            red, skin_like = classes
            near_mouth = _polygon_mask((h, w), points[list(OUTER_LIPS), :2],
                                       dilate_px=int(0.6 * landmarks.inter_ocular_px))[yi, xi]
            weight *= ~near_mouth | np.where(lip_texel, red[yi, xi], skin_like[yi, xi])
            # the lip the photo shows is its stretched outer part; its wet inner edge (darker, bluer) is left
            # to the lip colour
            seen_lip = lip_texel & (weight > 0.5)
            if seen_lip.sum() > 20:
                off_colour = np.linalg.norm(seen - np.median(seen[seen_lip], axis=0), axis=2) > 30.0
                weight *= ~(lip_texel & off_colour)

    # shading: the low frequencies of the seen luminance, divided out towards their median
    luma = seen.mean(axis=2) + 1.0
    sigma = SHADING_SIGMA * low
    blur_w = cv2.GaussianBlur(weight, (0, 0), sigma) + 1e-6
    shade = cv2.GaussianBlur(luma * weight, (0, 0), sigma) / blur_w
    reference = float(np.median(shade[weight > 0.5])) if (weight > 0.5).any() else float(luma.mean())
    flat = seen * ((reference / np.maximum(shade, 1.0)) ** SHADING_STRENGTH)[..., None]
    skin_tone = _skin_tone(flat, weight) if (weight > 0.5).any() else skin_rgb

    # the unseen skin: colours diffused over the surface from the seen skin (continuous across UV seams),
    # darkened to the hair's colour on the scalp under hair, then given the photo's grain
    vertex_fill = _vertex_fill(mesh, base, flat, weight, skin_tone, hair_rgb)
    fill_texels = uv_map(vertex_fill)
    grain = _skin_grain(flat, weight, low)
    fill = fill_texels * (1.0 + grain[..., None])
    lip_seen = lip_texel & (weight > 0.5)
    if lip_seen.sum() > 20:
        # unseen lip (the inner roll where the closed lips meet, the lips an open mouth hid) is lip, in the other
        # lip's shade, not skin diffused in from the chin: no light line between closed lips
        lip_rgb = np.median(flat[lip_seen], axis=0)
        line_y = float(mesh.landmarks[[13, 14], 1].mean())
        contact = np.clip(1.0 - np.abs(texels[..., 5] - line_y) / LIP_CONTACT_M, 0, 1)
        shade = 1.0 - (1.0 - LIP_CONTACT_SHADE) * contact
        lip_share = np.clip(texels[..., 8], 0, 1)[..., None]
        fill = fill * (1 - lip_share) + (lip_rgb * (shade * (1.0 + grain))[..., None]) * lip_share

    # the mouth bag darkens with depth behind the lips
    marks = mesh.landmarks
    lips_z = float(marks[[13, 14], 2].mean())
    depth_in = np.clip((lips_z - 0.003 - texels[..., 6]) / 0.006, 0, 1)
    inside_mouth = texels[..., 7] * depth_in
    photo_alpha = weight[..., None]
    colour = flat * photo_alpha + fill * (1 - photo_alpha)
    colour = colour * (1 - inside_mouth[..., None]) + MOUTH_RGB * inside_mouth[..., None]

    colour = _dilate_into(colour, covered)
    atlas = cv2.resize(np.clip(colour, 0, 255).astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    if size > low:
        # upsampling the corrected photo itself keeps the face sharp: re-sample the photo at full size
        full_xy = cv2.resize(xy, (size, size), interpolation=cv2.INTER_LINEAR)
        scale = cv2.resize(flat / np.maximum(seen, 1.0), (size, size), interpolation=cv2.INTER_LINEAR)
        sharp = cv2.remap(corrected, full_xy[..., 0], full_xy[..., 1], cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE) * scale
        alpha = cv2.resize(weight * (1 - inside_mouth), (size, size), interpolation=cv2.INTER_LINEAR)[..., None]
        atlas = sharp * alpha + atlas * (1 - alpha)
    seen_vertex = np.zeros(mesh.n_vertices)
    vertex_xy = photo_xy[skin]
    vx = np.clip(np.round(vertex_xy[:, 0]).astype(int), 0, w - 1)
    vy = np.clip(np.round(vertex_xy[:, 1]).astype(int), 0, h - 1)
    seen_vertex[skin] = (face_mask[vy, vx] > 0) * (facing[skin] > 0.35)
    # the face: skin inside the ellipse spanned by the landmarks, in front of their deepest point
    centre, half = 0.5 * (marks.max(axis=0) + marks.min(axis=0)), 0.5 * np.ptp(marks, axis=0)
    offset = (mesh.positions[:, :2] - centre[:2]) / half[:2]
    face_region = skin & ((offset ** 2).sum(axis=1) < 1.0) & (mesh.positions[:, 2] > marks[:, 2].min())
    return (np.clip(atlas, 0, 255).astype(np.uint8), tuple(int(c) for c in skin_tone),
            1.0 - _seen_share(mesh, seen_vertex, skin), 1.0 - _seen_share(mesh, seen_vertex, face_region), gain)


def _lip_vertices(mesh: HeadMesh, base) -> np.ndarray:
    """Per vertex, 1 on the neutral's lips: front skin inside the outer lip outline seen from the front."""
    from matplotlib.path import Path

    n_skin = len(base.skin_region)
    marks = mesh.landmarks
    p = mesh.positions[:n_skin]
    inside = Path(marks[list(OUTER_LIPS), :2]).contains_points(p[:, :2])
    front = (base.skin_region == 0) & (p[:, 2] > marks[[61, 291], 2].min() - 0.004)
    out = np.zeros(mesh.n_vertices, np.float32)
    out[:n_skin] = inside & front
    return out


def _lip_or_skin(rgb: np.ndarray, points: np.ndarray, skin_rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Two masks of the photo: lip-coloured pixels (redder, in CIELAB a*, than halfway from the skin to the upper
    lip, whose outline MediaPipe keeps on an open mouth, and about as light) and skin-coloured ones (less red, and
    not in shadow); None when the lips are hardly redder than the skin."""
    lab = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2LAB).astype(np.float32)
    h, w = rgb.shape[:2]
    band = []
    for a, b in ((0, 13), (37, 82), (267, 312)):
        xy = np.round(points[a, :2] + (points[b, :2] - points[a, :2]) * np.linspace(0.25, 0.75, 8)[:, None]).astype(int)
        band.append(lab[np.clip(xy[:, 1], 0, h - 1), np.clip(xy[:, 0], 0, w - 1)])
    lip_l, lip_a = np.median(np.concatenate(band)[:, :2], axis=0)
    skin_l, skin_a = cv2.cvtColor(np.clip(skin_rgb, 0, 255).astype(np.uint8)[None, None], cv2.COLOR_RGB2LAB)[0, 0, :2]
    if lip_a - float(skin_a) < 3.0:
        return None
    blurred = cv2.blur(lab, (3, 3))
    redder = blurred[..., 1] > 0.5 * (lip_a + float(skin_a))
    # the mouth's inside is red too, but dark
    return redder & (blurred[..., 0] > 0.9 * lip_l), ~redder & (blurred[..., 0] > 0.8 * float(skin_l))


def _mouth_opening(rgb: np.ndarray, points: np.ndarray, margin: int) -> np.ndarray:
    """The photo's mouth opening: inside the inner-lip outline, and round it (MOUTH_MARGIN of the gape) wherever a
    pixel is not lip-coloured: darker than the lips (shadow, tongue, throat) or brighter and greyer (teeth)."""
    h, w = rgb.shape[:2]
    inner = points[list(INNER_MOUTH), :2]
    opening = _polygon_mask((h, w), inner, dilate_px=margin)
    gap_px = max(0.0, float(np.mean(points[[14, 87, 317], 1] - points[[13, 82, 312], 1])))
    reach = int(MOUTH_MARGIN * gap_px)
    if reach <= margin:
        return opening
    lips = _polygon_mask((h, w), points[list(OUTER_LIPS), :2]) & ~opening
    if lips.sum() < 20:
        return opening
    pixels = rgb.astype(np.float32)
    luma = pixels.mean(axis=2)
    chroma = pixels.max(axis=2) - pixels.min(axis=2)
    lip_luma, lip_chroma = float(np.median(luma[lips])), float(np.median(chroma[lips]))
    unlike = (luma < 0.8 * lip_luma) | ((luma > 1.1 * lip_luma) & (chroma < 0.7 * lip_chroma))
    around = _polygon_mask((h, w), inner, dilate_px=reach)
    return opening | (around & unlike)


def _unoccluded(points: np.ndarray, mp_triangles: np.ndarray, xy: np.ndarray, depth: np.ndarray,
                landmarks: FaceLandmarks, grid: int = 256) -> np.ndarray:
    """1 where a texel's point is not hidden behind the photo's own face surface (the far side of the nose)."""
    face_xy = points[:468, :2]
    lo = face_xy.min(axis=0)
    scale = (grid - 1) / max(float(np.ptp(face_xy, axis=0).max()), 1e-6)
    face_depth = -points[:468, 2:3]
    zbuffer, hit = rasterize((face_xy - lo) * scale, mp_triangles, face_depth, (grid, grid), nearest=True)
    gx = np.clip(((xy[..., 0] - lo[0]) * scale).astype(int), 0, grid - 1)
    gy = np.clip(((xy[..., 1] - lo[1]) * scale).astype(int), 0, grid - 1)
    # texel depths are in the fitted head's frame, the face mesh's in MediaPipe's: compare each against the
    # face mesh's own depth range, with a tolerance of a few percent of the face width
    tolerance = 0.06 * landmarks.face_width_px
    near = zbuffer[gy, gx, 0]
    texel = depth - np.median(depth) + np.median(face_depth)
    return (~hit[gy, gx] | (texel >= near - tolerance)).astype(np.float32)


def _skin_tone(flat: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The seen skin's colour without brows, lashes, nostrils and leftover shadow: the median of its lighter 60 %."""
    seen = flat[weight > 0.5]
    luma = seen.mean(axis=1)
    return np.median(seen[luma >= np.percentile(luma, 40)], axis=0)


def _skin_grain(flat: np.ndarray, weight: np.ndarray, size: int) -> np.ndarray:
    """Fine relative luminance variation with the photo's own strength (pores, freckles), as seeded noise."""
    luma = flat.mean(axis=2)
    detail = luma / np.maximum(cv2.GaussianBlur(luma, (0, 0), 2.0), 1.0) - 1.0
    sure = weight > 0.8
    strength = float(np.clip(detail[sure].std() if sure.sum() > 100 else 0.01, 0.003, 0.02))
    rng = np.random.default_rng(11)
    noise = sum(cv2.resize(rng.standard_normal((size // f, size // f)).astype(np.float32), (size, size),
                           interpolation=cv2.INTER_CUBIC) / f ** 0.5 for f in (1, 2, 4))
    return (noise / max(noise.std(), 1e-6) * strength).astype(np.float32)


def _dilate_into(colour: np.ndarray, covered: np.ndarray) -> np.ndarray:
    """Copy the nearest covered texel into uncovered ones, so mipmaps and seams never pull in stray colour."""
    if covered.all() or not covered.any():
        return colour
    _, labels = cv2.distanceTransformWithLabels((~covered).astype(np.uint8), cv2.DIST_L2, 5,
                                                labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(covered)
    lookup = np.zeros(labels.max() + 1, dtype=np.int64)
    lookup[labels[ys, xs]] = ys * covered.shape[1] + xs
    return colour.reshape(-1, colour.shape[2])[lookup[labels]].reshape(colour.shape)


def _eye_scale(mesh: HeadMesh) -> float:
    """How much larger the fitted eyes are than the base head's."""
    base_eye = load_base_head().parts["eyes"].positions
    fitted = mesh.positions[mesh.part == Part.EYE_LEFT]
    return float(np.std(fitted) / np.std(base_eye[base_eye[:, 0] > 0])) if len(fitted) else 1.0


def _eye_image(mesh: HeadMesh, iris_rgb: np.ndarray, size: int) -> np.ndarray:
    """Sclera, an iris of the photo's colour with radial fibres and a dark limbal ring, and the pupil, as a
    radial image (the eyes' UVs are a projection along their forward axis, see layout_uvs)."""
    yy, xx = np.mgrid[0:size, 0:size]
    dx, dy = (xx + 0.5) / size - 0.5, (yy + 0.5) / size - 0.5
    rho = 2 * np.hypot(dx, dy) * EYE_UV_RADIUS_MM
    around = np.arctan2(dy, dx)
    rng = np.random.default_rng(3)
    fibres = sum(np.cos(k * around + rng.uniform(0, 6.3)) * rng.uniform(0.3, 1.0) for k in (23, 37, 61, 89))
    sclera = np.array([222.0, 214.0, 206.0]) * (1 - 0.1 * np.clip((rho - IRIS_MM) / 6, 0, 1))[..., None]
    t = np.clip(rho / IRIS_MM, 0, 1)[..., None]
    iris = iris_rgb * (0.8 + 0.3 * (1 - t) + 0.05 * fibres[..., None])
    iris = iris * (1 - 0.55 * np.clip((rho - IRIS_MM + 0.7) / 0.7, 0, 1))[..., None]  # limbal ring
    colour = np.where((rho < IRIS_MM)[..., None], iris, sclera)
    colour = np.where((rho < PUPIL_MM)[..., None], np.array([14.0, 12.0, 12.0]), colour)
    return np.clip(colour, 0, 255).astype(np.uint8)


LASHES_PER_STRIP = 60
"""Hairs painted across each eyelash strip: fewer than a real lid carries (90–160), as each is wider than a hair."""


def _lash_image(mesh: HeadMesh, rgb: np.ndarray, size: int) -> np.ndarray:
    """RGBA lashes painted across each lash strip, root to tip.

    hm08's lash strips are arcs in UV space; hairs painted straight down the texture run along a strip where it
    curves and draw a dark wedge at the eye's outer corner. Each strip's arc is fitted with a circle, so hairs run
    radially, from the edge nearest the eye (the root, by distance to the eyeball) to a random length, tapering."""
    a = mesh.anchors
    centres = np.stack([a.eye_left, a.eye_right]) if a is not None else np.zeros((1, 3))
    distance = np.linalg.norm(mesh.positions[:, None] - centres[None], axis=2).min(axis=1)
    texels, covered = _texel_attributes(mesh, (Part.LASHES,), size, distance[:, None].astype(np.float32))
    count, islands = cv2.connectedComponents(covered.astype(np.uint8), connectivity=8)
    alpha = np.zeros((size, size), np.float32)
    shade = np.ones((size, size), np.float32)
    rng = np.random.default_rng(7)
    for k in range(1, count):
        ys, xs = np.nonzero(islands == k)
        if len(xs) < 20:
            continue
        # the arc's circle (algebraic fit), then each texel's angle round it and its share from root to tip
        design = np.column_stack([xs, ys, np.ones(len(xs))])
        cx, cy, c = np.linalg.lstsq(design, xs ** 2 + ys ** 2, rcond=None)[0]
        cx, cy = cx / 2, cy / 2
        radius = np.hypot(xs - cx, ys - cy)
        if not np.isfinite(radius).all() or radius.max() > 50 * size:
            continue
        angle = np.arctan2(ys - cy, xs - cx)
        d = texels[ys, xs, 0]
        span = max(float(np.ptp(d)), 1e-9)
        s = (d - d.min()) / span  # 0 at the root, 1 at the tip
        lo, hi = np.percentile(angle, [1, 99])
        theta = rng.uniform(lo, hi, LASHES_PER_STRIP)
        length = rng.uniform(0.55, 1.0, LASHES_PER_STRIP)
        curl = rng.normal(0.0, 0.04, LASHES_PER_STRIP)
        bright = rng.uniform(0.7, 1.2, LASHES_PER_STRIP)
        across = (angle[:, None] - theta[None] - curl[None] * s[:, None]) * radius[:, None]  # pixels off each hair
        width = 0.6 * (1.0 - 0.5 * s[:, None] / length[None])
        hair = np.exp(-(across / np.maximum(width, 0.05)) ** 2) * (s[:, None] < length[None])
        best = np.argmax(hair, axis=1)
        alpha[ys, xs] = np.clip(hair.max(axis=1) * 1.4, 0, 1)
        shade[ys, xs] = bright[best]
    colour = np.clip(rgb[None, None] * shade[..., None], 0, 255)
    return np.dstack([colour, alpha[..., None] * 255]).astype(np.uint8)


def _mouth_image(mesh: HeadMesh, size: int) -> np.ndarray:
    """Enamel on the teeth, shading into gum pink towards the roots; a pink, slightly grainy tongue."""
    values = np.column_stack([mesh.positions, (mesh.part == Part.TONGUE).astype(float)])
    texels, covered = _texel_attributes(mesh, (Part.TEETH, Part.TONGUE), size, values)
    jaw = mesh.landmarks[[13, 14], 1].mean()
    height = np.abs(texels[..., 1] - jaw)
    gum = np.clip((height - 0.009) / 0.003, 0, 1)[..., None]
    depth = np.clip((mesh.landmarks[13, 2] - texels[..., 2]) / 0.04, 0, 1)[..., None]
    # the side teeth sit in the cheeks' shadow: a closed mouth's slit at the corners shows them dark, not white
    side = np.clip((np.abs(texels[..., 0] - mesh.landmarks[[13, 14], 0].mean()) - SHADOW_FROM_M) / SHADOW_RAMP_M, 0, 1)
    shadow = (1 - 0.35 * depth) * (1 - SIDE_SHADOW * side[..., None])
    teeth = (np.array([236.0, 230.0, 212.0]) * (1 - gum) + np.array([190.0, 95.0, 100.0]) * gum) * shadow
    rng = np.random.default_rng(5)
    grain = cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32), (0, 0), 1.5)[..., None]
    tongue = np.array([185.0, 88.0, 92.0]) * (1 + 0.08 * grain) * (1 - 0.3 * depth)
    colour = np.where(texels[..., 3:4] > 0.5, tongue, teeth)
    return _dilate_into(np.clip(colour, 0, 255), covered).astype(np.uint8)


def bake_textures(mesh: HeadMesh, fit: FaceFit, landmarks: FaceLandmarks, rgb: np.ndarray, size: int,
                  hair_rgb: np.ndarray | None = None, part_scale: float = 1.0) -> Texture:
    """Every material's image: the photo-based skin at `size`², the painted eyes, mouth and lashes at their
    PART_SIZES times `part_scale` (the mesh detail's: half for low, double for high)."""
    if hair_rgb is not None:
        # the hair was lit by the same light as the face: the same white balance and exposure
        hair_rgb = np.clip(np.asarray(hair_rgb, np.float64) * _photo_correction(rgb, landmarks)[0], 0, 255)
    atlas, skin_rgb, inferred, face_inferred, gain = _skin_bake(mesh, fit, landmarks, rgb, size, hair_rgb)
    iris_rgb = _iris_colour(rgb, landmarks)
    images = {"skin": atlas}
    if (mesh.part == Part.EYE_LEFT).any():
        images["eyes"] = _eye_image(mesh, iris_rgb, int(PART_SIZES["eyes"] * part_scale))
        lash = np.array([30.0, 24.0, 22.0]) if hair_rgb is None else np.minimum(hair_rgb * 0.5, 60)
        images["lashes"] = _lash_image(mesh, lash, int(PART_SIZES["lashes"] * part_scale))
    if (mesh.part == Part.TEETH).any():
        images["mouth"] = _mouth_image(mesh, int(PART_SIZES["mouth"] * part_scale))
    if (mesh.part == Part.HAIR).any():
        images["hair"] = hair_image(mesh.hair_style, hair_rgb if hair_rgb is not None else DEFAULT_RGB,
                                    PART_SIZES["hair"])
    return Texture(images=images, inferred_fraction=inferred, face_inferred_fraction=face_inferred,
                   skin_rgb=skin_rgb, iris_rgb=tuple(int(c) for c in iris_rgb), gain=gain)


def _iris_colour(rgb: np.ndarray, landmarks: FaceLandmarks) -> np.ndarray:
    """Median colour of the irises' ring between pupil and limbus (the pupil and glints left out)."""
    p = landmarks.points
    h, w = rgb.shape[:2]
    pixels = []
    for centre in (LEFT_IRIS, RIGHT_IRIS):
        radius = np.linalg.norm(p[centre + 1, :2] - p[centre, :2])
        x0, y0 = np.maximum((p[centre, :2] - radius - 1).astype(int), 0)
        x1, y1 = np.minimum((p[centre, :2] + radius + 2).astype(int), [w, h])
        yy, xx = np.mgrid[y0:y1, x0:x1]
        r = np.hypot(xx - p[centre, 0], yy - p[centre, 1]) / max(radius, 1e-6)
        ring = rgb[y0:y1, x0:x1][(r > 0.45) & (r < 0.85)].astype(np.float64)
        if len(ring):
            luma = ring.mean(axis=1)
            pixels.append(ring[(luma > np.percentile(luma, 15)) & (luma < np.percentile(luma, 85))])
    if not pixels or not sum(len(x) for x in pixels):
        return np.array([90.0, 70.0, 50.0])
    colour = np.median(np.concatenate(pixels), axis=0)
    return np.clip(colour * 1.15, 0, 255)


def _seen_share(mesh: HeadMesh, seen_vertex: np.ndarray, inside: np.ndarray) -> float:
    """Area-weighted share of the selected vertices' surface whose colour came straight from the photo."""
    tris = mesh.triangles[inside[mesh.triangles].all(axis=1)]
    if not len(tris):
        return 0.0
    p = mesh.positions
    area = 0.5 * np.linalg.norm(np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]]), axis=1)
    return float((area * seen_vertex[tris].mean(axis=1)).sum() / area.sum())
