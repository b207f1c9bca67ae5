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
from fantasy_talking.head.render import asset_renderer
from fantasy_talking.head.template import Part
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
    at = mesh.at_landmarks(delta)
    assert at[topo.CHIN, 1] < -0.015
    assert abs(at[13, 1]) < 0.002  # upper lip stays
    teeth = delta[mesh.part == Part.TEETH]
    assert (teeth[:, 1] < -0.01).mean() > 0.3  # the lower teeth drop ...
    assert (np.abs(teeth).max(axis=1) < 1e-6).mean() > 0.3  # ... the upper teeth stay
    assert delta[mesh.part == Part.TONGUE, 1].mean() < -0.004


def test_blink_closes_the_upper_lid_onto_the_lower(head):
    mesh, delta = head.asset.mesh, head.asset.morphs.delta("EyeBlinkLeft")
    neutral, closed = mesh.landmarks, mesh.landmarks + mesh.at_landmarks(delta)
    upper, lower = 386, 374
    assert neutral[upper, 1] - neutral[lower, 1] > 0.004  # open at neutral
    assert closed[upper, 1] - closed[lower, 1] < 0.0015
    assert np.abs(mesh.at_landmarks(delta)[159]).max() < 1e-4  # the right eye stays open


def test_smile_lifts_its_own_mouth_corner_and_cheek(head):
    mesh = head.asset.mesh
    at = mesh.at_landmarks(head.asset.morphs.delta("MouthSmileLeft"))
    assert at[topo.MOUTH_LEFT, 1] > 0.006 and at[topo.MOUTH_LEFT, 0] > 0.003
    assert at[topo.CHEEK_LEFT, 1] > 0.002, at[topo.CHEEK_LEFT] * 1000
    assert abs(at[topo.MOUTH_RIGHT, 1]) < 0.001


def test_lips_seal_at_neutral(head):
    from fantasy_talking.head.neutral import CLOSED_GAP_M, lip_gap

    assert abs(lip_gap(head.asset.mesh.landmarks)) < CLOSED_GAP_M


def test_skin_weights_are_normalised_and_eyes_follow_eye_joints(head):
    skel, mesh = head.asset.skeleton, head.asset.mesh
    assert np.allclose(skel.skin_weights.sum(axis=1), 1.0, atol=1e-5)
    left = mesh.part == Part.EYE_LEFT
    assert (skel.skin_joints[left, 0] == skel.names.index("eye_L")).all()
    jaw = skel.names.index("jaw")
    teeth = mesh.part == Part.TEETH
    moved = np.abs(head.asset.morphs.delta("JawOpen")[teeth]).max(axis=1) > 0.005
    lower = skel.skin_weights[teeth][moved][skel.skin_joints[teeth][moved] == jaw]
    assert lower.mean() > 0.8  # the lower teeth ride the jaw bone too


def test_the_fitted_skin_faces_outwards_and_is_head_sized(head):
    p = head.asset.mesh.positions
    tris = head.asset.mesh.triangles_of("skin")
    volume = np.einsum("ij,ij->i", p[tris[:, 0]], np.cross(p[tris[:, 1]], p[tris[:, 2]])).sum() / 6
    assert 0.002 < volume < 0.01  # a head and neck: a few litres


EXPRESSIONS = {"neutral": {}, "jaw_open": {"JawOpen": 1.0}, "blink": {"EyeBlinkLeft": 1.0, "EyeBlinkRight": 1.0},
               "smile": {"MouthSmileLeft": 1.0, "MouthSmileRight": 1.0}, "pucker": {"MouthPucker": 1.0},
               "funnel_jaw": {"MouthFunnel": 1.0, "JawOpen": 0.6}, "tongue": {"TongueOut": 1.0, "JawOpen": 0.5}}
VIEWS = (0.0, 40.0, -40.0, 90.0, -90.0, 180.0, 135.0)
BACKGROUND = (0, 255, 0)


