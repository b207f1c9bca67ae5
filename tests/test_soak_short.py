"""The soak (tools/soak/soak.py) for one minute, as CI runs it: real-time streams with churn, killed
and frozen clients and a bad-request trickle against a real `ftalk serve`; no lost frames, no late
frame, no failed stream, bad requests answered as documented, memory, fds and threads bounded."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SOAK = Path(__file__).resolve().parents[1] / "tools" / "soak" / "soak.py"


def test_one_minute_soak_passes(tmp_path):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (tools/setup.sh installs it)")
    out = tmp_path / "soak"
    run = subprocess.run([sys.executable, str(SOAK), "--minutes", "1", "--streams", "6", "--kill-every", "10",
                          "--sample-s", "2", "--warmup-fraction", "0.3", "--out", str(out), "--quiet"],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(out.with_suffix(".json").read_text())
    result, tally = report["result"], report["tally"]
    assert run.returncode == 0, (result["failures"], tally["errors"][:5], run.stdout[-2000:])
    assert result["passed"] and not result["failures"]
    assert tally["streams_ok"] >= 10 and tally["streams_cancelled"] + tally["streams_interrupted"] >= 3
    assert tally["kills"] >= 3 and tally["bad_requests"] >= 30 and tally["frames_lost"] == 0
    assert out.with_suffix(".png").stat().st_size > 10_000
