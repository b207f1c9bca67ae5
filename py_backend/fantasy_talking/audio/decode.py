"""Any audio in, 16 kHz mono float32 out.

Files go through PyAV (FFmpeg), so WAV, MP3, OGG, FLAC, M4A and video containers all work.
Raw PCM from streams goes through `pcm_to_float`. Everything downstream sees only
`Audio` at `SAMPLE_RATE`.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import av
import numpy as np
from math import gcd

SAMPLE_RATE = 16_000
MIN_INPUT_RATE, MAX_INPUT_RATE = 8_000, 48_000


class AudioError(ValueError):
    """The audio cannot be used; the message says why and what to send instead."""


class PcmEncoding(Enum):
    """Raw sample layouts. Values match the proto AudioEncoding."""

    S16LE = 1
    F32LE = 2


@dataclass(frozen=True)
class PcmFormat:
    """Layout of raw PCM bytes."""

    encoding: PcmEncoding = PcmEncoding.S16LE
    sample_rate: int = SAMPLE_RATE
    channels: int = 1

    def __post_init__(self) -> None:
        if not MIN_INPUT_RATE <= self.sample_rate <= MAX_INPUT_RATE:
            raise AudioError(
                f"sample rate {self.sample_rate} Hz is outside {MIN_INPUT_RATE}..{MAX_INPUT_RATE} Hz; "
                "resample the audio or send a file instead")
        if self.channels not in (1, 2):
            raise AudioError(f"{self.channels} channels given; send mono or stereo")

    @property
    def bytes_per_frame(self) -> int:
        return (2 if self.encoding is PcmEncoding.S16LE else 4) * self.channels


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples in [-1, 1] at `sample_rate` (16 kHz after decoding)."""

    samples: np.ndarray
    sample_rate: int = SAMPLE_RATE

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def resample(samples: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """Polyphase resampling; exact for the usual rate ratios (8k, 22.05k, 44.1k, 48k → 16k)."""
    if rate_in == rate_out:
        return samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly  # scipy.signal takes a second to import; most callers never resample

    g = gcd(rate_in, rate_out)
    return resample_poly(samples, rate_out // g, rate_in // g).astype(np.float32)


def pcm_to_float(data: bytes, fmt: PcmFormat) -> np.ndarray:
    """Raw interleaved PCM → mono float32 at the input rate. Partial trailing samples are an error."""
    if len(data) % fmt.bytes_per_frame:
        raise AudioError(
            f"{len(data)} bytes is not a whole number of {fmt.bytes_per_frame}-byte sample frames "
            f"({fmt.encoding.name}, {fmt.channels} channel(s))")
    if fmt.encoding is PcmEncoding.S16LE:
        x = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
    else:
        x = np.frombuffer(data, dtype="<f4").astype(np.float32)
        if not np.all(np.isfinite(x)):
            raise AudioError("float32 PCM contains NaN or infinity")
    if fmt.channels == 2:
        x = x.reshape(-1, 2).mean(axis=1)
    return x


def decode_pcm(data: bytes, fmt: PcmFormat) -> Audio:
    """Raw PCM → 16 kHz mono Audio."""
    return Audio(resample(pcm_to_float(data, fmt), fmt.sample_rate))


def decode_file(source: bytes | str | Path, max_seconds: float | None = None) -> Audio:
    """Decode the first audio stream of any FFmpeg-readable file to 16 kHz mono.

    Raises AudioError for corrupt, empty or unsupported input, and for audio longer than
    `max_seconds` (checked while decoding, so a huge file is never fully decoded).
    """
    stream_in = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        container = av.open(stream_in, mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise AudioError(f"cannot read the audio: {exc}; send WAV, MP3, OGG, FLAC or M4A") from exc
    with container:
        if not container.streams.audio:
            raise AudioError("the file has no audio stream")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        chunks: list[np.ndarray] = []
        total = 0
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().reshape(-1)
                    chunks.append(chunk)
                    total += len(chunk)
                if max_seconds is not None and total > max_seconds * SAMPLE_RATE:
                    raise AudioError(f"the audio is longer than the {max_seconds:g} s limit; split it")
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            raise AudioError(f"the audio is corrupt: {exc}") from exc
    if not chunks or sum(len(c) for c in chunks) == 0:
        raise AudioError("the file decodes to no audio samples")
    samples = np.concatenate(chunks).astype(np.float32)
    return Audio(np.clip(samples, -1.0, 1.0))