def test_no_background_shows_through_the_head_from_any_side(head):
    """7 views x 7 expressions: background pixels enclosed by the head (holes, torn corners) are never seen."""
    import cv2

    from fantasy_talking.head.render import Renderer

    asset = head.asset
    solid = ("skin", "eyes", "mouth")  # lashes and hair are alpha cards: background between strands is right
    renderer = Renderer(256, {m: asset.mesh.triangles_of(m) for m in solid}, asset.mesh.uv, asset.texture.images,
                        target=np.array([0.0, -0.03, -0.03]), distance=0.75)
    try:
        for name, weights in EXPRESSIONS.items():
            positions, normals = asset.pose(weights)
            for yaw in VIEWS:
                image = renderer.draw(positions, normals, yaw_deg=yaw, background=(0.0, 1.0, 0.0))
                background = np.all(image == BACKGROUND, axis=2).astype(np.uint8)
                count, labels = cv2.connectedComponents(background, connectivity=4)
                border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])).tolist())
                enclosed = sum(int((labels == k).sum()) for k in range(1, count) if k not in border)
                assert enclosed <= 3, f"{enclosed} background pixels enclosed by the head ({name}, yaw {yaw})"
    finally:
        renderer.release()


def test_eyes_take_the_photo_iris_colour_and_lids_skin_on_blink(head, renders):
    iris = np.array(head.asset.texture.iris_rgb, float)
    eyes = head.asset.texture.images["eyes"].reshape(-1, 3).astype(float)
    assert (np.linalg.norm(eyes - iris, axis=1) < 40).mean() > 0.005
    renderer = head_renderer(head.asset, 512)
    try:
        closed = renderer.draw(*head.asset.pose({"EyeBlinkLeft": 1.0, "EyeBlinkRight": 1.0}))
    finally:
        renderer.release()
    pts = detect_landmarks(renders["neutral"]).points

    def white(image):
        share = []
        for contour in (topo.LEFT_EYE_UPPER + topo.LEFT_EYE_LOWER, topo.RIGHT_EYE_UPPER + topo.RIGHT_EYE_LOWER):
            (x0, y0), (x1, y1) = pts[list(contour), :2].min(axis=0), pts[list(contour), :2].max(axis=0)
            box = image[int(y0):int(y1) + 1, int(x0):int(x1) + 1].reshape(-1, 3).astype(float)
            share.append(((box.min(axis=1) > 150) & (np.ptp(box, axis=1) < 30)).mean())
        return min(share)

    assert white(renders["neutral"]) > 0.05  # open eyes show their whites ...
    assert white(closed) < 0.01  # ... closed lids show skin, no ghost of the eye


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


def test_parts_and_hair_options_shape_the_mesh(portrait, head):
    result = create_head(portrait, HeadOptions(texture_size=512, parts=frozenset({"eyes"}), hair="none"))
    parts = set(np.unique(result.asset.mesh.part).tolist())
    assert parts == {Part.SKIN, Part.EYE_LEFT, Part.EYE_RIGHT, Part.LASHES}
    assert result.asset.mesh.n_vertices < head.asset.mesh.n_vertices
    assert result.asset.morphs.names == head.asset.morphs.names
    bob = create_head(portrait, HeadOptions(texture_size=512, hair="bob02"))
    assert bob.asset.mesh.hair_style == "bob02" and "hair" in bob.asset.texture.images
    with pytest.raises(HeadError, match="hair"):
        HeadOptions(hair="mohawk")


def test_long_hair_is_recognised(head):
    assert head.asset.mesh.hair_style in ("long01", "bob02")
    hair = head.asset.texture.images["hair"]
    # opaque (an undercoat between the strands hides the scalp) but for the strand tips at the cards' free ends,
    # with strands of varied brightness on it
    assert hair.shape[2] == 4 and (hair[..., 3] >= 0.4 * 255).mean() > 0.9
    assert hair[..., :3].mean(axis=2).std() > 0.05 * hair[..., :3].mean()


def test_an_open_mouth_is_closed_for_the_neutral_and_reported(samples_dir):
    from fantasy_talking.head.neutral import CLOSED_GAP_M, lip_gap

    result = create_head((samples_dir / "images/man_frontal_mouth_open_720.jpg").read_bytes(),
                         HeadOptions(texture_size=512))
    assert result.asset.lip_gap_m > 0.010
    assert abs(lip_gap(result.asset.mesh.landmarks)) < CLOSED_GAP_M
    assert any("open in the photo" in w for w in result.report.warnings)
    # the dropped jaw is read as jawOpen (taken off for the neutral), not taken for a long face
    assert result.asset.mesh.photo_expression["jawOpen"] > 0.3
    # and a closed-mouthed portrait is not read as open
    closed = create_head((samples_dir / "images/woman_asian_512.jpg").read_bytes(), HeadOptions(texture_size=512))
    assert closed.asset.mesh.photo_expression["jawOpen"] < 0.15
