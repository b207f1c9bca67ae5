"""`ftalk serve` and `ftalk stream` end to end in their own processes; error paths in-process."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest

from conftest import default_sigint
from fantasy_talking.cli.main import main

TOKEN = "cli-token"
FTALK = [sys.executable, "-m", "fantasy_talking.cli.main"]


def ftalk(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([*FTALK, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def served():
    """`ftalk serve` on a free port with a token; yields (address, process)."""
    process = subprocess.Popen([*FTALK, "serve", "--port", "0", "--token", TOKEN], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    line = process.stdout.readline()
    match = re.search(r"listening on (\S+:\d+)", line)
    if match is None:
        process.kill()
        pytest.fail(f"ftalk serve did not start: {line!r} {process.stderr.read()!r}")
    yield match.group(1), process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_stream_reports_latency_and_writes_frames(served, speech_wav, tmp_path):
    address, _ = served
    out = tmp_path / "frames.csv"
    done = ftalk("stream", str(speech_wav), "--server", address, "--out", str(out), "--lookahead-ms", "60",
                 env={"FTALK_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    frames = int(re.search(r"frames: (\d+)", done.stdout).group(1))
    assert frames > 30
    assert "look-ahead 60 ms" in done.stdout
    assert re.search(r"p50 [\d.]+ ms, p95 [\d.]+ ms, max [\d.]+ ms", done.stdout)
    assert "status: CODE_OK" in done.stdout
    lines = out.read_text().splitlines()
    assert lines[0].startswith("Timecode,BlendShapeCount,EyeBlinkLeft")
    assert len(lines) == frames + 1


def test_stream_with_a_wrong_token_fails_on_one_line(served, speech_wav, capsys):
    address, _ = served
    assert main(["stream", str(speech_wav), "--server", address, "--token", "nope", "--as-fast-as-possible"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "UNAUTHENTICATED" in err


@pytest.mark.parametrize("args, hint", [
    (["stream", "/no/such/file.wav"], "no such file"),
    (["stream", "{speech}", "--out", "frames.txt"], "--out must end in"),
    (["stream", "{speech}", "--server", "127.0.0.1:1", "--as-fast-as-possible"], "UNAVAILABLE"),
    (["serve", "--tls-cert", "/no/cert.pem"], "needs both"),
    (["serve", "--port", "70000"], "port must be"),
])
def test_cli_errors_are_one_line_and_exit_2(speech_wav, args, hint, capsys):
    assert main([a.format(speech=speech_wav) for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and hint in err


def test_serve_stops_gracefully_on_ctrl_c(served):
    _, process = served
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert "stopping" in process.stdout.read()
