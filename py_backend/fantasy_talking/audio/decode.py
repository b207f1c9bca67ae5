"""Any audio in, 16 kHz mono float32 out.

Files go through PyAV (FFmpeg), so WAV, MP3, OGG, FLAC, M4A and video containers all work.
Raw PCM from streams goes through `pcm_to_float`. Everything downstream sees only
`Audio` at `SAMPLE_RATE`.

Every path meets in the same two steps, so the same audio gives the same samples (and curves)
whether it arrives as a file, as raw PCM in one message, or as a stream cut anywhere:
samples at the input rate → mono float32 in [-1, 1] (`to_mono`) → `Resampler`, one stateful
FFmpeg (libswresample) resampler for files, clips, streams and synthesised speech alike.

Sample range: integer PCM is scaled to full scale ±1.0 (s16: / 32768). Float samples are full
scale at ±1.0 too; finite values beyond it are clipped to ±1 (as a converter clips an over),
and NaN or infinity is refused, so no input can carry a non-finite number into the engine.
"""
from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import av
import numpy as np
import scipy.io.wavfile

SAMPLE_RATE = 16_000
MIN_INPUT_RATE, MAX_INPUT_RATE = 8_000, 48_000
FULL_SCALE = 1.0
"""Float samples are clipped to ±FULL_SCALE; integer PCM maps onto it."""
_EMPTY = np.zeros(0, dtype=np.float32)


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


class Resampler:
    """The one resampler: mono float32 at `rate_in` → `rate_out`, chunk by chunk.

    FFmpeg's libswresample carries its filter state between calls, so any chunking of the input
    gives the same output as one call (a stream cut anywhere equals the whole clip). Call
    `flush` after the last chunk for the samples still inside the filter. Output is clipped to
    ±FULL_SCALE (a band-limited filter can overshoot a clipped input slightly).
    """

    def __init__(self, rate_in: int, rate_out: int = SAMPLE_RATE) -> None:
        self.rate_in, self.rate_out = rate_in, rate_out
        self._swr = None if rate_in == rate_out else av.AudioResampler(format="flt", layout="mono", rate=rate_out)

    def push(self, mono: np.ndarray) -> np.ndarray:
        if self._swr is None:
            return mono.astype(np.float32, copy=False)
        if len(mono) == 0:
            return _EMPTY
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mono, dtype=np.float32).reshape(1, -1),
                                           format="flt", layout="mono")
        frame.sample_rate = self.rate_in
        return self._collect(self._swr.resample(frame))

    def flush(self) -> np.ndarray:
        """The samples the filter still holds; the resampler starts afresh afterwards."""
        if self._swr is None:
            return _EMPTY
        out = self._collect(self._swr.resample(None))
        self._swr = av.AudioResampler(format="flt", layout="mono", rate=self.rate_out)
        return out

    @staticmethod
    def _collect(frames) -> np.ndarray:
        parts = [f.to_ndarray().reshape(-1) for f in frames]
        if not parts:
            return _EMPTY
        out = np.concatenate(parts) if len(parts) > 1 else parts[0]
        return np.clip(out, -FULL_SCALE, FULL_SCALE, out=out.astype(np.float32, copy=True))


