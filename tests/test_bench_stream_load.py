"""The C++ load generator (tools/bench/stream_load) against a real in-process server."""
from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fantasy_talking.server.app import build_server
from fantasy_talking.server.config import ServerConfig

ROOT = Path(__file__).resolve().parents[1]
LOOKAHEAD_MS = 100
CHUNK_MS = 20
SECONDS = 1.5


@pytest.fixture(scope="module")
def binary() -> Path:
    spec = importlib.util.spec_from_file_location("bench_stream", ROOT / "tools" / "bench" / "bench_stream.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # its dataclasses look their module up there
    spec.loader.exec_module(bench)
    try:
        return bench.build_stream_load()
    except RuntimeError as exc:
        pytest.skip(f"stream_load does not build here: {exc}")


@pytest.fixture(scope="module")
def server():
    running = build_server(ServerConfig(port=0, max_concurrent_streams=4))
    yield running
    running.stop(0).wait()


def test_two_real_time_streams_get_every_frame_with_sane_latencies(binary, server, speech_audio, tmp_path):
    audio = tmp_path / "speech.f32"
    speech_audio.samples[:int(SECONDS * 16_000)].astype("<f4").tofile(audio)
    latencies_path = tmp_path / "latencies.f32"
    done = subprocess.run([str(binary), "--address", server.address, "--streams", "2", "--audio", str(audio),
                           "--lookahead-ms", str(LOOKAHEAD_MS), "--chunk-ms", str(CHUNK_MS), "--spread-s", "0.2",
                           "--latencies-out", str(latencies_path)],
                          capture_output=True, text=True, timeout=60, check=True)
    report = json.loads(done.stdout)
    assert report["errors"] == []
    assert report["expected_frames_per_stream"] == math.ceil(SECONDS * 30)
    assert report["frames"] == 2 * report["expected_frames_per_stream"]
    latencies = np.fromfile(latencies_path, dtype=np.float32)
    assert len(latencies) == report["latencies"] > 0
    assert np.all(np.isfinite(latencies)) and latencies.min() > 0
    # A frame waits for its look-ahead, less up to one chunk (the clock starts when the chunk holding
    # the frame is sent, at the chunk's end); only the last frames, flushed by `end`, come sooner.
    assert LOOKAHEAD_MS - CHUNK_MS <= report["latency_p50_ms"] <= report["latency_p95_ms"] <= report["latency_max_ms"]
    assert report["client_cpu_s"] > 0 and report["wall_s"] >= SECONDS
