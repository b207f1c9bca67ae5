"""Live Link Face CSV, JSON frames and the PNG plot, on clips built from known arrays."""
from __future__ import annotations

import json
import math
import struct

import numpy as np
import pytest

from fantasy_talking.animation.clip import AnimationClip, VisemeEvent
from fantasy_talking.animation.rig import (
    ARKIT_52,
    JOINTS,
    LIVELINK_ANGLES,
    VISEMES,
    RigProfile,
    curve_names,
)
from fantasy_talking.formats.json_frames import JsonFramesError, read_json_frames, write_json_frames
from fantasy_talking.formats.livelink_csv import (
    LiveLinkCsvError,
    format_timecode,
    parse_timecode,
    read_livelink_csv,
    write_livelink_csv,
)
from fantasy_talking.formats.plot import plot_clip

# The header line as the Live Link Face app writes it (copied from the app's documented column order).
LIVE_LINK_FACE_HEADER = (
    "Timecode,BlendShapeCount,EyeBlinkLeft,EyeLookDownLeft,EyeLookInLeft,EyeLookOutLeft,EyeLookUpLeft,"
    "EyeSquintLeft,EyeWideLeft,EyeBlinkRight,EyeLookDownRight,EyeLookInRight,EyeLookOutRight,EyeLookUpRight,"
    "EyeSquintRight,EyeWideRight,JawForward,JawRight,JawLeft,JawOpen,MouthClose,MouthFunnel,MouthPucker,"
    "MouthRight,MouthLeft,MouthSmileLeft,MouthSmileRight,MouthFrownLeft,MouthFrownRight,MouthDimpleLeft,"
    "MouthDimpleRight,MouthStretchLeft,MouthStretchRight,MouthRollLower,MouthRollUpper,MouthShrugLower,"
    "MouthShrugUpper,MouthPressLeft,MouthPressRight,MouthLowerDownLeft,MouthLowerDownRight,MouthUpperUpLeft,"
    "MouthUpperUpRight,BrowDownLeft,BrowDownRight,BrowInnerUp,BrowOuterUpLeft,BrowOuterUpRight,CheekPuff,"
    "CheekSquintLeft,CheekSquintRight,NoseSneerLeft,NoseSneerRight,TongueOut,HeadYaw,HeadPitch,HeadRoll,"
    "LeftEyeYaw,LeftEyePitch,LeftEyeRoll,RightEyeYaw,RightEyePitch,RightEyeRoll"
)


def make_clip(fps: int = 30, seconds: float = 2.3, profile: RigProfile = RigProfile.ARKIT_52,
              seed: int = 1) -> AnimationClip:
    """A clip with random weights, unit quaternions, small angles and a few visemes."""
    rng = np.random.default_rng(seed)
    names = curve_names(profile)
    n = int(round(seconds * fps))
    quaternions = rng.normal(size=(n, len(JOINTS), 4))
    quaternions /= np.linalg.norm(quaternions, axis=-1, keepdims=True)
    visemes = [VisemeEvent(VISEMES.index(v), v, 0.1 + 0.2 * i, 0.28 + 0.2 * i, p)
               for i, (v, p) in enumerate((("PP", "P"), ("aa", "AA"), ("SS", "S"), ("sil", "")))]
    return AnimationClip(
        curve_names=names,
        fps=fps,
        weights=rng.random((n, len(names))).astype(np.float32),
        joints=quaternions.astype(np.float32),
        angles=rng.uniform(-0.4, 0.4, (n, len(LIVELINK_ANGLES))).astype(np.float32),
        idle=rng.random(n) < 0.2,
        visemes=visemes,
        duration_s=seconds,
        engine="phonetic",
    )


# --- Live Link Face CSV ---------------------------------------------------------------------------

