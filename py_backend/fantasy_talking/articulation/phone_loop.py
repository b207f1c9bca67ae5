"""PocketSphinx's phone loop run as a stream: which viseme class is being spoken, frame by frame,
with a bounded delay.

speech/sphinx.py decodes whole clips; here the same en-US acoustic model and phone bigram
decode live audio:
- audio goes to the decoder in fixed BLOCK_SAMPLES blocks counted from the stream's start, with
  live cepstral mean normalisation and a faint fixed-seed noise floor (exact digital silence
  breaks the model's normalisation), so any chunking of the input feeds it identically;
- after each block the best partial path is read; the phone of feature frame j is taken from
  the last read made once feature frame j was itself complete, DELAY_FRAMES frames back: the
  decoder's delta features and search lag the audio by about four frames, so that is the first
  frame the path names. The stream needs no audio beyond what the acoustic path already waits
  for; the phone shapes simply come 40 ms late, which the 40 ms default anticipation covers;
- a frame the path has not named yet (none, in practice, at this delay) gives an all-zero row,
  and fusion leaves it to the acoustic path;
- the decoder's utterance is closed and reopened at a quiet block after UTTERANCE_S (always by
  MAX_UTTERANCE_S), which bounds the cost of reading the path, and keeps the normalisation.
Phones map to visemes as everywhere else (speech/phonemes.py). The English model is used for
every language: it names the lip shapes of German (video) and Mandarin (synthetic speech) well
enough to help (README).
"""
from __future__ import annotations

import threading
import weakref

import numpy as np
from pocketsphinx import Decoder, get_model_path

from fantasy_talking.audio.decode import SAMPLE_RATE
from fantasy_talking.audio.features import HALF, HOP, Features
from fantasy_talking.speech.phonemes import VISEMES, arpabet_viseme

BLOCK_SAMPLES = 160          # 10 ms: the partial path is read once per frame
DELAY_FRAMES = 4             # a frame's phone is named from the path read 4 frames (40 ms) after it
UTTERANCE_S = 6.0            # after this long, the decoder restarts at the next quiet block ...
MAX_UTTERANCE_S = 15.0       # ... or here at the latest
QUIET_RMS = 0.003            # (-50 dBFS) a block this quiet is a pause
PHONE_LM_WEIGHT = 2.0        # as speech/sphinx.py
NOISE_LEVEL = 1e-3
_NOISE_SEED = 20_240_517
UNKNOWN = -1                 # a frame whose phone the path has not named yet
_SPHINX_LAG = 1              # sphinx frame f is centred 12.8 ms after f/100 s: our frame f + 1
_VISEME_IDS: dict[str, int] = {}
IDLE_DECODERS = 8            # decoders kept loaded for the next stream, per process


class _DecoderPool:
    """Loaded decoders waiting for a stream: loading one takes ~0.2 s of CPU (holding the GIL)
    and ~25 MB, so a server reuses them rather than stalling every stream at each new one."""

    def __init__(self) -> None:
        self._idle: list[Decoder] = []
        self._lock = threading.Lock()

    def take(self) -> Decoder:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return Decoder(allphone=get_model_path("en-us/en-us-phone.lm.bin"), lm=None, lw=PHONE_LM_WEIGHT,
                       cmn="live", loglevel="FATAL")

    def give(self, decoder: Decoder) -> None:
        try:
            decoder.end_utt()
        except RuntimeError:   # not in an utterance
            pass
        with self._lock:
            if len(self._idle) < IDLE_DECODERS:
                self._idle.append(decoder)


_POOL = _DecoderPool()


def _viseme_id(phone: str) -> int:
    if phone not in _VISEME_IDS:
        _VISEME_IDS[phone] = VISEMES.index(arpabet_viseme(phone))
    return _VISEME_IDS[phone]


