"""The mouth on real portraits: closed neutral lips seal (no teeth between them from the front or three-quarter
view), and an open-mouthed photo's lip colour lands on the lips, not on the chin."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from fantasy_talking.head.fit import fit_face
from fantasy_talking.head.image import decode_image
from fantasy_talking.head.landmarks import detect_landmarks
from fantasy_talking.head.render import Renderer
from fantasy_talking.head.template import MATERIALS, build_head
from fantasy_talking.head.texture import layout_uvs

pytestmark = pytest.mark.samples

PORTRAITS = ("woman_photo_1024.png", "woman_asian_512.jpg", "man_frontal_mouth_open_720.jpg", "woman_frontal_256.png",
             "painting_mona_lisa_720x1280.jpg", "cartoon_boy_3d_852.jpg", "anime_girl_painted_512.png")
"""Every shared portrait with a face."""
VIEWS_DEG = (0.0, 35.0, -35.0)
GREEN = (0, 255, 0)


def _flat(colour, alpha: bool = False) -> np.ndarray:
    image = np.zeros((8, 8, 4 if alpha else 3), np.uint8)
    image[..., :3] = colour
    return image


def _teeth_pixels(view: np.ndarray) -> np.ndarray:
    return (view[..., 1] > 150) & (view[..., 0] < 80) & (view[..., 2] < 80)


@pytest.mark.parametrize("name", PORTRAITS)
def test_closed_neutral_lips_hide_the_teeth_from_front_and_three_quarter(samples_dir, name):
    """The neutral head's mouth close up (a 5 cm field at 320 px, 0.16 mm a pixel), with teeth and tongue painted
    green and everything else grey: not one green pixel between the lips, from the front and both three-quarter
    views. With JawOpen = 1 the same render shows the teeth, so the check can fail."""
    from fantasy_talking.head.base_mesh import load_base_head

    rgb = decode_image((samples_dir / "images" / name).read_bytes())
    mesh = build_head(fit_face(detect_landmarks(rgb)), hair_style=None)
    layout_uvs(mesh)
    images = {m: _flat((170, 150, 140)) for m in MATERIALS}
    images["mouth"] = _flat(GREEN)
    images["lashes"] = images["hair"] = _flat((0, 0, 0), alpha=True)
    opened = mesh.positions + mesh.base_deltas[load_base_head().morph_names.index("jawOpen")]
    renderer = Renderer(320, {m: mesh.triangles_of(m) for m in MATERIALS}, mesh.uv, images,
                        target=mesh.landmarks[[13, 14]].mean(axis=0), distance=0.16)
    try:
        views = [renderer.draw(mesh.positions, mesh.normals(), yaw_deg=yaw) for yaw in VIEWS_DEG]
        jaw_open = renderer.draw(opened, mesh.normals(opened))
    finally:
        renderer.release()
    for yaw, view in zip(VIEWS_DEG, views):
        teeth = _teeth_pixels(view)
        assert teeth.sum() == 0, (name, yaw, np.argwhere(teeth)[:5].tolist())
    assert _teeth_pixels(jaw_open).sum() > 500, name


def test_open_mouth_photo_puts_lip_colour_on_the_lips_not_the_chin(samples_dir):
    """The "O"-mouth photo: its closed neutral's lower lip is redder (CIELAB a*) than its cheeks and its chin, and
    the chin no redder than the cheeks: the photo's lip colour lands on the lips (this man's lips are only about
    6 a* units redder than his skin in the photo; before the fix the lower lip measured 14, the chin 13 and the
    cheeks 17: the red sat on the chin, the lip had the skin's colour)."""
    from fantasy_talking.head.create import build_asset
    from fantasy_talking.head.options import HeadOptions
    from fantasy_talking.head.render import _look_at, _perspective, asset_renderer

    rgb = decode_image((samples_dir / "images" / "man_frontal_mouth_open_720.jpg").read_bytes())
    asset, _, _ = build_asset(rgb, HeadOptions(texture_size=512, hair="none"))
    positions, normals = asset.pose({})
    target, distance, size, fov = np.array([0.0, -0.045, 0.0]), 0.3, 400, 24.0
    renderer = asset_renderer(asset, size, target=target, distance=distance, fov_deg=fov)
    try:
        view = renderer.draw(positions, normals)
    finally:
        renderer.release()
    points = asset.mesh.at_landmarks(positions)
    clip = np.c_[points, np.ones(len(points))] @ (_perspective(fov, 1.0, 0.05, 5.0) @ _look_at(
        target + distance * np.array([0.0, 0.0, 1.0]), target)).T
    screen = np.c_[(clip[:, 0] / clip[:, 3] + 1) / 2 * size, (1 - clip[:, 1] / clip[:, 3]) / 2 * size]
    redness = cv2.cvtColor(view.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)[..., 1]

    def region(polygon: np.ndarray) -> float:
        mask = np.zeros((size, size), np.uint8)
        cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
        return float(np.median(redness[mask > 0]))

    lip = region(screen[[87, 14, 317, 314, 17, 84]])  # the lower lip: inner edge, then outer edge
    below = screen[[84, 17, 314]] + 0.15 * (screen[152] - screen[17])
    chin = region(np.r_[below, below[::-1] + 0.35 * (screen[152] - screen[17])])
    cheeks = region(screen[[50, 101, 36, 205]]) * 0.5 + region(screen[[280, 330, 266, 425]]) * 0.5
    assert lip > cheeks + 5.0, (lip, chin, cheeks)
    assert lip > chin + 5.0, (lip, chin, cheeks)
    assert chin < cheeks + 2.0, (lip, chin, cheeks)
