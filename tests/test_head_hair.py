"""Hair that needs no face detector: the colour read from hair pixels, the painted texture, the fitted mesh.

The photo-based checks (rendered hair colour against the portraits) are in test_head_colour.py."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from fantasy_talking.head.base_mesh import load_base_head
from fantasy_talking.head.glb import ALPHA_CUTOFF
from fantasy_talking.head.hair import DROPPED_LOCKS, hair_colour, hair_image, hair_part, keep_clear_of_skin
from fantasy_talking.head.options import HAIR_STYLES

AUBURN = np.array([150.0, 78.0, 45.0])


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.float32(rgb).reshape(1, 1, 3) / 255.0, cv2.COLOR_RGB2LAB).reshape(3)


def _delta_e(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def _photo_hair(rgb: np.ndarray, n: int = 6000, seed: int = 0) -> np.ndarray:
    """Hair pixels as a portrait shows them: most in the hair's own shadow, a lit third, a few glints."""
    rng = np.random.default_rng(seed)
    shade = np.concatenate([rng.uniform(0.15, 0.45, int(n * 0.6)), rng.uniform(0.85, 1.1, int(n * 0.35))])
    pixels = rgb * shade[:, None] * rng.normal(1.0, 0.03, (len(shade), 1))
    glints = np.full((n - len(shade), 3), 245.0)
    return np.clip(np.concatenate([pixels, glints]), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("rgb", [AUBURN, np.array([60.0, 42.0, 30.0]), np.array([205.0, 170.0, 110.0])])
def test_hair_colour_is_the_lit_hair_not_its_shadow(rgb):
    pixels = _photo_hair(rgb)
    assert _delta_e(hair_colour(pixels), rgb) < 6.0
    # the trap it avoids: the median of all the hair is the shadow's colour, far darker
    everything = np.median(pixels.astype(float), axis=0)
    assert _lab(everything)[0] < _lab(rgb)[0] - 12


@pytest.mark.parametrize("style", HAIR_STYLES)
def test_hair_texture_keeps_the_hair_colour_and_ends_in_strand_tips(style):
    image = hair_image(style, AUBURN, 256)
    alpha = image[..., 3] / 255.0
    drawn = alpha >= ALPHA_CUTOFF
    # strands and undercoat average to the colour asked for: the texture does not darken the hair
    assert _delta_e(image[..., :3][drawn].mean(axis=0), AUBURN) < 3.0
    # the body of the hair is opaque (no skin between strands) ...
    assert drawn.mean() > 0.8
    # ... and where its cards end across the strands, each strand (texel column) ends at its own length
    tips = np.argwhere(drawn[1:] != drawn[:-1])  # (row, column) where a column turns from hair to gap or back
    assert len(tips) > 200 and np.unique(tips[:, 0]).size > 20


def test_long_hair_leaves_out_its_face_framing_locks_and_inner_front_sheet():
    full = load_base_head().parts["hair_long01"]
    fitted = hair_part("long01")
    assert len(fitted.triangles) == len(full.triangles) - 4 * 70 - 144
    assert fitted.triangles.max() == len(fitted.positions) - 1 and fitted.deltas.shape[1] == len(fitted.positions)
    assert set(DROPPED_LOCKS) <= set(HAIR_STYLES)
    assert hair_part("short02") is load_base_head().parts["hair_short02"]


def test_hair_is_pushed_back_out_of_skin_the_fit_moved_onto_it():
    xs, ys = np.meshgrid(np.linspace(-0.05, 0.05, 11), np.linspace(-0.05, 0.05, 11))
    base_skin = np.column_stack([xs.ravel(), ys.ravel(), np.zeros(xs.size)])
    normals = np.tile([0.0, 0.0, 1.0], (len(base_skin), 1))
    base_hair = base_skin[::7] + [0.0, 0.0, 0.008]  # 8 mm over the skin in the base head
    skin = base_skin + [0.0, 0.0, 0.006]  # the fit swelled the skin by 6 mm; the hair stayed
    hair = keep_clear_of_skin(base_hair.copy(), base_hair, skin, normals, base_skin)
    assert np.allclose(hair[:, 2] - skin[::7, 2], 0.008)
    far = base_hair + [0.0, 0.0, 0.05]  # beyond the reach: hanging hair is left alone
    assert np.allclose(keep_clear_of_skin(far.copy(), far, skin, normals, base_skin), far)


def test_coverage_mipmaps_keep_thin_strands_from_vanishing_with_distance():
    from fantasy_talking.head.render import coverage_mipmaps

    image = np.zeros((256, 256, 4), np.uint8)
    image[..., :3] = 90
    image[..., 3] = (np.random.default_rng(2).random((256, 256)) < 1 / 8) * 255  # an eighth of the texels
    levels = coverage_mipmaps(image)
    assert [level.shape[0] for level in levels] == [128, 64, 32, 16, 8, 4, 2, 1]
    for level in levels[:4]:
        side = level.shape[0]
        plain = cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)
        assert abs((level[..., 3] >= ALPHA_CUTOFF * 255).mean() - 1 / 8) < 0.06, side
        if side <= 64:  # averaged, the strands fall below the cutoff and vanish
            assert (plain[..., 3] >= ALPHA_CUTOFF * 255).mean() < 0.01, side


@pytest.mark.samples
def test_long_hair_draws_no_outline_across_the_cheek(samples_dir):
    """From three quarters, no thin line of hair lies across the face: hair pixels with skin a few pixels to
    either side (long01's face-framing locks drew 140–290 of them at 256² before they were left out); in
    profile, none along the jaw (its innermost front sheet drew 150)."""
    from fantasy_talking.head.create import build_asset
    from fantasy_talking.head.image import decode_image
    from fantasy_talking.head.options import HeadOptions
    from fantasy_talking.head.render import Renderer
    from fantasy_talking.head.template import MATERIALS

    rgb = decode_image((samples_dir / "images" / "woman_photo_1024.png").read_bytes())
    asset, _, _ = build_asset(rgb, HeadOptions(texture_size=512, hair="long01"))
    images = dict(asset.texture.images)
    images["hair"] = images["hair"].copy()
    images["hair"][..., :3] = (0, 255, 0)
    images["skin"] = np.zeros_like(images["skin"])
    images["skin"][..., 0] = 255
    mesh = asset.mesh
    renderer = Renderer(256, {m: mesh.triangles_of(m) for m in MATERIALS}, mesh.uv, images,
                        target=np.array([0.0, -0.03, 0.0]), distance=0.5)
    try:
        positions, normals = asset.pose({})
        for yaw in (35.0, 60.0, -35.0, -60.0):
            image = renderer.draw(positions, normals, yaw_deg=yaw, background=(0.0, 0.0, 1.0)).astype(int)
            hair = (image[..., 1] > 100) & (image[..., 0] < 60)
            skin = (image[..., 0] > 100) & (image[..., 1] < 60)
            across = hair[:, 4:-4] & skin[:, :-8] & skin[:, 8:]
            assert across.sum() <= 30, (yaw, int(across.sum()))
        # nor along the jaw in profile: no hair between the jaw's skin and the background below the ear
        for yaw in (90.0, -90.0):
            image = renderer.draw(positions, normals, yaw_deg=yaw, background=(0.0, 0.0, 1.0)).astype(int)
            hair = (image[..., 1] > 100) & (image[..., 0] < 60)
            skin = (image[..., 0] > 100) & (image[..., 1] < 60)
            across = hair[:, 3:-3] & skin[:, :-6] & skin[:, 6:]
            assert across.sum() <= 30, (yaw, int(across.sum()))
    finally:
        renderer.release()
