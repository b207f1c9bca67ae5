"""`ftalk animate` end to end: real espeak-ng speech in, CSV/JSON/PNG out, clear errors, same seed same curves."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fantasy_talking.cli.main import main
from fantasy_talking.formats.livelink_csv import HEADER, read_livelink_csv

SENTENCE = "Peter picked a peck of pickled peppers. Where is the peck of pickled peppers Peter picked?"


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    path = tmp_path_factory.mktemp("speech") / "peter.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(path), SENTENCE], check=True)
    return path


def ftalk(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("ftalk")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fantasy_talking.cli.main"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)


def test_animate_writes_csv_json_and_png(speech, tmp_path):
    result = ftalk("animate", str(speech), "--fps", "60", "--seed", "7", "-o", str(tmp_path / "renders" / "take"))
    assert result.returncode == 0, result.stderr
    csv_path, json_path, png_path = (tmp_path / "renders" / f"take.{ext}" for ext in ("csv", "json", "png"))
    for path in (csv_path, json_path, png_path):
        assert str(path) in result.stdout

    lines = csv_path.read_text().splitlines()
    assert lines[0] == ",".join(HEADER)
    assert lines[61].startswith("00:00:01:00.000,61,")
    take = read_livelink_csv(csv_path)
    assert take.fps == 60
    document = json.loads(json_path.read_text())
    assert len(document["frames"]) == take.n_frames
    assert abs(take.n_frames / 60 - document["duration_s"]) < 0.05
    assert take.curve("JawOpen").max() > 0.2, "the mouth should open during speech"
    assert document["visemes"], "speech should produce visemes"
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("make_args, message", [
    (lambda speech, tmp: [str(tmp / "missing.wav")], "no such file"),
    (lambda speech, tmp: [str(_corrupt(tmp))], "corrupt.wav"),
    (lambda speech, tmp: [str(speech), "--fps", "500"], "fps must be 1..120"),
])
def test_bad_input_is_one_line_and_exit_2(speech, tmp_path, capsys, make_args, message):
    assert main(["animate", *make_args(speech, tmp_path), "-o", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert message in captured.err
    assert not (tmp_path / "out.csv").exists()


def _corrupt(folder: Path) -> Path:
    path = folder / "corrupt.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4)
    return path


def test_same_seed_same_files_and_new_seed_new_blinks(speech, tmp_path):
    outputs = {}
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        folder = tmp_path / name
        folder.mkdir()
        assert main(["animate", str(speech), "--seed", str(seed), "-o", str(folder)]) == 0
        assert sorted(p.name for p in folder.iterdir()) == ["peter.csv", "peter.json", "peter.png"]
        outputs[name] = folder / "peter"
    for ext in ("csv", "json"):
        assert outputs["a"].with_suffix(f".{ext}").read_bytes() == outputs["b"].with_suffix(f".{ext}").read_bytes()
    blinks_a = read_livelink_csv(outputs["a"].with_suffix(".csv")).curve("EyeBlinkLeft")
    blinks_c = read_livelink_csv(outputs["c"].with_suffix(".csv")).curve("EyeBlinkLeft")
    assert blinks_a.max() > 0.5 or blinks_c.max() > 0.5, "a few seconds of speech should hold a blink"
    assert not np.allclose(blinks_a, blinks_c), "another seed should move the blinks"


def test_english_transcript_drives_the_words_engine(speech, tmp_path):
    """`auto` with an English transcript: the words engine, its visemes the aligned phones."""
    prefix = tmp_path / "peter"
    assert main(["animate", str(speech), "--language", "en-US", "--transcript", SENTENCE, "-o", str(prefix)]) == 0
    document = json.loads(prefix.with_suffix(".json").read_text())
    assert document["engine"] == "words"
    lip_closures = [v for v in document["visemes"] if v["viseme"] == "PP"]
    assert len(lip_closures) >= 8, "every P in the sentence should close the lips"
    assert {v["phoneme"] for v in lip_closures} == {"P"}
