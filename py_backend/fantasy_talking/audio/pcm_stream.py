"""Raw PCM chunks of any size → 16 kHz mono float32, without edge artefacts between chunks.

A stateful FFmpeg resampler (PyAV) carries its filter state from chunk to chunk, so the output
of many small chunks equals the output of one big one. 16 kHz input skips resampling.
"""
from __future__ import annotations

import av
import numpy as np

from fantasy_talking.audio.decode import SAMPLE_RATE, PcmFormat, pcm_to_float

_EMPTY = np.zeros(0, dtype=np.float32)


class PcmStream:
    """Decodes one stream's audio chunks in order."""

    def __init__(self, fmt: PcmFormat) -> None:
        self.format = fmt
        self.received_samples = 0
        self._resampler = (None if fmt.sample_rate == SAMPLE_RATE else
                           av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE))

    @property
    def received_seconds(self) -> float:
        return self.received_samples / self.format.sample_rate

    def feed(self, data: bytes) -> np.ndarray:
        """Decode one chunk (whole sample frames only; AudioError otherwise)."""
        mono = pcm_to_float(data, self.format)
        self.received_samples += len(mono)
        if self._resampler is None or len(mono) == 0:
            return mono if self._resampler is None else _EMPTY
        frame = av.AudioFrame.from_ndarray(mono.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = self.format.sample_rate
        return self._collect(self._resampler.resample(frame))

    def flush(self) -> np.ndarray:
        """The samples the resampler still holds, at the end of the audio."""
        if self._resampler is None:
            return _EMPTY
        return self._collect(self._resampler.resample(None))

    def reset(self) -> None:
        """Forget buffered samples (after an interrupt the next audio starts afresh)."""
        if self._resampler is not None:
            self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    @staticmethod
    def _collect(frames) -> np.ndarray:
        parts = [f.to_ndarray().reshape(-1) for f in frames]
        return np.concatenate(parts).astype(np.float32, copy=False) if parts else _EMPTY