def test_csv_header_is_exactly_live_link_faces(tmp_path):
    path = write_livelink_csv(make_clip(), tmp_path / "take.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == LIVE_LINK_FACE_HEADER
    rows = [line.split(",") for line in lines[1:]]
    assert len(rows) == 69
    assert all(len(row) == 63 and row[1] == "61" for row in rows)


@pytest.mark.parametrize("time_s, fps, expected", [
    (0.0, 30, "00:00:00:00.000"),
    (29 / 30, 30, "00:00:00:29.000"),
    (30 / 30, 30, "00:00:01:00.000"),
    (59 / 60, 60, "00:00:00:59.000"),
    (61 / 60, 60, "00:00:01:01.000"),
    (10_799 / 60, 60, "00:02:59:59.000"),
    (60.0, 60, "00:01:00:00.000"),
    (3600 + 1 / 60, 60, "01:00:00:01.000"),
    (0.5 / 30, 30, "00:00:00:00.500"),
    ((30 - 1e-5) / 30, 30, "00:00:01:00.000"),
    (1.25 / 24, 24, "00:00:00:01.250"),
])
def test_timecode_formatting(time_s, fps, expected):
    assert format_timecode(time_s, fps) == expected
    assert parse_timecode(expected, fps) == pytest.approx(time_s, abs=1e-3 / fps)


def test_timecodes_roll_over_each_second_at_60_fps(tmp_path):
    path = write_livelink_csv(make_clip(fps=60, seconds=2.5), tmp_path / "take.csv")
    timecodes = [line.split(",", 1)[0] for line in path.read_text().splitlines()[1:]]
    assert timecodes[59] == "00:00:00:59.000"
    assert timecodes[60] == "00:00:01:00.000"
    assert timecodes[149] == "00:00:02:29.000"


@pytest.mark.parametrize("fps", [30, 60])
def test_csv_round_trip_keeps_curves_and_angles(tmp_path, fps):
    clip = make_clip(fps=fps)
    take = read_livelink_csv(write_livelink_csv(clip, tmp_path / "take.csv"))
    assert take.fps == fps
    assert take.n_frames == clip.n_frames
    np.testing.assert_allclose(take.times, clip.times, atol=1e-9)
    np.testing.assert_allclose(take.weights, clip.weights, atol=1e-8)
    np.testing.assert_allclose(take.angles, clip.angles, atol=1e-7)
    np.testing.assert_allclose(take.curve("JawOpen"), clip.curve("JawOpen"), atol=1e-8)


def test_csv_angles_are_normalised_to_half_turns(tmp_path):
    clip = make_clip(seconds=1.0)
    clip.angles[:] = 0.0
    clip.angles[:, LIVELINK_ANGLES.index("HeadYaw")] = math.pi / 2
    clip.angles[:, LIVELINK_ANGLES.index("LeftEyePitch")] = -math.pi / 10
    path = write_livelink_csv(clip, tmp_path / "take.csv")
    row = dict(zip(LIVE_LINK_FACE_HEADER.split(","), path.read_text().splitlines()[1].split(",")))
    assert float(row["HeadYaw"]) == pytest.approx(0.5, abs=1e-7)
    assert float(row["LeftEyePitch"]) == pytest.approx(-0.1, abs=1e-7)
    assert row["HeadRoll"] == "0.00000000"


def test_csv_holds_only_arkit_curves_for_richer_rigs(tmp_path):
    clip = make_clip(profile=RigProfile.ARKIT_52_TONGUE)
    path = write_livelink_csv(clip, tmp_path / "take.csv")
    assert path.read_text().splitlines()[0] == LIVE_LINK_FACE_HEADER
    take = read_livelink_csv(path)
    arkit = np.stack([clip.curve(name) for name in ARKIT_52], axis=1)
    np.testing.assert_allclose(take.weights, arkit, atol=1e-8)


def test_reads_an_app_take_with_wall_clock_timecodes_and_lost_frames(tmp_path):
    header = LIVE_LINK_FACE_HEADER.split(",")
    rows = []
    for k, tc in enumerate(["14:03:52:58.207", "14:03:52:59.207", "14:03:53:00.207", "14:03:53:01.207"]):
        values = ["0"] * 61
        values[header.index("JawOpen") - 2] = f"{0.25 * k}"
        values[header.index("HeadPitch") - 2] = "0.25"
        rows.append(",".join([tc, "61", *values]))
    lost_face = "14:03:52:57.207,0"
    path = tmp_path / "MySlate_7_iPhone.csv"
    path.write_text("\n".join([LIVE_LINK_FACE_HEADER, lost_face, *rows]) + "\n")
    take = read_livelink_csv(path)
    assert take.fps == 60
    np.testing.assert_allclose(take.times, np.arange(4) / 60, atol=1e-9)
    np.testing.assert_allclose(take.curve("JawOpen"), [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(take.curve("HeadPitch"), math.pi / 4)


def test_short_take_needs_its_fps(tmp_path):
    path = write_livelink_csv(make_clip(seconds=0.5), tmp_path / "take.csv")
    with pytest.raises(LiveLinkCsvError, match="pass fps"):
        read_livelink_csv(path)
    assert read_livelink_csv(path, fps=30).n_frames == 15


def test_rejects_a_csv_that_is_not_live_link(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("frame,timestamp,AU01\n0,0.0,0.5\n")
    with pytest.raises(LiveLinkCsvError, match="Timecode,BlendShapeCount"):
        read_livelink_csv(path)


# --- JSON frames ----------------------------------------------------------------------------------

def test_json_round_trip_keeps_the_whole_clip(tmp_path):
    clip = make_clip(fps=60, profile=RigProfile.ARKIT_52_VISEMES)
    back = read_json_frames(write_json_frames(clip, tmp_path / "take.json"))
    assert back.curve_names == clip.curve_names
    assert back.joint_names == clip.joint_names
    assert (back.fps, back.engine, back.duration_s) == (60, "phonetic", clip.duration_s)
    np.testing.assert_allclose(back.weights, clip.weights, atol=1e-6)
    np.testing.assert_allclose(back.joints, clip.joints, atol=1e-6)
    np.testing.assert_allclose(back.angles, clip.angles, atol=1e-6)
    np.testing.assert_array_equal(back.idle, clip.idle)
    assert [(v.viseme_id, v.viseme, v.phoneme) for v in back.visemes] == \
        [(v.viseme_id, v.viseme, v.phoneme) for v in clip.visemes]
    np.testing.assert_allclose([(v.start_s, v.end_s) for v in back.visemes],
                               [(v.start_s, v.end_s) for v in clip.visemes], atol=1e-6)


def test_json_sends_names_once_then_time_coded_frames(tmp_path):
    clip = make_clip(fps=30, seconds=1.0)
    document = json.loads(write_json_frames(clip, tmp_path / "take.json").read_text())
    assert document["blendshape_names"] == list(ARKIT_52)
    assert document["joint_names"] == list(JOINTS)
    assert document["angle_names"] == list(LIVELINK_ANGLES)
    frame = document["frames"][7]
    assert set(frame) == {"index", "time_s", "blendshapes", "joints", "angles", "idle"}
    assert frame["index"] == 7 and frame["time_s"] == pytest.approx(7 / 30, abs=1e-6)
    assert len(frame["blendshapes"]) == 52 and len(frame["joints"]) == 5 and len(frame["joints"][0]) == 4
    assert document["visemes"][1] == {"viseme_id": VISEMES.index("aa"), "viseme": "aa", "phoneme": "AA",
                                      "start_s": 0.3, "end_s": 0.48}


def test_json_rejects_foreign_documents(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"frames": []}')
    with pytest.raises(JsonFramesError, match="format"):
        read_json_frames(path)
    path.write_text("{not json")
    with pytest.raises(JsonFramesError, match="not valid JSON"):
        read_json_frames(path)


# --- PNG plot -------------------------------------------------------------------------------------

def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_is_a_readable_png(tmp_path):
    clip = make_clip(seconds=3.0)
    rate = 16_000
    t = np.arange(3 * rate) / rate
    speech_like = (0.4 * np.sin(2 * np.pi * 140 * t) * (np.sin(2 * np.pi * 2 * t) > 0)).astype(np.float32)
    path = plot_clip(clip, tmp_path / "take.png", speech_like, rate, "take.wav")
    width, height = png_size(path)
    assert 1000 <= width <= 2400 and 600 <= height <= 1600
    assert 20_000 < path.stat().st_size < 3_000_000


def test_plot_png_decodes_to_the_drawn_page_in_libpng_and_pillow(tmp_path):
    """The PNG container is written here (for ISA-L's deflate), so two independent decoders check it:
    libpng (through OpenCV) and Pillow, which also verifies every chunk's CRC."""
    import cv2
    from PIL import Image

    from fantasy_talking.formats import plot

    clip = make_clip(seconds=2.0)
    samples = np.random.default_rng(3).normal(0, 0.2, 32_000).astype(np.float32)
    path = plot_clip(clip, tmp_path / "take.png", samples, 16_000, "take.wav")
    drawn = plot._page.draw(clip, samples, 16_000, "take.wav")[:, 1:].copy()
    palette = np.array(plot._page.flat_palette, np.uint8).reshape(-1, 3)
    with Image.open(path) as image:
        image.load()
        assert image.mode == "P" and image.info.get("Software") == "FantasyTalking"
        assert np.array_equal(np.asarray(image), drawn)
        rgb = np.asarray(image.convert("RGB"))
    assert np.array_equal(rgb, palette[drawn])
    assert np.array_equal(cv2.imread(str(path), cv2.IMREAD_COLOR)[:, :, ::-1], rgb)
    assert len(np.unique(drawn)) > 10   # curves, text shades and spans, not a blank page


def test_plot_without_audio_still_draws(tmp_path):
    path = plot_clip(make_clip(seconds=0.4), tmp_path / "take.png")
    assert png_size(path)[0] >= 1000


def test_plot_reuses_its_page_without_leaking_one_clip_into_the_next(tmp_path):
    """The page is built once per process; a plot after a longer, audio-carrying one is byte-identical."""
    short, long_ = make_clip(seconds=0.6), make_clip(seconds=4.0)
    rate = 16_000
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, 4 * rate).astype(np.float32)
    first = plot_clip(short, tmp_path / "first.png", title="short").read_bytes()
    plot_clip(long_, tmp_path / "long.png", noise, rate, "long")
    again = plot_clip(short, tmp_path / "again.png", title="short").read_bytes()
    assert again == first
    assert (tmp_path / "long.png").read_bytes() != first


def test_plot_draws_each_curve_and_the_waveform_where_the_data_puts_them(tmp_path):
    """JawOpen at 1 only in the second half must ink the top of the mouth panel only on the right;
    audio loud only in the first half must fill the waveform panel only on the left."""
    from PIL import Image

    from fantasy_talking.formats import plot

    clip = make_clip(seconds=4.0)
    half = clip.n_frames // 2
    clip.weights[:] = 0.0
    clip.weights[half:, clip.curve_names.index("JawOpen")] = 1.0
    rate = 16_000
    samples = np.zeros(4 * rate, dtype=np.float32)
    samples[: 2 * rate] = 0.8 * np.sin(np.arange(2 * rate) * 0.3)
    image = Image.open(plot_clip(clip, tmp_path / "take.png", samples, rate, "halves"))
    assert image.mode == "P"
    rgb = np.asarray(image.convert("RGB")).astype(int)
    left, right = round(plot.LEFT * plot.WIDTH), round(plot.RIGHT * plot.WIDTH)
    middle = (left + right) // 2
    (wave_top, wave_bottom), (mouth_top, mouth_bottom) = plot._panels()[:2]

    def inked(region, colour):
        target = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(region - target).sum(axis=-1) < 30).sum())

    jaw = plot.MOUTH_CURVES[0][2]
    top_band = rgb[mouth_top:mouth_top + (mouth_bottom - mouth_top) // 5]
    assert inked(top_band[:, middle + 10:right], jaw) > 300
    assert inked(top_band[:, left + 1:middle - 10], jaw) == 0
    wave = rgb[wave_top:wave_bottom]
    assert inked(wave[:, left + 1:middle - 10], plot.WAVE_COLOUR) > 20 * inked(wave[:, middle + 10:right],
                                                                             plot.WAVE_COLOUR)
    assert (rgb[:, :left - 1] != 255).any(), "the panel names are drawn"


def test_plot_keeps_visemes_past_the_clips_end_inside_the_page(tmp_path):
    clip = make_clip(seconds=0.3)  # its visemes run to 0.88 s
    assert png_size(plot_clip(clip, tmp_path / "take.png"))[0] >= 1000


def test_csv_cells_are_exactly_what_percent_8f_prints(tmp_path):
    """The CSV writer builds its digits with numpy; every cell must still be Python's `%.8f` of the value,
    signs of zero, near-ties and the per-row fallback for values of 10 or more included."""
    from fantasy_talking.formats.livelink_csv import livelink_csv_text

    clip = make_clip(seconds=2.0)
    rng = np.random.default_rng(7)
    clip.weights[:] = rng.uniform(-1.0, 1.0, clip.weights.shape).astype(np.float32)
    jaw = clip.curve_names.index("JawOpen")
    clip.weights[:4, jaw] = [-0.0, -1e-10, 0.5e-8, 1.5e-8]  # "-0.00000000", ties rounded to even
    clip.angles[0, :3] = [-math.pi, 1e-12, math.pi * 0.123456785]
    lines = livelink_csv_text(clip).splitlines()[1:]
    expected_row = lambda i: [f"{v:.8f}" for v in _row_values(clip, i)]  # noqa: E731
    for i in (0, 1, 2, 3, clip.n_frames - 1):
        assert lines[i].split(",")[2:] == expected_row(i)
    clip.angles[5, 0] = 12.5 * math.pi  # 12.5 does not fit one digit: the whole take falls back
    lines = livelink_csv_text(clip).splitlines()[1:]
    assert lines[5].split(",")[2:] == expected_row(5)


def _row_values(clip, i):
    names = {name: k for k, name in enumerate(clip.curve_names)}
    weights = [float(clip.weights[i, names[n]]) if n in names else 0.0 for n in ARKIT_52]
    return weights + [float(a) / math.pi for a in np.asarray(clip.angles[i], dtype=np.float64)]
