"""Stream-side PCM decoding: any chunking of the same bytes gives the same 16 kHz samples."""
from __future__ import annotations

import numpy as np
import pytest

from fantasy_talking.audio.decode import AudioError, PcmEncoding, PcmFormat
from fantasy_talking.audio.pcm_stream import PcmStream


def decode_in_pieces(data: bytes, fmt: PcmFormat, cuts: list[int]) -> np.ndarray:
    stream = PcmStream(fmt)
    pieces = [stream.feed(data[a:b]) for a, b in zip([0, *cuts], [*cuts, len(data)])]
    return np.concatenate([*pieces, stream.flush()])


@pytest.mark.parametrize("rate, channels, encoding", [
    (48_000, 1, PcmEncoding.S16LE), (44_100, 2, PcmEncoding.S16LE), (8_000, 1, PcmEncoding.F32LE),
    (16_000, 2, PcmEncoding.F32LE),
])
def test_chunking_does_not_change_the_samples(rate, channels, encoding):
    fmt = PcmFormat(encoding, rate, channels)
    t = np.arange(rate) / rate
    x = np.repeat((0.3 * np.sin(2 * np.pi * 440 * t))[:, None], channels, axis=1)
    data = (x * 32767).astype("<i2").tobytes() if encoding is PcmEncoding.S16LE else x.astype("<f4").tobytes()
    frame = fmt.bytes_per_frame
    rng = np.random.default_rng(0)
    cuts = sorted(int(c) * frame for c in rng.choice(np.arange(1, rate), size=30, replace=False))
    whole = decode_in_pieces(data, fmt, [])
    pieces = decode_in_pieces(data, fmt, cuts)
    np.testing.assert_array_equal(whole, pieces)
    assert abs(len(whole) - 16_000) <= 2
    mid = whole[2000:14000]
    assert np.sqrt(np.mean(mid ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.02)


def test_a_partial_sample_frame_is_refused():
    stream = PcmStream(PcmFormat(PcmEncoding.S16LE, 16_000, 2))
    with pytest.raises(AudioError, match="whole number"):
        stream.feed(bytes(6))
