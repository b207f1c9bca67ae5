"""Raw PCM chunks of any size → 16 kHz mono float32, without edge artefacts between chunks.

The stream's `Resampler` (audio/decode.py, the one every path uses) carries its filter state
from chunk to chunk, so the output of many small chunks equals the output of one big one, and
equals `decode_pcm` and `decode_file` of the same samples. 16 kHz input skips resampling.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.audio.decode import SAMPLE_RATE, PcmFormat, Resampler, pcm_to_float


class PcmStream:
    """Decodes one stream's audio chunks in order."""

    def __init__(self, fmt: PcmFormat) -> None:
        self.format = fmt
        self.received_samples = 0
        self._resampler = Resampler(fmt.sample_rate, SAMPLE_RATE)

    @property
    def received_seconds(self) -> float:
        return self.received_samples / self.format.sample_rate

    def feed(self, data: bytes) -> np.ndarray:
        """Decode one chunk (whole sample frames only; AudioError otherwise)."""
        mono = pcm_to_float(data, self.format)
        self.received_samples += len(mono)
        return self._resampler.push(mono)

    def flush(self) -> np.ndarray:
        """The samples the resampler still holds, at the end of the audio."""
        return self._resampler.flush()

    def reset(self) -> None:
        """Forget buffered samples (after an interrupt the next audio starts afresh)."""
        self._resampler = Resampler(self.format.sample_rate, SAMPLE_RATE)
