"""The plug-in interface every text-to-speech engine implements.

An engine turns one sentence into audio *and* the phones it spoke, with their times taken
from the synthesiser itself (no recognition, no guessing). The animation then follows the
exact timing of the voice. Engines are found through `registry.py`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import NamedTuple, Protocol, runtime_checkable

from fantasy_talking.audio.decode import MAX_INPUT_RATE, MIN_INPUT_RATE, Audio
from fantasy_talking.speech.phonemes import SILENCE, PhoneSegment

RATE_RANGE = (0.5, 2.5)
PITCH_RANGE = (0.5, 2.0)
VOLUME_RANGE = (0.0, 2.0)


class TtsError(ValueError):
    """The request cannot be synthesised (unknown voice or language, value out of range); the message says what to send."""


class SynthesisCancelled(Exception):
    """The caller asked to stop while the engine was synthesising."""


@dataclass(frozen=True)
class Voice:
    """A voice an engine offers. `name` is what callers pass as `voice`."""

    name: str
    engine: str
    language: str
    languages: tuple[str, ...]
    gender: str = ""
    description: str = ""


@dataclass(frozen=True)
class Prosody:
    """How to speak, relative to the voice's defaults (1 means the default)."""

    rate: float = 1.0
    pitch: float = 1.0
    volume: float = 1.0

    def __post_init__(self) -> None:
        for name, (low, high) in (("rate", RATE_RANGE), ("pitch", PITCH_RANGE), ("volume", VOLUME_RANGE)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise TtsError(f"{name} must be {low:g}..{high:g} (1 is the voice's default), got {value:g}")


def check_sample_rate(sample_rate: int) -> int:
    """The output rate when engines can produce it (the same range PCM input accepts); raises TtsError otherwise."""
    if not MIN_INPUT_RATE <= sample_rate <= MAX_INPUT_RATE:
        raise TtsError(f"sample rate must be {MIN_INPUT_RATE}..{MAX_INPUT_RATE} Hz, got {sample_rate}")
    return sample_rate


class Synthesis(NamedTuple):
    """Audio of one text and the phones in it, timed in seconds from the start of that audio."""

    audio: Audio
    phones: list[PhoneSegment]


@runtime_checkable
class TtsEngine(Protocol):
    """A text-to-speech engine.

    `synthesize` speaks one sentence (callers split paragraphs, see text.split_sentences)
    and must stop soon after `cancel` is set, raising SynthesisCancelled. Engines that are
    not thread-safe serialise themselves; callers may call from any thread.
    """

    name: str

    def languages(self) -> tuple[str, ...]:
        """BCP-47 tags (lower case) the engine speaks."""
        ...

    def voices(self, language: str = "") -> list[Voice]:
        """Voices usable now, for `language` when given (best match first)."""
        ...

    def find_voice(self, name: str) -> Voice:
        """The voice called `name` (case-insensitive); raises TtsError when the engine has none."""
        ...

    def default_voice(self, language: str) -> Voice:
        """The voice used when a request names only a language; raises TtsError for unknown languages."""
        ...

    def synthesize(self, text: str, voice: str, rate: float = 1.0, pitch: float = 1.0, volume: float = 1.0,
                   sample_rate: int = 16_000, cancel: threading.Event | None = None) -> Synthesis:
        """Speak `text` with `voice`; phones are timed from the synthesiser's own events."""
        ...


def phones_from_starts(starts: list[tuple[float, str]], end_s: float, viseme_of) -> list[PhoneSegment]:
    """Phone start times (name "" for a pause) → contiguous PhoneSegments ending at `end_s`.

    Zero-length phones are dropped, time before the first phone is silence, and
    neighbouring pauses merge into one.
    """
    segments: list[PhoneSegment] = []
    bounds = [(0.0, "")] + sorted(starts, key=lambda s: s[0]) + [(end_s, "")]
    for (start, phone), (end, _) in zip(bounds[:-1], bounds[1:]):
        end = min(end, end_s)
        if end - start <= 1e-6:
            continue
        if not phone and segments and segments[-1].phone == SILENCE:
            segments[-1] = PhoneSegment(SILENCE, segments[-1].start_s, end, SILENCE)
            continue
        viseme = viseme_of(phone) if phone else SILENCE
        segments.append(PhoneSegment(phone or SILENCE, start, end, viseme))
    return segments
