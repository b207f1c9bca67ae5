"""The head keeps the person's colours: skin tone and hair colour as rendered from the front and the back,
against the photo's own pixels (CIELAB ΔE, a just-noticeable difference is about 2.3)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from fantasy_talking.head.create import build_asset
from fantasy_talking.head.hair import _person_mask
from fantasy_talking.head.image import decode_image
from fantasy_talking.head.options import HeadOptions
from fantasy_talking.head.render import _look_at, _perspective, asset_renderer

pytestmark = pytest.mark.samples

PORTRAITS = ("woman_photo_1024.png", "woman_asian_512.jpg", "man_frontal_mouth_open_720.jpg", "woman_frontal_256.png")
CHEEKS = (50, 280, 101, 330, 36, 266)
"""Cheek and nose-side landmarks: skin on every face, never under a fringe."""
SIZE, TARGET, DISTANCE, FOV = 256, np.array([0.0, -0.035, -0.03]), 0.8, 24.0
MAX_SKIN_DELTA_E, MAX_SKIN_LIGHTNESS = 6.0, 6.0
MAX_HAIR_DELTA_E = 8.0


def _lab(pixels: np.ndarray) -> np.ndarray:
    """Median CIELAB colour of RGB pixels (N, 3)."""
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)
    return np.median(lab, axis=0)


def _to_screen(points: np.ndarray, target: np.ndarray, distance: float, size: int) -> np.ndarray:
    """Pixel coordinates (N, 2) of 3D points in a front view rendered with asset_renderer's camera."""
    mvp = _perspective(FOV, 1.0, 0.05, 5.0) @ _look_at(target + distance * np.array([0.0, 0.0, 1.0]), target)
    clip = np.c_[points, np.ones(len(points))] @ mvp.T
    ndc = clip[:, :2] / clip[:, 3:]
    return np.c_[(ndc[:, 0] + 1) / 2 * size, (1 - ndc[:, 1]) / 2 * size]


MOUTH_TARGET, MOUTH_DISTANCE, MOUTH_SIZE = np.array([0.0, -0.06, 0.0]), 0.35, 384
"""The close-up of the mouth the lip tests look at."""


def _mouth_close_up(asset, positions) -> tuple[np.ndarray, np.ndarray]:
    """The neutral's mouth from the front, as CIELAB lightness (MOUTH_SIZE²), and its landmarks in pixels."""
    renderer = asset_renderer(asset, MOUTH_SIZE, target=MOUTH_TARGET, distance=MOUTH_DISTANCE, fov_deg=FOV)
    try:
        view = renderer.draw(positions, asset.pose({})[1])
    finally:
        renderer.release()
    lightness = cv2.cvtColor(view.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)[..., 0]
    return lightness, _to_screen(asset.mesh.at_landmarks(positions), MOUTH_TARGET, MOUTH_DISTANCE, MOUTH_SIZE)


def _lower_lip(screen: np.ndarray) -> np.ndarray:
    """Mask of the closed lower lip in the close-up: its inner, then outer edge."""
    lip = np.zeros((MOUTH_SIZE, MOUTH_SIZE), np.uint8)
    cv2.fillPoly(lip, [np.round(screen[[87, 14, 317, 314, 17, 84]]).astype(np.int32)], 1)
    return lip > 0


def _patches(image: np.ndarray, points: np.ndarray, radius: int) -> np.ndarray:
    return np.concatenate([image[max(y - radius, 0):y + radius + 1, max(x - radius, 0):x + radius + 1].reshape(-1, 3)
                           for x, y in np.round(points).astype(int)])


@pytest.fixture(scope="module", params=PORTRAITS)
def measured(request, samples_dir):
    rgb = decode_image((samples_dir / "images" / request.param).read_bytes())
    asset, landmarks, _ = build_asset(rgb, HeadOptions(texture_size=512))
    positions, normals = asset.pose({})
    renderer = asset_renderer(asset, SIZE, target=TARGET, distance=DISTANCE, fov_deg=FOV)
    try:
        front = renderer.draw(positions, normals, yaw_deg=0.0)
        back = renderer.draw(positions, normals, yaw_deg=180.0, background=(0.0, 1.0, 0.0))
    finally:
        renderer.release()
    return request.param, rgb, landmarks, asset, positions, front, back