class PhoneLoop:
    """Audio and its feature frames in, one-hot viseme posteriors (VISEMES order) out, in step."""

    def __init__(self) -> None:
        # One decoder per stream, kept across restarts and handed back to the pool when the
        # stream is gone; restart() makes a reused decoder behave exactly like a new one.
        self._decoder = _POOL.take()
        weakref.finalize(self, _POOL.give, self._decoder)
        self._in_utterance = False   # the pool hands decoders back outside any utterance
        self.restart()

    def restart(self) -> None:
        """Start over on a fresh clock (a stream's interrupt), exactly as a new PhoneLoop would."""
        if self._in_utterance:
            self._decoder.end_utt()
        self._decoder.reinit_feat()
        self._noise = np.random.default_rng(_NOISE_SEED)
        self._buffer = np.zeros(0, np.float32)
        self._fed = 0                 # samples given to the decoder
        self._fed_base = 0            # sample (on the stream clock) at self._buffer[0]
        self._utterance_start = 0     # sample where the decoder's current utterance began
        self._labels = np.zeros(0, np.int16)   # viseme per sphinx frame (global index) as last read
        self._label_offset = 0        # global sphinx frame of self._labels[0]
        self._next_frame = 0          # our next feature frame to answer for
        self._decoder.start_utt()
        self._in_utterance = True

    def push(self, samples: np.ndarray, features: Features) -> np.ndarray:
        """Samples just given to a FeatureStream and the frames it returned → (n, 15) posteriors."""
        self._buffer = np.concatenate([self._buffer, samples.astype(np.float32, copy=False)])
        out = np.zeros((len(features), len(VISEMES)), np.float32)
        for row in range(len(features)):
            frame = self._next_frame + row
            # Feature frame `frame` was complete once audio up to frame·HOP + HALF had arrived:
            # every block ending by then has been heard, and none after it.
            while self._fed + BLOCK_SAMPLES <= frame * HOP + HALF:
                self._feed_block()
            label = self._label(frame - DELAY_FRAMES - _SPHINX_LAG)
            if label >= 0:
                out[row, label] = 1.0
        self._next_frame += len(features)
        return out

    def _label(self, sphinx_frame: int) -> int:
        index = sphinx_frame - self._label_offset
        return int(self._labels[index]) if 0 <= index < len(self._labels) else UNKNOWN

    def _feed_block(self) -> None:
        start = self._fed - self._fed_base
        block = self._buffer[start:start + BLOCK_SAMPLES]
        noisy = block + self._noise.uniform(-NOISE_LEVEL, NOISE_LEVEL, BLOCK_SAMPLES)
        self._decoder.process_raw((np.clip(noisy, -1.0, 1.0) * 32767).astype("<i2").tobytes(), False, False)
        self._fed += BLOCK_SAMPLES
        self._read_path()
        length_s = (self._fed - self._utterance_start) / SAMPLE_RATE
        quiet = float(np.sqrt(np.mean(block.astype(np.float64) ** 2))) < QUIET_RMS
        if length_s >= MAX_UTTERANCE_S or (length_s >= UTTERANCE_S and quiet):
            self._decoder.end_utt()
            self._read_path()
            self._decoder.start_utt()
            self._utterance_start = self._fed
        self._trim()

    def _read_path(self) -> None:
        """Write the best path of the current utterance over the labels of its frames."""
        first = self._utterance_start // HOP
        end = self._fed // HOP
        if end - self._label_offset > len(self._labels):
            grown = np.full(end - self._label_offset, UNKNOWN, np.int16)
            grown[:len(self._labels)] = self._labels
            self._labels = grown
        for seg in self._decoder.seg() or []:
            lo = max(first + seg.start_frame, self._label_offset)
            hi = min(first + seg.end_frame + 1, end)
            if hi > lo:
                self._labels[lo - self._label_offset:hi - self._label_offset] = _viseme_id(seg.word)

    def _trim(self) -> None:
        """Forget audio already fed and labels no future frame can ask for."""
        drop = self._fed - self._fed_base
        if drop > 8 * BLOCK_SAMPLES:
            self._buffer = self._buffer[drop:]
            self._fed_base = self._fed
        keep_from = min(self._utterance_start // HOP, self._next_frame - DELAY_FRAMES - _SPHINX_LAG - 8)
        cut = keep_from - self._label_offset
        if cut > 400:
            self._labels = self._labels[cut:]
            self._label_offset += cut
