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


# -- plain 16-bit PCM WAVs are read by scipy: the same samples as FFmpeg's frames ----------------------

def _riff(chunks: list[tuple[bytes, bytes]]) -> bytes:
    body = b"".join(name + len(data).to_bytes(4, "little") + data + b"\0" * (len(data) & 1) for name, data in chunks)
    return b"RIFF" + (4 + len(body)).to_bytes(4, "little") + b"WAVE" + body


def _fmt(channels: int, rate: int, bits: int = 16, extensible: bool = False) -> bytes:
    block = channels * bits // 8
    head = ((0xFFFE if extensible else 1).to_bytes(2, "little") + channels.to_bytes(2, "little")
            + rate.to_bytes(4, "little") + (rate * block).to_bytes(4, "little") + block.to_bytes(2, "little")
            + bits.to_bytes(2, "little"))
    if extensible:  # cbSize, valid bits, channel mask, KSDATAFORMAT_SUBTYPE_PCM
        head += (22).to_bytes(2, "little") + bits.to_bytes(2, "little") + (0x3F).to_bytes(4, "little") \
            + bytes.fromhex("0100000000001000800000aa00389b71")
    return head


def _noise_s16(frames: int, channels: int, seed: int = 0) -> bytes:
    """Speech-like level noise with full-scale extremes, so every bit of the conversion is exercised."""
    x = np.random.default_rng(seed).normal(0, 6000, (frames, channels)).clip(-32768, 32767).astype("<i2")
    x[:2] = [[-32768] * channels, [32767] * channels]
    return x.tobytes()


def _both_paths(monkeypatch, data: bytes, **kwargs):
    """(numpy path, FFmpeg path) samples of `data`; asserts the numpy path took it."""
    assert decode._plain_pcm16_wav(data) is not None
    fast = decode.decode_file(data, **kwargs).samples
    with monkeypatch.context() as patch:
        patch.setattr(decode, "_plain_pcm16_wav", lambda _: None)
        slow = decode.decode_file(data, **kwargs).samples
    return fast, slow


@pytest.mark.parametrize("rate", [8_000, 16_000, 22_050, 44_100, 48_000])
@pytest.mark.parametrize("channels, extensible", [(1, False), (2, False), (6, True)])
def test_a_plain_pcm16_wav_gives_ffmpegs_samples_bit_for_bit(monkeypatch, rate, channels, extensible):
    frames = int(1.37 * rate) + 3  # an odd length that ends mid-frame of every FFmpeg packet size
    data = _riff([(b"fmt ", _fmt(channels, rate, extensible=extensible)), (b"LIST", b"INFOISFT\x03\0\0\0abc"),
                  (b"data", _noise_s16(frames, channels, seed=rate + channels))])
    fast, slow = _both_paths(monkeypatch, data)
    assert fast.dtype == np.float32 and len(fast) > 0.9 * 1.37 * decode.SAMPLE_RATE
    assert np.array_equal(fast, slow)


def test_wavs_written_by_ffmpeg_and_by_the_wave_module_take_the_numpy_path(monkeypatch, tmp_path):
    import wave

    path = tmp_path / "w.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44_100)
        out.writeframes(_noise_s16(30_001, 2))
    for data in (path.read_bytes(), _wav("pcm_s16le", "s16", 22_050, "stereo")):
        fast, slow = _both_paths(monkeypatch, data)
        assert np.array_equal(fast, slow)
    assert np.array_equal(decode.decode_file(path).samples, decode.decode_file(path.read_bytes()).samples)


@pytest.mark.parametrize("data", [
    _riff([(b"fmt ", _fmt(1, 16_000, bits=24)), (b"data", b"\0" * 300)]),                   # 24-bit
    _riff([(b"fmt ", _fmt(1, 16_000, bits=8)), (b"data", b"\x80" * 300)]),                  # 8-bit
    _riff([(b"data", b"\0" * 300), (b"fmt ", _fmt(1, 16_000))]),                            # data before fmt
    _riff([(b"fmt ", _fmt(1, 16_000)), (b"data", b"")]) + b"\0" * 64,                        # size left open
    _riff([(b"fmt ", _fmt(1, 16_000))]) + b"data" + (10_000).to_bytes(4, "little") + b"\0" * 100,  # truncated
    _wav("pcm_f32le", "flt", 16_000, "mono"),
    _wav("adpcm_ms", "s16", 16_000, "mono"),
], ids=["24-bit", "8-bit", "data-first", "open-size", "truncated", "float", "adpcm"])
def test_any_other_wav_goes_to_ffmpeg(data):
    assert decode._plain_pcm16_wav(data) is None


def test_the_numpy_path_keeps_the_length_limit_and_refuses_empty_audio(monkeypatch):
    data = _riff([(b"fmt ", _fmt(1, 48_000)), (b"data", _noise_s16(3 * 48_000, 1))])
    fast, slow = _both_paths(monkeypatch, data, max_seconds=3.0)
    assert np.array_equal(fast, slow)
    for path in (None, lambda _: None):
        with monkeypatch.context() as patch:
            if path:
                patch.setattr(decode, "_plain_pcm16_wav", path)
            with pytest.raises(decode.AudioError, match="longer than the 2 s limit"):
                decode.decode_file(data, max_seconds=2.0)
    for rate in (16_000, 48_000):  # one sample frame: the same samples, or the same refusal, either way
        outcomes = []
        for path in (None, lambda _: None):
            with monkeypatch.context() as patch:
                if path:
                    patch.setattr(decode, "_plain_pcm16_wav", path)
                try:
                    outcomes.append(decode.decode_file(_riff([(b"fmt ", _fmt(1, rate)), (b"data", b"\1\2")])).samples)
                except decode.AudioError as exc:
                    outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1] if isinstance(outcomes[1], str) else np.array_equal(*outcomes)