def test_rendered_skin_keeps_the_photo_skin_tone(measured):
    name, rgb, landmarks, asset, positions, front, _ = measured
    photo = _lab(_patches(rgb, landmarks.points[list(CHEEKS), :2], max(2, int(landmarks.inter_ocular_px * 0.04))))
    screen = _to_screen(asset.mesh.at_landmarks(positions)[list(CHEEKS)], TARGET, DISTANCE, SIZE)
    rendered = _lab(_patches(front, screen, 2))
    assert np.linalg.norm(rendered - photo) < MAX_SKIN_DELTA_E, (name, photo, rendered)
    # neither whitened nor browned: lightness within a few L* units
    assert abs(rendered[0] - photo[0]) < MAX_SKIN_LIGHTNESS, (name, photo, rendered)


def _lit_half(pixels: np.ndarray) -> np.ndarray:
    """Median CIELAB colour of the lighter half of RGB pixels (N, 3): hair lies mostly in its own shadow, and the
    shadows of a photo and of a render are not comparable; the lit hair is."""
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)
    return np.median(lab[lab[:, 0] >= np.median(lab[:, 0])], axis=0)


def test_rendered_hair_keeps_the_photo_hair_colour(measured):
    name, rgb, landmarks, asset, _, _, back = measured
    if asset.mesh.hair_style is None:
        pytest.skip(f"{name}: no hair chosen")
    # the photo's hair: the person (not background) away from the skin's colour, in a band above the forehead
    # between the eyes' outer corners and beside the temples down to the eyes
    p = landmarks.points
    face_h = np.linalg.norm(p[10, :2] - p[152, :2])
    face_w = p[454, 0] - p[234, 0]
    ys, xs = np.mgrid[0:rgb.shape[0], 0:rgb.shape[1]]
    top = (ys < p[10, 1] - 0.05 * face_h) & (ys > p[10, 1] - 0.3 * face_h) & (xs > p[33, 0]) & (xs < p[263, 0])
    temples = (ys > p[10, 1]) & (ys < p[159, 1]) & (((xs < p[234, 0]) & (xs > p[234, 0] - 0.2 * face_w))
                                                   | ((xs > p[454, 0]) & (xs < p[454, 0] + 0.2 * face_w)))
    skin = np.median(_patches(rgb, p[list(CHEEKS), :2], 3).astype(float), axis=0)
    band = _person_mask(rgb) & (top | temples) & (np.linalg.norm(rgb.astype(float) - skin, axis=2) > 40)
    photo = _lit_half(rgb[band])
    rendered = _lit_half(back[~((back[..., 1] == 255) & (back[..., 0] == 0))])
    assert np.linalg.norm(rendered - photo) < MAX_HAIR_DELTA_E, (name, photo, rendered)


def _light_lines(view: np.ndarray, background: np.ndarray, step: int = 3, contrast: float = 20.0) -> np.ndarray:
    """Pixels at least `contrast` L* lighter than the pixels `step` to their left and right, all three on the head:
    thin light lines (skin seen through a gap) across dark hair."""
    lightness = cv2.cvtColor(view.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)[..., 0]
    on_head = ~background
    mid, left, right = lightness[:, step:-step], lightness[:, :-2 * step], lightness[:, 2 * step:]
    line = (mid > left + contrast) & (mid > right + contrast)
    return line & on_head[:, step:-step] & on_head[:, :-2 * step] & on_head[:, 2 * step:]


def test_hair_shows_no_light_lines_from_the_sides_or_back(measured):
    name, _, _, asset, positions, _, back = measured
    if asset.mesh.hair_style is None:
        pytest.skip(f"{name}: no hair chosen")
    _, normals = asset.pose({})
    renderer = asset_renderer(asset, SIZE, target=TARGET, distance=DISTANCE, fov_deg=FOV)
    try:
        views = [back] + [renderer.draw(positions, normals, yaw_deg=yaw, background=(0.0, 1.0, 0.0))
                          for yaw in (120.0, -120.0)]
    finally:
        renderer.release()
    for view in views:
        background = (view[..., 1] == 255) & (view[..., 0] == 0) & (view[..., 2] == 0)
        lines = _light_lines(view, background)
        assert lines.sum() < 0.002 * (~background).sum(), (name, int(lines.sum()), int((~background).sum()))


def test_the_closed_neutral_lower_lip_wears_no_mouth_interior(measured):
    """An open-mouth photo's teeth edges, tongue and shadow hug its lips; the closed neutral must not show them
    as dark patches on its lower lip: the lip's darkest tenth stays at least half as light as the cheeks."""
    name, _, _, asset, positions, _, _ = measured
    lightness, screen = _mouth_close_up(asset, positions)
    cheeks = np.round(screen[[50, 280]]).astype(int)
    cheek = float(np.median(lightness[cheeks[:, 1], cheeks[:, 0]]))
    assert np.percentile(lightness[_lower_lip(screen)], 10) > 0.5 * cheek, name


