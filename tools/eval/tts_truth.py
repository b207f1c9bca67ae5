"""TTS truth: espeak-ng speech with the synthesiser's own phoneme timings.

libespeak-ng reports every phone it synthesises with its sample offset, so the phone boundaries
are exact by construction, not estimated.
The truth aperture follows the viseme class of the phone under each frame (VISEME_APERTURE),
and the truth closures are the bilabial (PP) phones.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from fantasy_talking.audio.decode import SAMPLE_RATE, Audio
from fantasy_talking.speech.phonemes import SILENCE
from fantasy_talking.speech.tts.espeak import EspeakEngine

# Mouth opening of each viseme class, 0 closed .. 1 wide open.
VISEME_APERTURE: dict[str, float] = {
    "sil": 0.0, "PP": 0.0, "FF": 0.15, "TH": 0.25, "DD": 0.3, "kk": 0.35, "CH": 0.3, "SS": 0.2,
    "nn": 0.3, "RR": 0.35, "aa": 1.0, "E": 0.7, "I": 0.45, "O": 0.75, "U": 0.35,
}

# (voice, text) per language: ordinary sentences, rich in bilabials and open vowels.
SENTENCES: dict[str, tuple[str, str]] = {
    "en": ("en-us", "Bob bought a big blue map, and maybe my mother put it by the pump."),
    "cmn": ("cmn", "爸爸买了一本书，妈妈不怕麻烦，朋友们都很满意。"),
    "de": ("de", "Mein Bruder baut im Sommer ein blaues Boot am Bodensee."),
    "fr": ("fr", "Papa met du beurre dans le pain et boit un bon vin blanc."),
    "es": ("es", "Mi padre bebe poco vino en el bar de Pablo, pero come mucho pan."),
    "ja": ("ja", "ぼくはまいにちパンをたべます。ママはバナナがすきです。"),
}

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


def synthesize(language: str) -> TtsSample:
    """One sentence of `language` (a key of SENTENCES) as 16 kHz audio with its phones.

    Uses the product's espeak-ng engine, which reports each phone at its exact sample offset and
    moves a stop's start back to the start of its closure (espeak-ng marks /p/ at the burst,
    after the lips have already been shut through the silence)."""
    voice, text = SENTENCES[language]
    synthesis = _engine().synthesize(text, voice, sample_rate=SAMPLE_RATE)
    phones = [Phone(p.phone, p.viseme, p.start_s, p.end_s) for p in synthesis.phones]
    return TtsSample(language, text, synthesis.audio, phones)


@functools.lru_cache(maxsize=1)
def _engine() -> EspeakEngine:
    return EspeakEngine()


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
