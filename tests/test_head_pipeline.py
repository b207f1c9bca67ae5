"""Photo → head on real portraits: fit, morphs, skeleton, renders checked by the face detector, bad input."""
from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.path import Path as Polygon
from PIL import Image

from fantasy_talking.animation.rig import ARKIT_52, VISEME_CURVES
from fantasy_talking.head import topology as topo
from fantasy_talking.head.create import HeadOptions, create_head
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.landmarks import detect_landmarks
from fantasy_talking.head.preview import head_renderer
from fantasy_talking.head.template import EYEBALL_RADIUS, Part
from fantasy_talking.head.verify import rendered_landmark_error

pytestmark = pytest.mark.samples
PORTRAIT = "images/woman_photo_1024.png"


def _png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def portrait(samples_dir) -> bytes:
    return (samples_dir / PORTRAIT).read_bytes()


@pytest.fixture(scope="module")
def head(portrait):
    return create_head(portrait, HeadOptions(texture_size=512))


@pytest.fixture(scope="module")
def renders(head):
    """Front renders at 512² of the neutral head and with JawOpen = 1."""
    renderer = head_renderer(head.asset, 512)
    try:
        return {"neutral": renderer.draw(*head.asset.pose()),
                "jaw_open": renderer.draw(*head.asset.pose({"JawOpen": 1.0})),
                "turned": renderer.draw(*head.asset.pose(), yaw_deg=-40.0)}
    finally:
        renderer.release()


def test_names_match_the_animation_contract(head):
    assert head.asset.morphs.names == ARKIT_52 + VISEME_CURVES
    assert head.asset.skeleton.names == ("root", "neck", "head", "jaw", "eye_L", "eye_R")


def test_fitted_landmarks_reproject_onto_the_photo(head):
    report = head.report
    assert report.reprojection_error <= 0.03
    assert report.frontality > 0.9 and report.faces_found == 1 and not report.warnings
    assert 0.0 < report.face_inferred_fraction < 0.5 < report.inferred_fraction < 1.0


def test_a_render_of_the_fitted_head_reprojects_onto_the_photo(head):
    assert rendered_landmark_error(head) <= 0.03


def test_every_target_is_a_real_deformation(head):
    largest = np.abs(head.asset.morphs.deltas).max(axis=(1, 2))
    for name, size in zip(head.asset.morphs.names, largest):
        if name != "viseme_sil":
            assert size > 0.0008, f"{name} moves at most {size * 1000:.2f} mm"


def test_jaw_open_lowers_chin_lower_teeth_and_tongue_only(head):
    mesh, delta = head.asset.mesh, head.asset.morphs.delta("JawOpen")
    assert delta[topo.CHIN, 1] < -0.015
    assert abs(delta[13, 1]) < 0.001  # upper lip stays
    assert delta[mesh.part == Part.TEETH_LOWER, 1].mean() < -0.005
    assert delta[mesh.part == Part.TONGUE, 1].mean() < -0.004
    assert np.abs(delta[mesh.part == Part.TEETH_UPPER]).max() < 1e-6


def test_blink_closes_the_upper_lid_over_the_eyeball(head):
    mesh, delta = head.asset.mesh, head.asset.morphs.delta("EyeBlinkLeft")
    upper, lower = 386, 374
    closed = mesh.positions[upper] + delta[upper]
    assert closed[1] - (mesh.positions[lower, 1] + delta[lower, 1]) < 0.002
    assert np.linalg.norm(closed - mesh.anchors.eye_left) >= EYEBALL_RADIUS
    assert np.abs(head.asset.morphs.delta("EyeBlinkLeft")[159]).max() < 1e-6  # the right eye stays open


def test_smile_raises_its_own_mouth_corner(head):
    delta = head.asset.morphs.delta("MouthSmileLeft")
    assert delta[topo.MOUTH_LEFT, 1] > 0.004 and delta[topo.MOUTH_LEFT, 0] > 0.002
    assert abs(delta[topo.MOUTH_RIGHT, 1]) < 0.0005


def test_skin_weights_are_normalised_and_eyes_follow_eye_joints(head):
    skel, mesh = head.asset.skeleton, head.asset.mesh
    assert np.allclose(skel.skin_weights.sum(axis=1), 1.0, atol=1e-5)
    left = mesh.part == Part.EYE_LEFT
    assert (skel.skin_joints[left, 0] == skel.names.index("eye_L")).all()


