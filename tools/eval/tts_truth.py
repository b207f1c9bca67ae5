"""TTS truth: espeak-ng speech with the synthesiser's own phoneme timings.

libespeak-ng reports a PHONEME event (IPA text, audio position in ms) at the start of every
phone it synthesises, so the phone boundaries are exact by construction, not estimated.
The truth aperture follows the viseme class of the phone under each frame (VISEME_APERTURE),
and the truth closures are the bilabial (PP) phones.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

import numpy as np

from fantasy_talking.audio.decode import SAMPLE_RATE, Audio, resample
from fantasy_talking.speech.phonemes import SILENCE, ipa_viseme

# Mouth opening of each viseme class, 0 closed .. 1 wide open.
VISEME_APERTURE: dict[str, float] = {
    "sil": 0.0, "PP": 0.0, "FF": 0.15, "TH": 0.25, "DD": 0.3, "kk": 0.35, "CH": 0.3, "SS": 0.2,
    "nn": 0.3, "RR": 0.35, "aa": 1.0, "E": 0.7, "I": 0.45, "O": 0.75, "U": 0.35,
}

# (voice, text) per language: ordinary sentences, rich in bilabials and open vowels.
SENTENCES: dict[str, tuple[str, str]] = {
    "en": ("en-us", "Bob bought a big blue map, and maybe my mother put it by the pump."),
    "cmn": ("cmn-latn-pinyin", "爸爸买了一本书，妈妈不怕麻烦，朋友们都很满意。"),
    "de": ("de", "Mein Bruder baut im Sommer ein blaues Boot am Bodensee."),
    "fr": ("fr", "Papa met du beurre dans le pain et boit un bon vin blanc."),
    "es": ("es", "Mi padre bebe poco vino en el bar de Pablo, pero come mucho pan."),
    "ja": ("ja", "ぼくはまいにちパンをたべます。ママはバナナがすきです。"),
}

_STRESS_AND_LENGTH = "ˈˌːˑ'.,_-0123456789 "

# espeak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_PHONEME_IPA = 0x0002
_INITIALIZE_DONT_EXIT = 0x8000
_EVENT_LIST_TERMINATED = 0
_EVENT_PHONEME = 7
_CHARS_UTF8 = 1
_POS_CHARACTER = 1


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
        ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p), ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.POINTER(_Event))


@dataclass(frozen=True)
class Phone:
    """One synthesised phone: IPA, viseme class and its span in seconds."""

    ipa: str
    viseme: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class TtsSample:
    """A synthesised sentence with its exact phones."""

    language: str
    text: str
    audio: Audio
    phones: list[Phone]


class EspeakError(RuntimeError):
    """libespeak-ng is missing or refused the request."""


class _Espeak:
    """The libespeak-ng library, initialised once per process in synchronous mode."""

    _instance: "_Espeak | None" = None

    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self.lib = ctypes.CDLL(name)
        except OSError as exc:
            raise EspeakError(f"libespeak-ng not found ({exc}); install the Debian package libespeak-ng1") from exc
        options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA | _INITIALIZE_DONT_EXIT
        self.rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, options)
        if self.rate <= 0:
            raise EspeakError("espeak_Initialize failed")
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, str]] = []
        self._callback = _SynthCallback(self._on_synth)
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> "_Espeak":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _on_synth(self, wav, n_samples, events) -> int:
        if wav and n_samples > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                self._events.append((event.audio_position, event.id.string.decode("utf-8", "replace")))
            i += 1
        return 0

    def synth(self, voice: str, text: str) -> tuple[np.ndarray, list[tuple[int, str]]]:
        """Samples (int16 at self.rate) and (ms, IPA) phoneme events of one utterance."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise EspeakError(f"espeak-ng has no voice {voice!r}")
        self._chunks, self._events = [], []
        data = text.encode("utf-8") + b"\0"
        self.lib.espeak_Synth(data, ctypes.c_size_t(len(data)), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return samples, list(self._events)


def phones_from_events(events: list[tuple[int, str]], duration_s: float) -> list[Phone]:
    """Each phone runs from its event to the next one; stress and length marks are dropped."""
    phones = []
    for k, (ms, ipa) in enumerate(events):
        end = events[k + 1][0] / 1000 if k + 1 < len(events) else duration_s
        symbol = ipa.strip(_STRESS_AND_LENGTH)
        viseme = ipa_viseme(symbol) if symbol else SILENCE
        if end > ms / 1000:
            phones.append(Phone(symbol, viseme, ms / 1000, end))
    return phones


def synthesize(language: str) -> TtsSample:
    """One sentence of `language` (a key of SENTENCES) as 16 kHz audio with its phones."""
    voice, text = SENTENCES[language]
    engine = _Espeak.get()
    raw, events = engine.synth(voice, text)
    samples = resample(raw.astype(np.float32) / 32768.0, engine.rate, SAMPLE_RATE)
    audio = Audio(samples, SAMPLE_RATE)
    return TtsSample(language, text, audio, phones_from_events(events, audio.duration_s))


def truth_aperture(phones: list[Phone], fps: float, n_frames: int, oversample: int = 8) -> np.ndarray:
    """Mean viseme aperture over each frame's span [t − 0.5/fps, t + 0.5/fps)."""
    offsets = (np.arange(oversample) + 0.5) / oversample - 0.5
    times = (np.arange(n_frames)[:, None] + offsets[None, :]) / fps
    starts = np.array([p.start_s for p in phones])
    values = np.array([VISEME_APERTURE[p.viseme] for p in phones])
    idx = np.searchsorted(starts, times, side="right") - 1
    inside = (idx >= 0) & (times < (phones[-1].end_s if phones else 0.0))
    return np.where(inside, values[np.clip(idx, 0, len(values) - 1)], 0.0).mean(axis=1)


def closure_frames(phones: list[Phone], fps: float, n_frames: int) -> np.ndarray:
    """Frames a bilabial phone covers (at least the frame nearest its centre)."""
    mask = np.zeros(n_frames, dtype=bool)
    for p in phones:
        if p.viseme != "PP":
            continue
        first = int(np.ceil(p.start_s * fps - 1e-9))
        last = int(np.ceil(p.end_s * fps - 1e-9))
        if last <= first:
            first = int(round((p.start_s + p.end_s) / 2 * fps))
            last = first + 1
        mask[max(0, first):min(n_frames, last)] = True
    return mask


def speech_frames(phones: list[Phone], fps: float, n_frames: int) -> np.ndarray:
    """Frames from the first to the last non-silent phone."""
    spoken = [p for p in phones if p.viseme != SILENCE]
    mask = np.zeros(n_frames, dtype=bool)
    if spoken:
        mask[int(spoken[0].start_s * fps):min(n_frames, int(np.ceil(spoken[-1].end_s * fps)))] = True
    return mask
