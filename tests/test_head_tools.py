"""The head as other tools see it: ftalk CLI, HeadService over gRPC, Khronos glTF-Validator, Blender,
three.js in headless Chromium, and the preview video."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import av
import grpc
import numpy as np
import pytest

from fantasy_talking.animation.rig import ARKIT_52, VISEME_CURVES
from fantasy_talking.cli.main import main as ftalk
from fantasy_talking.formats.gltf_animation import bake_clip
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.glb import read_glb
from fantasytalking.v1 import head_pb2

pytestmark = pytest.mark.samples
JS = Path(__file__).resolve().parent / "js"
PORTRAIT = "images/woman_asian_512.jpg"
NO_FACE = "images/noface_landscape_rocket_640x427.jpg"
JOINT_NAMES = ["root", "neck", "head", "jaw", "eye_L", "eye_R"]
BLENDER_SCRIPT = """
import json, sys
import numpy
if not hasattr(numpy, "bool"):
    numpy.bool = bool  # Debian's Blender 3.4 glTF importer still uses this removed NumPy alias
import bpy
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_scene.gltf(filepath=sys.argv[sys.argv.index("--") + 1])
out = {"shape_keys": [], "bones": [], "actions": [a.name for a in bpy.data.actions]}
for ob in bpy.data.objects:
    if ob.type == "MESH" and ob.data.shape_keys:
        keys = ob.data.shape_keys.key_blocks
        out["shape_keys"] = [k.name for k in keys]
        basis, jaw = (numpy.zeros(len(ob.data.vertices) * 3) for _ in range(2))
        keys["Basis"].data.foreach_get("co", basis)
        keys["JawOpen"].data.foreach_get("co", jaw)
        out["jaw_open_max_m"] = float(numpy.abs(jaw - basis).max())
    if ob.type == "ARMATURE":
        out["bones"] = [b.name for b in ob.data.bones]