def test_neutral_render_is_a_face(renders):
    landmarks = detect_landmarks(renders["neutral"])
    assert landmarks.faces_found == 1 and landmarks.face_width_px > 150


def test_jaw_open_render_shows_an_open_mouth_with_teeth(renders):
    def gap(rgb):
        pts = detect_landmarks(rgb).points
        return np.linalg.norm(pts[13, :2] - pts[14, :2]) / np.linalg.norm(pts[10, :2] - pts[152, :2]), pts

    closed, _ = gap(renders["neutral"])
    opened, pts = gap(renders["jaw_open"])
    assert opened > closed + 0.08, (closed, opened)
    mouth = Polygon(np.concatenate([pts[list(topo.UPPER_LIP_INNER), :2], pts[list(topo.LOWER_LIP_INNER)[::-1], :2]]))
    ys, xs = np.mgrid[0:512, 0:512]
    inside = mouth.contains_points(np.column_stack([xs.ravel() + 0.5, ys.ravel() + 0.5])).reshape(512, 512)
    rgb = renders["jaw_open"][inside].astype(float)
    teeth = (rgb.min(axis=1) > 150) & (rgb.max(axis=1) - rgb.min(axis=1) < 40)
    assert inside.sum() > 500 and teeth.mean() > 0.03, teeth.mean()


def test_a_turned_face_still_builds_with_a_warning(renders):
    result = create_head(_png(renders["turned"]), HeadOptions(texture_size=512))
    assert any("turned" in w for w in result.report.warnings)
    assert abs(result.report.yaw_deg) > 25


def test_no_face_is_refused(samples_dir):
    with pytest.raises(HeadError, match="no face"):
        create_head((samples_dir / "images/noface_landscape_rocket_640x427.jpg").read_bytes())


def test_several_faces_use_the_largest_and_say_so(portrait):
    face = Image.open(io.BytesIO(portrait)).convert("RGB")
    canvas = Image.new("RGB", (1200, 700), (90, 110, 130))
    canvas.paste(face.resize((600, 600)), (20, 50))
    canvas.paste(face.resize((360, 360)), (760, 170))
    result = create_head(_png(np.asarray(canvas)), HeadOptions(texture_size=512))
    assert result.report.faces_found == 2
    assert any("largest" in w for w in result.report.warnings)
    assert result.landmarks.points[:, 0].mean() < 600


def test_a_tiny_face_is_refused(portrait):
    small = Image.open(io.BytesIO(portrait)).convert("RGB").resize((120, 120))
    canvas = Image.new("RGB", (400, 400), (90, 110, 130))
    canvas.paste(small, (140, 140))
    with pytest.raises(HeadError, match="minimum|no face"):
        create_head(_png(np.asarray(canvas)))


def test_parts_and_detail_options_shape_the_mesh(portrait, head):
    result = create_head(portrait, HeadOptions(texture_size=512, parts=frozenset({"eyes"}), detail="low"))
    parts = set(np.unique(result.asset.mesh.part).tolist())
    assert parts == {Part.FACE, Part.EYE_LEFT, Part.EYE_RIGHT}
    assert result.asset.mesh.n_vertices < head.asset.mesh.n_vertices
    assert result.asset.morphs.names == head.asset.morphs.names


def test_a_slightly_open_mouth_is_closed_for_the_neutral(samples_dir):
    from fantasy_talking.head.neutral import CLOSED_GAP_M, lip_gap

    result = create_head((samples_dir / "images/woman_asian_512.jpg").read_bytes(), HeadOptions(texture_size=512))
    assert result.asset.mouth_closed_rad > 0.0 and lip_gap(result.asset.mesh) < CLOSED_GAP_M
    assert any("closed by" in w for w in result.report.warnings)


def test_a_wide_open_mouth_is_kept_and_reported(samples_dir):
    result = create_head((samples_dir / "images/man_frontal_mouth_open_720.jpg").read_bytes(),
                         HeadOptions(texture_size=512))
    assert result.asset.mouth_closed_rad == 0.0 and result.asset.lip_gap_m > 0.010
    assert any("wide open" in w for w in result.report.warnings)
