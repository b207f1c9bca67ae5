"""A head GLB read back (head/glb_asset.py) poses and renders like the HeadAsset it was written from,
so a gRPC client (the web console) renders the same MP4 preview as `ftalk preview`."""
from __future__ import annotations

import numpy as np
import pytest

from fantasy_talking.head.create import HeadOptions, create_head
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.glb_asset import asset_from_glb
from fantasy_talking.head.preview import head_renderer

pytestmark = pytest.mark.samples


@pytest.fixture(scope="module")
def head(samples_dir):
    return create_head((samples_dir / "images" / "woman_photo_1024.png").read_bytes(), HeadOptions(texture_size=512))


def test_read_back_asset_poses_like_the_original(head):
    original, read = head.asset, asset_from_glb(head.glb)
    assert read.morphs.names == original.morphs.names
    assert read.skeleton.names == original.skeleton.names and read.skeleton.parents == original.skeleton.parents
    weights = {"JawOpen": 0.8, "MouthSmileLeft": 0.5, "EyeBlinkRight": 1.0}
    turn = {"head": np.array([0.0, np.sin(0.15), 0.0, np.cos(0.15)])}
    (p0, n0), (p1, n1) = original.pose(weights, turn), read.pose(weights, turn)
    assert np.abs(p0 - p1).max() < 1e-5  # float32 storage, metres
    agreement = np.sum(n0 * n1, axis=1)
    assert np.percentile(agreement, 1) > 0.99  # seams are re-joined: normals agree nearly everywhere


def test_read_back_asset_renders_like_the_original(head):
    renderer = head_renderer(head.asset, 256)
    try:
        a = renderer.draw(*head.asset.pose({"JawOpen": 1.0})).astype(float)
        b = renderer.draw(*asset_from_glb(head.glb).pose({"JawOpen": 1.0})).astype(float)
    finally:
        renderer.release()
    assert np.abs(a - b).mean() < 1.0


def test_not_a_head_glb_is_refused():
    with pytest.raises(HeadError):
        asset_from_glb(b"not a glb at all")