def test_no_white_teeth_between_the_closed_neutral_lips(measured):
    """Where a closed neutral's lips leave a slit towards the corners, the teeth seen through it are in shadow."""
    name, _, _, asset, positions, _, _ = measured
    from fantasy_talking.head.render import Renderer
    from fantasy_talking.head.template import MATERIALS

    mesh, normals = asset.mesh, asset.pose({})[1]
    painted = dict(asset.texture.images)
    painted["mouth"] = np.zeros_like(painted["mouth"])
    painted["mouth"][..., 1] = 255  # teeth and tongue painted green: where they show is obvious
    real, paint = [], []
    for images, out in ((asset.texture.images, real), (painted, paint)):
        renderer = Renderer(MOUTH_SIZE, {m: mesh.triangles_of(m) for m in MATERIALS}, mesh.uv, images,
                            target=MOUTH_TARGET, distance=MOUTH_DISTANCE, fov_deg=FOV)
        try:
            out.append(renderer.draw(positions, normals))
        finally:
            renderer.release()
    teeth = (paint[0][..., 1] > 200) & (paint[0][..., 0] < 80) & (paint[0][..., 2] < 80)
    lightness = cv2.cvtColor(real[0].astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)[..., 0]
    corners_x = _to_screen(asset.mesh.at_landmarks(positions)[[61, 291]], MOUTH_TARGET, MOUTH_DISTANCE, MOUTH_SIZE)[:, 0]
    # the outer half of each side of the mouth, where the slit between closed lips is widest
    outer = np.abs(np.arange(MOUTH_SIZE) - corners_x.mean()) > abs(corners_x[1] - corners_x[0]) / 4
    bright = teeth & outer[None, :] & (lightness > 60)
    assert bright.sum() <= 3, (name, int(bright.sum()))


def test_no_light_line_where_the_closed_neutral_lips_meet(measured):
    """Where the closed lips meet, the unseen inner roll of the lips is lip in the other lip's shade, not skin
    diffused in from the chin: along the lips' meeting line nothing is lighter than the lower lip itself."""
    name, _, _, asset, positions, _, _ = measured
    lightness, screen = _mouth_close_up(asset, positions)
    lower_lip = float(np.median(lightness[_lower_lip(screen)]))
    line = []
    for index in (88, 178, 87, 14, 317, 402, 318):  # the lower lip's inner edge, where the closed lips meet
        x, y = np.round(screen[index]).astype(int)
        line.append(lightness[y - 3:y + 4, x - 1:x + 2].max())
    assert np.median(line) < lower_lip + 6.0, (name, lower_lip, np.round(line, 1))


@pytest.mark.parametrize("name", ("woman_photo_1024.png", "woman_asian_512.jpg", "man_frontal_mouth_open_720.jpg",
                                  "woman_frontal_256.png", "painting_mona_lisa_720x1280.jpg", "cartoon_boy_3d_852.jpg",
                                  "anime_girl_painted_512.png"))
def test_unseen_skin_matches_the_seen_skin(samples_dir, name):
    """The skin no photo shows (the back of the head below the hair, the neck) takes the face's own skin colour:
    its median in the atlas is within ΔE 7 of the cheeks', on every shared portrait (was up to 12.6, a grey-brown
    neck on woman_frontal_256, when the fill aimed at the median of the whole seen face, brows and shadow
    included)."""
    from fantasy_talking.head.base_mesh import load_base_head

    rgb = decode_image((samples_dir / "images" / name).read_bytes())
    asset, _, _ = build_asset(rgb, HeadOptions(texture_size=512))
    base, mesh = load_base_head(), asset.mesh
    n = len(base.skin_region)
    p, marks, atlas = mesh.positions[:n], mesh.landmarks, asset.texture.images["skin"]
    uv = np.clip((mesh.uv[:n] * atlas.shape[0]).astype(int), 0, atlas.shape[0] - 1)
    colour = atlas[uv[:, 1], uv[:, 0]]
    cheeks = np.zeros(n, bool)
    for index in (50, 280, 101, 330, 205, 425):
        cheeks |= np.linalg.norm(p - marks[index], axis=1) < 0.012
    bare = (base.skin_region == 0) & ((base.hair_cover[mesh.hair_style] < 0.01) if mesh.hair_style else True)
    unseen = bare & (((p[:, 2] < marks[:, 2].min() - 0.02) & (p[:, 1] < marks[1, 1])) | (p[:, 1] < marks[152, 1] - 0.02))
    assert unseen.sum() > 300
    delta_e = np.linalg.norm(_lab(colour[unseen]) - _lab(colour[cheeks]))
    assert delta_e < 7.0, (name, delta_e, _lab(colour[unseen]), _lab(colour[cheeks]))
