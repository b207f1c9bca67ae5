"""Levels of detail (head/lod.py): fewer triangles, the same rig, exact morphs, no holes, valid GLBs."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.spatial import cKDTree

from fantasy_talking.cli.main import main as ftalk
from fantasy_talking.head.create import HeadOptions, create_head
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.glb import read_glb, write_glb
from fantasy_talking.head.glb_asset import asset_from_glb
from fantasy_talking.head.lod import LOD_KEEP, decimate, triangle_counts
from fantasy_talking.head.options import MAX_LOD
from fantasy_talking.head.render import Renderer

pytestmark = pytest.mark.samples
JS = Path(__file__).resolve().parent / "js"
PORTRAIT = "images/woman_photo_1024.png"
EXPRESSIONS = {"neutral": {}, "jaw_open": {"JawOpen": 1.0}, "blink": {"EyeBlinkLeft": 1.0, "EyeBlinkRight": 1.0},
               "smile": {"MouthSmileLeft": 1.0, "MouthSmileRight": 1.0},
               "funnel_jaw": {"MouthFunnel": 1.0, "JawOpen": 0.6}}
VIEWS = (0.0, 40.0, -40.0, 90.0, -90.0, 180.0, 135.0)


@pytest.fixture(scope="module")
def head(samples_dir):
    return create_head((samples_dir / PORTRAIT).read_bytes(), HeadOptions(texture_size=512))


@pytest.fixture(scope="module")
def levels(head):
    return [decimate(head.asset, level) for level in range(MAX_LOD + 1)]


def test_each_level_keeps_its_share_of_every_material(levels):
    full = triangle_counts(levels[0])
    for level, asset in enumerate(levels[1:], start=1):
        counts = triangle_counts(asset)
        assert counts.keys() == full.keys()  # skin, eyes, mouth, lashes and hair all stay
        for material, n in counts.items():
            assert n <= full[material] * LOD_KEEP[level] * 1.02 + 3, (level, material, n)
            assert n >= full[material] * LOD_KEEP[level] * 0.8, (level, material, n)


def test_levels_keep_the_rig_and_carry_morphs_and_skin_exactly(levels):
    full = levels[0]
    key = lambda a: np.column_stack([a.mesh.positions, a.mesh.uv, a.mesh.part])  # noqa: E731
    tree = cKDTree(key(full))
    for asset in levels[1:]:
        assert asset.morphs.names == full.morphs.names and asset.skeleton.names == full.skeleton.names
        distance, source = tree.query(key(asset))
        assert distance.max() == 0.0  # every vertex is one of the full head's, unmoved
        assert np.array_equal(asset.morphs.deltas, full.morphs.deltas[:, source])
        assert np.array_equal(asset.skeleton.skin_weights, full.skeleton.skin_weights[source])
        assert np.array_equal(asset.skeleton.skin_joints, full.skeleton.skin_joints[source])
        # so a posed level is the posed full head at its vertices
        weights = {"JawOpen": 1.0, "EyeBlinkLeft": 1.0, "MouthSmileRight": 0.7}
        assert np.allclose(asset.pose(weights)[0], full.pose(weights)[0][source])


def test_no_background_shows_through_any_level(levels):
    """As for the full head (test_head_pipeline): the solid materials enclose no background from 7 sides in 5
    expressions, at every level."""
    for level, asset in enumerate(levels[1:], start=1):
        solid = ("skin", "eyes", "mouth")
        renderer = Renderer(192, {m: asset.mesh.triangles_of(m) for m in solid}, asset.mesh.uv,
                            asset.texture.images, target=np.array([0.0, -0.03, -0.03]), distance=0.75)
        try:
            for name, weights in EXPRESSIONS.items():
                positions, normals = asset.pose(weights)
                for yaw in VIEWS:
                    image = renderer.draw(positions, normals, yaw_deg=yaw, background=(0.0, 1.0, 0.0))
                    background = np.all(image == (0, 255, 0), axis=2).astype(np.uint8)
                    count, labels = cv2.connectedComponents(background, connectivity=4)
                    border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
                    enclosed = sum(int((labels == k).sum()) for k in range(1, count) if k not in border)
                    assert enclosed <= 3, f"LOD{level}: {enclosed} background pixels enclosed ({name}, yaw {yaw})"
        finally:
            renderer.release()


def test_a_level_round_trips_through_its_glb(levels):
    asset = levels[2]
    back = asset_from_glb(write_glb(asset))
    assert back.mesh.n_vertices == asset.mesh.n_vertices and len(back.mesh.triangles) == len(asset.mesh.triangles)
    assert np.allclose(back.pose({"JawOpen": 1.0})[0], asset.pose({"JawOpen": 1.0})[0], atol=1e-6)


def test_levels_outside_the_range_are_refused(head):
    with pytest.raises(HeadError, match="level of detail"):
        decimate(head.asset, MAX_LOD + 1)
    with pytest.raises(HeadError, match="level of detail"):
        HeadOptions(lod=-1)


def test_cli_writes_valid_levels_of_detail_and_says_their_size(samples_dir, tmp_path, capsys):
    out = tmp_path / "head.glb"
    code = ftalk(["head", str(samples_dir / "images/woman_asian_512.jpg"), "-o", str(out), "--texture-size", "512",
                  "--lods", str(MAX_LOD)])
    printed = capsys.readouterr().out
    assert code == 0
    files = [out] + [tmp_path / f"head_lod{k}.glb" for k in range(1, MAX_LOD + 1)]
    triangles = [sum(d.json["accessors"][p["indices"]]["count"] // 3 for p in d.json["meshes"][0]["primitives"])
                 for d in (read_glb(f.read_bytes()) for f in files)]
    assert all(a > b for a, b in zip(triangles, triangles[1:]))
    assert "levels of detail: " + ", ".join(f"LOD{k} {n} triangles" for k, n in enumerate(triangles)) in printed
    assert ftalk(["head", str(samples_dir / "images/woman_asian_512.jpg"), "-o", str(out), "--lods", "9"]) == 2
    if shutil.which("node") is None or not (JS / "node_modules" / "gltf-validator").is_dir():
        pytest.skip("node or tests/js/node_modules/gltf-validator missing (run tools/setup.sh)")
    report = subprocess.run(["node", str(JS / "validate.mjs"), *map(str, files[1:])], capture_output=True,
                            text=True, timeout=120, check=True).stdout
    for line in report.splitlines():
        result = json.loads(line)
        assert result["numErrors"] == 0 and result["numWarnings"] == 0, result


def test_blender_imports_a_level_with_its_shape_keys_and_bones(levels, tmp_path):
    from test_head_tools import JOINT_NAMES, blender_import

    glb = tmp_path / "head_lod3.glb"
    glb.write_bytes(write_glb(levels[MAX_LOD]))
    result = blender_import(glb, tmp_path)
    assert result["shape_keys"] == ["Basis", *levels[0].morphs.names]
    assert sorted(result["bones"]) == sorted(JOINT_NAMES) and result["jaw_open_max_m"] > 0.01