def resample(samples: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """A whole signal through `Resampler` (the same filter streams and files use)."""
    if rate_in == rate_out:
        return samples.astype(np.float32, copy=False)
    resampler = Resampler(rate_in, rate_out)
    head = resampler.push(np.asarray(samples, dtype=np.float32))
    return np.concatenate([head, resampler.flush()])


def to_mono(frames: np.ndarray) -> np.ndarray:
    """(n, channels) float32 samples → mono float32 in ±FULL_SCALE; AudioError for NaN or infinity."""
    if not np.isfinite(frames).all():
        raise AudioError("the audio contains NaN or infinite samples; send finite samples in -1..1")
    mono = frames.mean(axis=1, dtype=np.float32) if frames.shape[1] > 1 else frames[:, 0]
    return np.clip(mono, -FULL_SCALE, FULL_SCALE).astype(np.float32, copy=False)


def pcm_to_float(data: bytes, fmt: PcmFormat) -> np.ndarray:
    """Raw interleaved PCM → mono float32 at the input rate. Partial trailing samples are an error."""
    if len(data) % fmt.bytes_per_frame:
        raise AudioError(
            f"{len(data)} bytes is not a whole number of {fmt.bytes_per_frame}-byte sample frames "
            f"({fmt.encoding.name}, {fmt.channels} channel(s))")
    if fmt.encoding is PcmEncoding.S16LE:
        x = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0
        # s16 is within full scale by construction: only the channel mix is left to do.
        return x.reshape(-1, 2).mean(axis=1, dtype=np.float32) if fmt.channels == 2 else x
    return to_mono(np.frombuffer(data, dtype="<f4").astype(np.float32).reshape(-1, fmt.channels))


_INT_SCALE = {np.dtype(np.int16): 32768.0, np.dtype(np.int32): 2147483648.0}


def _integer_to_mono(x: np.ndarray) -> np.ndarray:
    """(n, channels) integer PCM → mono float32 (s16 / 32768, channels averaged), for FFmpeg's frames
    and for a WAV read whole alike. Integer PCM is finite and within full scale by construction (as
    in pcm_to_float): only the channel mix is left to do. Skipping the checks is a third of a WAV's
    decoding cost."""
    if x.dtype == np.uint8:
        x = (x.astype(np.float32) - 128.0) / 128.0
    else:
        x = x.astype(np.float32) / np.float32(_INT_SCALE[x.dtype])
    return x.mean(axis=1, dtype=np.float32) if x.shape[1] > 1 else x[:, 0]


def _check_rate(rate: int) -> None:
    if not MIN_INPUT_RATE // 4 <= rate <= 8 * MAX_INPUT_RATE:
        raise AudioError(f"the audio's sample rate {rate} Hz is not usable")


def frame_to_mono(frame: av.AudioFrame) -> np.ndarray:
    """A decoded FFmpeg frame (any sample format and layout) → mono float32 at its own rate,
    by the same arithmetic as raw PCM (s16 / 32768, channels averaged)."""
    x = frame.to_ndarray()
    x = x.T if frame.format.is_planar else x.reshape(-1, len(frame.layout.channels))
    if x.dtype == np.uint8 or x.dtype in _INT_SCALE:
        return _integer_to_mono(x)
    return to_mono(x.astype(np.float32, copy=False))


def decode_pcm(data: bytes, fmt: PcmFormat) -> Audio:
    """Raw PCM → 16 kHz mono Audio (exactly what a stream of the same bytes gives)."""
    return Audio(resample(pcm_to_float(data, fmt), fmt.sample_rate))


WAV_OPEN_OPTIONS = {"analyzeduration": "0", "probesize": "4096"}
"""A WAV's header states its format, so FFmpeg's stream analysis (decoding ahead to guess it, ~3 ms a
file) is skipped: the same samples, a tenth of the opening cost; a farm opens thousands of WAVs."""


def _is_wav(source: bytes | str | Path) -> bool:
    if isinstance(source, (bytes, bytearray)):
        head = bytes(source[:12])
    else:
        try:
            with open(source, "rb") as file:
                head = file.read(12)
        except OSError:
            return False
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


MAX_WAV_READ_BYTES = 64 << 20
"""WAV files up to this size are read whole by scipy; larger ones stream through FFmpeg."""


def _file_size(path: str | Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return MAX_WAV_READ_BYTES + 1  # FFmpeg reports it


def _plain_pcm16_wav(data: bytes) -> tuple[np.ndarray, int, int] | None:
    """(s16 samples, channels, rate) of a well-formed 16-bit PCM WAV, or None for anything else.

    A farm's lines are mostly such WAVs, whose samples lie in the file as they are: scipy's WAV
    reader hands them over whole, in a tenth of the time FFmpeg takes a frame at a time. Anything
    unusual (other codecs or widths, no samples, a data chunk longer than the file: scipy raises or
    warns) returns None and goes to FFmpeg, so the fast path never decides an edge case differently."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            rate, samples = scipy.io.wavfile.read(io.BytesIO(data))
    except Exception:   # scipy's refusals are ValueErrors, warnings and, for truncated chunks, other errors
        return None
    if samples.dtype != np.int16 or samples.size == 0:
        return None
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    return samples.reshape(-1), channels, int(rate)


def decode_file(source: bytes | str | Path, max_seconds: float | None = None) -> Audio:
    """Decode the first audio stream of any FFmpeg-readable file to 16 kHz mono.

    Raises AudioError for corrupt, empty or unsupported input, and for audio longer than
    `max_seconds` (checked while decoding, so a huge file is never fully decoded).
    A plain 16-bit PCM WAV is read by scipy (`_plain_pcm16_wav`): the same samples by the same
    arithmetic as FFmpeg's frames, through the same resampler.
    """
    if _is_wav(source) and (isinstance(source, (bytes, bytearray)) or _file_size(source) <= MAX_WAV_READ_BYTES):
        data = bytes(source) if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
        pcm = _plain_pcm16_wav(data)
        if pcm is not None:
            return _decode_pcm16(*pcm, max_seconds)
        source = data
    stream_in = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else str(source)
    try:
        container = av.open(stream_in, mode="r", options=WAV_OPEN_OPTIONS if _is_wav(source) else None)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise AudioError(f"cannot read the audio: {exc}; send WAV, MP3, OGG, FLAC or M4A") from exc
    with container:
        if not container.streams.audio:
            raise AudioError("the file has no audio stream")
        resampler: Resampler | None = None
        chunks: list[np.ndarray] = []
        total = 0
        try:
            for frame in container.decode(audio=0):
                if resampler is None or frame.sample_rate != resampler.rate_in:
                    if resampler is not None:
                        chunks.append(resampler.flush())
                    _check_rate(frame.sample_rate)
                    resampler = Resampler(frame.sample_rate)
                chunk = resampler.push(frame_to_mono(frame))
                chunks.append(chunk)
                total += len(chunk)
                if max_seconds is not None and total > max_seconds * SAMPLE_RATE:
                    raise AudioError(f"the audio is longer than the {max_seconds:g} s limit; split it")
            if resampler is not None:
                chunks.append(resampler.flush())
        except av.error.FFmpegError as exc:
            raise AudioError(f"the audio is corrupt: {exc}") from exc
    if not chunks or sum(len(c) for c in chunks) == 0:
        raise AudioError("the file decodes to no audio samples")
    return Audio(np.concatenate(chunks).astype(np.float32, copy=False))


def _decode_pcm16(samples: np.ndarray, channels: int, rate: int, max_seconds: float | None) -> Audio:
    """A WAV's s16 samples → Audio, as `decode_file` treats FFmpeg's frames of them."""
    _check_rate(rate)
    too_long = AudioError(f"the audio is longer than the {max_seconds:g} s limit; split it") if max_seconds else None
    if too_long and len(samples) / channels / rate > max_seconds + 1.0:  # refused before any conversion
        raise too_long
    resampler = Resampler(rate)
    head = resampler.push(_integer_to_mono(samples.reshape(-1, channels)))
    if too_long and len(head) > max_seconds * SAMPLE_RATE:
        raise too_long
    tail = resampler.flush()
    if len(head) + len(tail) == 0:
        raise AudioError("the file decodes to no audio samples")
    return Audio(np.concatenate([head, tail]) if len(tail) else head)
