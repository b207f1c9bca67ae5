"""Shared test data: speech made with espeak-ng, and the optional shared samples folder."""
from __future__ import annotations

import io
import shutil
import signal
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from fantasy_talking.audio.decode import Audio, decode_file, resample

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


def default_sigint() -> None:
    """Ctrl-C as a terminal delivers it, even when this suite runs in a background job (where SIGINT is ignored
    and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def encode_audio(samples_16k: np.ndarray, container: str, codec: str, rate: int) -> bytes:
    """Encode mono speech (16 kHz samples) into a real file with FFmpeg's own encoders."""
    x = resample(samples_16k, 16_000, rate) if rate != 16_000 else samples_16k
    buf = io.BytesIO()
    with av.open(buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(x.reshape(1, -1).astype(np.float32), format="flt", layout="mono")
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buf.getvalue()


def espeak_wav(path: Path, text: str, voice: str = "en-us") -> Path:
    """Synthesise `text` to a WAV file with espeak-ng (22.05 kHz mono)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (run tools/setup.sh)")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True)
    return path


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory) -> Path:
    """About three seconds of English speech with a pause, as a WAV file."""
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    return espeak_wav(path, "Maybe the bold moon will pop up. Please, be calm.")


@pytest.fixture(scope="session")
def speech_audio(speech_wav) -> Audio:
    return decode_file(speech_wav)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    return SAMPLES


@pytest.fixture(scope="module")
def head_stub():
    """A HeadService stub on a real server on a free port (the head tests that go through gRPC)."""
    from fantasy_talking.server.app import build_server
    from fantasy_talking.server.client import open_channel
    from fantasy_talking.server.config import ServerConfig
    from fantasytalking.v1 import head_pb2_grpc

    running = build_server(ServerConfig(port=0, max_concurrent_streams=2))
    with open_channel(running.address) as channel:
        yield head_pb2_grpc.HeadServiceStub(channel)
    running.stop(0).wait()
