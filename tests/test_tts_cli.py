"""`ftalk say`: text in; WAV, Live Link Face CSV, JSON frames and plot out, batch from files and stdin."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import wave
from pathlib import Path

import pytest

from fantasy_talking.cli.main import main
from fantasy_talking.formats.livelink_csv import read_livelink_csv
from fantasy_talking.speech.tts.registry import installed_engines

SUFFIXES = (".wav", ".csv", ".json", ".png")


@pytest.fixture(autouse=True, scope="module")
def espeak_installed():
    engines = installed_engines()
    if not engines or engines[0].name != "espeak":
        pytest.skip("espeak-ng is not installed (tools/setup.sh installs it)")


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getnframes() / w.getframerate()


def test_say_mandarin_writes_the_four_files(tmp_path):
    script = Path(sys.executable).with_name("ftalk")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fantasy_talking.cli.main"]
    result = subprocess.run([*command, "say", "你好，欢迎光临", "--lang", "zh-CN", "-o", str(tmp_path / "hello")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    paths = [tmp_path / f"hello{suffix}" for suffix in SUFFIXES]
    for path in paths:
        assert path.stat().st_size > 0 and str(path) in result.stdout
    seconds = wav_seconds(paths[0])
    assert seconds > 1.0
    frames = json.loads(paths[2].read_text())
    assert frames["engine"] == "tts"
    take = read_livelink_csv(paths[1])
    assert len(take.times) == pytest.approx(seconds * 30, abs=1)


def test_say_batch_from_stdin_numbers_the_outputs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("First line.\n\nSecond line, a little longer.\n"))
    assert main(["say", "-", "--voice", "en-US+f3", "--sample-rate", "22050", "-o", str(tmp_path / "out/line")]) == 0
    for number in ("001", "002"):
        for suffix in SUFFIXES:
            assert (tmp_path / "out" / f"line-{number}{suffix}").is_file()
    assert wav_seconds(tmp_path / "out" / "line-002.wav") > wav_seconds(tmp_path / "out" / "line-001.wav")
    assert "en-US+f3" in capsys.readouterr().out


def test_say_reads_a_file(tmp_path, capsys):
    source = tmp_path / "lines.txt"
    source.write_text("Only one line here.\n", encoding="utf-8")
    assert main(["say", "-f", str(source), "--rig", "visemes", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "speech.wav").is_file() and (tmp_path / "speech.csv").is_file()


@pytest.mark.parametrize("args, message", [
    (["say", "-o", "x"], "nothing to say"),
    (["say", "Hi."], "-o OUT is required"),
    (["say", "Hi.", "--rate", "7", "-o", "x"], "rate must be"),
    (["say", "Hi.", "--lang", "xx-YY", "-o", "x"], "no voice speaks"),
    (["say", "Hi.", "--voice", "nobody", "-o", "x"], "unknown voice"),
    (["say", "-f", "/no/such/file.txt", "-o", "x"], "cannot read"),
    (["say", "\x07", "-o", "x"], "control character"),
])
def test_say_errors_are_one_line_and_exit_2(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ftalk say: error:") and message in err and "\n" not in err


def test_say_lists_voices(capsys):
    assert main(["say", "--list-voices", "--lang", "zh-CN"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("cmn-Latn-pinyin")
