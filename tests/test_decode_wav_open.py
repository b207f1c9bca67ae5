"""WAVs open without FFmpeg's stream analysis (a farm opens thousands): the samples must not change."""
from __future__ import annotations

import io

import av
import numpy as np
import pytest

from fantasy_talking.audio import decode


def _wav(codec: str, sample_format: str, rate: int, layout: str) -> bytes:
    """Two seconds of a sine as a WAV written by FFmpeg with `codec`."""
    out = io.BytesIO()
    channels = len(av.AudioLayout(layout).channels)
    signal = 0.5 * np.sin(np.arange(2 * rate) / 10.0)
    with av.open(out, "w", format="wav") as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        for start in range(0, len(signal), 1024):
            chunk = np.repeat(signal[start:start + 1024, None], channels, axis=1)
            samples = (chunk * 32767).astype(np.int16) if sample_format == "s16" else chunk.astype(np.float32)
            frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format=sample_format, layout=layout)
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


@pytest.mark.parametrize("codec, sample_format, rate, layout", [
    ("pcm_s16le", "s16", 44_100, "stereo"),
    ("pcm_f32le", "flt", 48_000, "mono"),
    ("adpcm_ms", "s16", 22_050, "stereo"),
    ("pcm_s16le", "s16", 96_000, "5.1"),  # WAVE_FORMAT_EXTENSIBLE
])
def test_a_wav_decodes_to_the_same_samples_with_and_without_stream_analysis(monkeypatch, tmp_path, codec,
                                                                            sample_format, rate, layout):
    data = _wav(codec, sample_format, rate, layout)
    assert decode._is_wav(data)
    fast = decode.decode_file(data).samples
    (tmp_path / "a.wav").write_bytes(data)
    assert decode._is_wav(tmp_path / "a.wav")
    assert np.array_equal(decode.decode_file(tmp_path / "a.wav").samples, fast)
    monkeypatch.setattr(decode, "WAV_OPEN_OPTIONS", None)
    analysed = decode.decode_file(data).samples
    assert len(fast) > 16_000 and np.array_equal(fast, analysed)


def test_only_riff_wave_headers_take_the_fast_path():
    assert not decode._is_wav(b"ID3\x03" + b"\0" * 20)
    assert not decode._is_wav(b"RIFF\0\0\0\0AVI LIST")
    assert not decode._is_wav(b"RIF")