print("RESULT " + json.dumps(out))
"""


def _node_tool(name: str) -> None:
    if shutil.which("node") is None or not (JS / "node_modules" / name).is_dir():
        pytest.skip(f"node or tests/js/node_modules/{name} missing (run tools/setup.sh)")


@pytest.fixture(scope="module")
def head_glb(samples_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("head") / "head.glb"
    code = ftalk(["head", str(samples_dir / PORTRAIT), "-o", str(out), "--texture-size", "512",
                  "--report", str(out.with_suffix(".json"))])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def animated_glb(head_glb, speech_wav) -> Path:
    out = head_glb.with_name("talking.glb")
    code = ftalk(["animate", str(speech_wav), "--head", str(head_glb), "--rig", "visemes", "-o", str(out)])
    assert code == 0 and out.with_suffix(".csv").is_file()
    return out


def test_cli_writes_a_head_and_its_report(head_glb):
    report = json.loads(head_glb.with_suffix(".json").read_text())
    assert report["faces_found"] == 1 and report["reprojection_error"] <= 0.03
    doc = read_glb(head_glb.read_bytes())
    assert doc.json["meshes"][0]["extras"]["targetNames"] == list(ARKIT_52 + VISEME_CURVES)


def test_cli_refuses_a_photo_without_a_face(samples_dir, tmp_path, capsys):
    code = ftalk(["head", str(samples_dir / NO_FACE), "-o", str(tmp_path / "x.glb")])
    err = capsys.readouterr().err
    assert code == 2 and "no face" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.glb").exists()


def test_baked_animation_drives_morphs_and_head_joints(animated_glb, speech_audio):
    doc = read_glb(animated_glb.read_bytes())
    (animation,) = doc.json["animations"]
    paths = sorted(c["target"]["path"] for c in animation["channels"])
    assert paths == ["rotation", "rotation", "weights"]
    times = doc.json["accessors"][animation["samplers"][0]["input"]]
    assert times["max"][0] == pytest.approx(speech_audio.duration_s, abs=0.1)
    weights = doc.json["accessors"][animation["samplers"][0]["output"]]
    view = doc.json["bufferViews"][weights["bufferView"]]
    values = np.frombuffer(bytes(doc.binary[view["byteOffset"]:view["byteOffset"] + view["byteLength"]]), np.float32)
    values = values.reshape(times["count"], len(ARKIT_52 + VISEME_CURVES))
    assert values[:, ARKIT_52.index("JawOpen")].max() > 0.2  # the mouth moves
    assert not values[:, len(ARKIT_52):].any()  # viseme targets stay still: ARKit curves already drive the mouth


def test_baking_refuses_a_glb_without_morph_targets(animated_glb, speech_audio):
    doc = read_glb(animated_glb.read_bytes())
    doc.json["meshes"][0]["extras"] = {}
    from fantasy_talking.pipeline import animate_audio

    with pytest.raises(HeadError, match="no named morph targets"):
        bake_clip(doc.to_bytes(), animate_audio(speech_audio))


def test_animate_refuses_a_missing_head(speech_wav, tmp_path, capsys):
    code = ftalk(["animate", str(speech_wav), "--head", str(tmp_path / "none.glb"), "-o", str(tmp_path / "t")])
    assert code == 2 and "ftalk head" in capsys.readouterr().err


def test_khronos_validator_reports_no_errors_or_warnings(head_glb, animated_glb):
    _node_tool("gltf-validator")
    out = subprocess.run(["node", str(JS / "validate.mjs"), str(head_glb), str(animated_glb)],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    reports = [json.loads(line) for line in out.splitlines()]
    assert len(reports) == 2
    for report in reports:
        assert report["numErrors"] == 0 and report["numWarnings"] == 0, report


def blender_import(glb: Path, tmp_path: Path) -> dict:
    """What headless Blender's glTF importer makes of `glb` (BLENDER_SCRIPT's RESULT line); skips without Blender."""
    if shutil.which("blender") is None:
        pytest.skip("blender is not installed (tools/setup.sh installs the Debian package)")
    script = tmp_path / "import_glb.py"
    script.write_text(BLENDER_SCRIPT)
    run = subprocess.run(["blender", "-b", "--factory-startup", "--python", str(script), "--", str(glb)],
                         capture_output=True, text=True, timeout=180)
    line = next((l for l in run.stdout.splitlines() if l.startswith("RESULT ")), None)
    assert line, run.stdout[-2000:] + run.stderr[-2000:]
    return json.loads(line[len("RESULT "):])


def test_blender_imports_shape_keys_and_bones(animated_glb, tmp_path):
    result = blender_import(animated_glb, tmp_path)
    assert result["shape_keys"] == ["Basis", *ARKIT_52, *VISEME_CURVES]
    assert sorted(result["bones"]) == sorted(JOINT_NAMES)
    assert result["jaw_open_max_m"] > 0.01  # sparse morph data arrived, not just names
    assert result["actions"]


def test_three_js_loads_and_renders_the_head(animated_glb, tmp_path):
    _node_tool("three")
    _node_tool("playwright-core")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium is not installed (tools/setup.sh installs the Debian package)")
    shot = tmp_path / "three.png"
    out = subprocess.run(["node", str(JS / "render_three.mjs"), str(animated_glb), str(shot), "JawOpen=0.6"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["morphTargets"] == list(ARKIT_52 + VISEME_CURVES)
    assert info["bones"] == JOINT_NAMES
    assert info["animations"] == ["talking"]
    from PIL import Image

    image = np.asarray(Image.open(shot).convert("RGB"), dtype=float)
    assert image.std() > 20  # a head, not an empty canvas
    from fantasy_talking.head.landmarks import detect_landmarks

    assert detect_landmarks(image.astype(np.uint8)).faces_found == 1


def test_preview_video_has_frames_and_sound(samples_dir, speech_wav, tmp_path):
    out = tmp_path / "talking.mp4"
    code = ftalk(["preview", str(samples_dir / PORTRAIT), str(speech_wav), "-o", str(out),
                  "--size", "192", "--texture-size", "512"])
    assert code == 0
    with av.open(str(out)) as container:
        kinds = sorted(s.type for s in container.streams)
        frames = sum(1 for _ in container.decode(video=0))
    assert kinds == ["audio", "video"]
    assert frames > 60


def test_service_streams_progress_metadata_and_the_glb(head_stub, samples_dir):
    request = head_pb2.CreateHeadRequest(image=(samples_dir / PORTRAIT).read_bytes(),
                                         options=head_pb2.HeadOptions(texture_size=512))
    events = list(head_stub.CreateHead(request, timeout=120))
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "progress" and kinds[-1] == "status"
    (metadata,) = [e.metadata for e in events if e.HasField("metadata")]
    glb = b"".join(e.glb_chunk for e in events if e.WhichOneof("event") == "glb_chunk")
    assert len(glb) == metadata.glb_size and glb[:4] == b"glTF"
    assert list(metadata.morph_target_names) == list(ARKIT_52 + VISEME_CURVES)
    assert list(metadata.joint_names) == JOINT_NAMES
    assert len(metadata.landmarks) == 478 and metadata.quality.reprojection_error <= 0.03
    assert 0.0 < metadata.quality.face_inferred_fraction < metadata.quality.inferred_fraction


@pytest.mark.parametrize("image, reason", [(b"\x89PNG\r\n\x1a\n broken", "not an image"), (None, "no face")])
def test_service_refuses_bad_photos_and_keeps_serving(head_stub, samples_dir, image, reason):
    data = image if image is not None else (samples_dir / NO_FACE).read_bytes()
    with pytest.raises(grpc.RpcError) as caught:
        list(head_stub.CreateHead(head_pb2.CreateHeadRequest(image=data), timeout=60))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert reason in caught.value.details()
    bad_size = head_pb2.CreateHeadRequest(image=data, options=head_pb2.HeadOptions(texture_size=100))
    with pytest.raises(grpc.RpcError) as caught:
        list(head_stub.CreateHead(bad_size, timeout=60))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "512..4096" in caught.value.details()
