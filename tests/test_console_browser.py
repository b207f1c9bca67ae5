"""The web console in a real browser: Debian Chromium (headless, software GL) driven by Playwright-core.

A user's path: the page opens, a sample photo becomes a head in the three.js viewer, a sentence is
spoken (audio plays on an AudioContext; the mouth morph is sampled at its clock), the downloads
work, then the error paths (no face, wrong type, corrupt and silent audio, the gRPC server down and
back) each show a message and the page keeps working. Screenshots land in tmp_path (or in
$FTALK_CONSOLE_SHOTS); the click → first mouth movement times and the viewer fps are printed.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import espeak_wav

ROOT = Path(__file__).resolve().parents[1]
JS = ROOT / "tests" / "js"
THREE = ROOT / "py_backend" / "fantasy_talking" / "console" / "web" / "node_modules" / "three"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SPEAK_RUNS = 10


def _need_browser() -> None:
    if shutil.which("node") is None or not (JS / "node_modules" / "playwright-core").is_dir():
        pytest.skip("node or tests/js/node_modules (playwright-core) missing: run tools/setup.sh")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing: run tools/setup.sh (Debian chromium)")
    if not THREE.is_dir():
        pytest.skip("three.js for the console is missing: run tools/setup.sh (npm ci in console/web)")


def _start(args: list[str]) -> tuple[subprocess.Popen, str]:
    """Start an `ftalk` command and return it with the first URL or address it prints."""
    process = subprocess.Popen([sys.executable, "-m", "fantasy_talking.cli.main", *args], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        found = re.search(r"(http://[\d.:]+/|listening on ([\d.]+:\d+))", line)
        if found:
            return process, found.group(2) or found.group(1)
    process.kill()
    raise AssertionError(f"`ftalk {' '.join(args)}` did not start")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("FTALK_CONSOLE_SHOTS", tmp_path / "shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _silent_wav(path: Path) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(bytes(64000))
    return path


def _run_e2e(config: dict, tmp_path: Path, timeout: float = 540) -> dict:
    path = tmp_path / f"{config['scenario']}.json"
    path.write_text(json.dumps(config))
    done = subprocess.run(["node", str(JS / "console_e2e.mjs"), str(path)], cwd=JS, capture_output=True,
                          text=True, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no result from the browser run: {done.stdout[-2000:]} {done.stderr[-2000:]}"
    result = json.loads(lines[-1])
    assert "failure" not in result, result["failure"]
    return result


def _steps(result: dict, name: str) -> list[dict]:
    return [s for s in result["steps"] if s["name"] == name]


def test_console_in_chromium(tmp_path):
    _need_browser()
    samples = ROOT.parent / "shared" / "samples" / "images"
    photo, noface = samples / "woman_photo_1024.png", samples / "noface_landscape_rocket_640x427.jpg"
    have_photos = photo.is_file() and noface.is_file()
    shots = _shots_dir(tmp_path)
    console, url = _start(["console", "--port", "0"])
    try:
        config = {"url": url, "out": str(shots), "scenario": "main", "speakRuns": SPEAK_RUNS,
                  "silentWav": str(_silent_wav(tmp_path / "silent.wav")),
                  "speechWav": str(espeak_wav(tmp_path / "speech.wav", "Maybe the bold moon will pop up."))}
        if have_photos:
            config.update(photo=str(photo), noface=str(noface))
        result = _run_e2e(config, tmp_path)
    finally:
        _stop(console)
    assert result["pageErrors"] == []

    if have_photos:
        (head,) = _steps(result, "head")
        assert head["loaded"] and head["morphTargets"] == 67 and "jaw" in head["bones"]
        (noface_step,) = _steps(result, "noface")
        assert "no usable face" in noface_step["message"]
        kinds = {s["kind"] for s in _steps(result, "download")}
        assert kinds == {"csv", "json", "glb", "mp4"}
        assert (shots / "take.mp4").stat().st_size > 10_000 and (shots / "take.glb").read_bytes()[:4] == b"glTF"
    else:
        print(f"shared sample photos not found in {samples}: the head and no-face steps were skipped")

    (speak,) = _steps(result, "speak")
    assert speak["error"] is None and speak["frames"] > 100
    assert speak["audioState"] == "running" and speak["playedS"] > 3.0  # the AudioContext clock advanced
    assert speak["jawMax"] - speak["jawMin"] > 0.3  # the mouth morph moved while the audio played

    (runs,) = _steps(result, "latency_runs")
    assert all(r["error"] is None and r["clickToMouthMs"] for r in runs["runs"])
    latency = np.array([r["clickToMouthMs"] for r in runs["runs"]])
    first_frame = np.median([r["clickToFirstFrameMs"] for r in runs["runs"]])
    (fps,) = _steps(result, "viewer_fps")
    print(f"\nconsole: Speak click → first mouth movement p50 {np.median(latency):.0f} ms "
          f"(min {latency.min():.0f}, max {latency.max():.0f}, {len(latency)} runs; first frame p50 {first_frame:.0f} ms); "
          f"viewer {fps['fps']:.1f} fps on software GL; screenshots in {shots}")

    assert "not a photo" in _steps(result, "wrong_type")[0]["message"]
    assert "corrupt" in _steps(result, "corrupt_audio")[0]["message"]
    assert "silent" in _steps(result, "silent_audio")[0]["message"]
    (audio,) = _steps(result, "audio_speak")
    assert audio["error"] is None and audio["jawMax"] > 0.2
    (record,) = _steps(result, "record")
    assert "ready" in record["label"], record  # MediaRecorder → upload → decoded by the console
    assert record["spoken"]["error"] is None and record["spoken"]["frames"] > 0
    (after,) = _steps(result, "after_errors")
    assert after["error"] is None and after["frames"] > 0


def test_console_survives_the_engine_going_down(tmp_path):
    _need_browser()
    port = _free_port()
    shots = _shots_dir(tmp_path)
    console, url = _start(["console", "--port", "0", "--server", f"127.0.0.1:{port}"])
    server = None
    config = tmp_path / "down.json"
    config.write_text(json.dumps({"url": url, "out": str(shots), "scenario": "down"}))
    try:
        browser = subprocess.Popen(["node", str(JS / "console_e2e.mjs"), str(config)], cwd=JS, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        lines = []
        for line in browser.stdout:
            lines.append(line)
            if line.startswith("WAITING_FOR_ENGINE"):
                server, _ = _start(["serve", "--port", str(port)])
                browser.stdin.write("go\n")
                browser.stdin.flush()
            if line.startswith("{"):
                break
        browser.wait(120)
    finally:
        _stop(console)
        if server is not None:
            _stop(server)
    result = json.loads(lines[-1])
    assert "failure" not in result, result["failure"]
    (down,) = _steps(result, "down_speak")
    assert "not reachable" in down["message"]
    (after,) = _steps(result, "after_restart")
    assert after["error"] is None and after["frames"] > 0 and after["jawMax"] > 0.2
