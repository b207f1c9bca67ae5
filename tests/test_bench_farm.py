"""tools/bench/bench_farm.py runs end to end (a handful of lines, no timing asserted): the lead reruns it
on a quiet machine, so it must not rot. Its figures are checked for consistency, not for speed."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_bench_farm_bakes_every_backend_and_reports_consistent_figures(tmp_path):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (run tools/setup.sh): the bench speaks its own lines")
    out = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "bench" / "bench_farm.py"), "--lines", "4",
                          "--formats", "csv,json,png", "--no-ray", "--keep", str(tmp_path / "lines"),
                          "--json", str(out)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "outputs identical across backends and runs" in run.stdout
    assert "x RT/line-CPU" in run.stdout and "busy" in run.stdout
    document = json.loads(out.read_text())
    assert document["lines"] == 4 and document["audio_s"] > 1
    backends = [row["backend"] for row in document["results"]]
    assert backends == ["1 process", "pool of 2"]
    for row in document["results"]:
        figures = row["median"]
        assert figures["wall_s"] > 0 and figures["cpu_all_s"] > 0 and figures["x_rt_per_line_cpu_s"] > 0
        assert 0 < figures["busy"] <= 1.0 and figures["startup_s"] >= 0 and figures["tail_s"] >= 0
        assert figures["peak_mb_per_worker"] > 0
    assert document["results"][0]["scaling_wall"] == pytest.approx(1.0)
    pool = document["results"][1]
    assert len(pool["scaling_wall_runs"]) == 1 and pool["scaling_wall"] == pytest.approx(pool["scaling_wall_runs"][0])
    assert "wall scaling of each repetition" in run.stdout
