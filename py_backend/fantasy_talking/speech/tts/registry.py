"""Which TTS engines are installed, and which engine and voice a request means.

Engines are tried in order: espeak-ng first (every language it has), then the others for
the languages and voices only they offer. Voice names are unique across engines.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Sequence

from fantasy_talking.speech.tts.base import TtsEngine, TtsError, Voice

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "en-US"
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$")


class TtsRegistry:
    """A fixed list of engines, asked in order."""

    def __init__(self, engines: Sequence[TtsEngine]) -> None:
        self.engines = list(engines)

    def languages(self) -> tuple[str, ...]:
        return tuple(sorted({lang for e in self.engines for lang in e.languages()}))

    def voices(self, language: str = "") -> list[Voice]:
        if language:
            check_language(language)
        return [v for e in self.engines for v in e.voices(language)]

    def resolve(self, language: str = "", voice: str = "") -> tuple[TtsEngine, Voice]:
        """The engine and voice for a request; raises TtsError for unknown or mismatched names."""
        if language:
            check_language(language)
        if voice:
            for engine in self.engines:
                try:
                    candidate = engine.find_voice(voice)
                except TtsError:
                    continue
                if language and not _speaks(candidate, language):
                    raise TtsError(f"voice {candidate.name!r} speaks {candidate.language}, not {language}; "
                                   "leave the language empty or pick a voice from ListVoices")
                return engine, candidate
            raise TtsError(f"unknown voice {voice!r}; ListVoices names the voices")
        for engine in self.engines:
            candidates = engine.voices(language or DEFAULT_LANGUAGE)
            if candidates:
                return engine, candidates[0]
        raise TtsError(f"no voice speaks language {language!r}; ListVoices names the languages and voices")


def check_language(language: str) -> str:
    if not _LANGUAGE_TAG.match(language):
        raise TtsError(f"language {language!r} is not a BCP-47 tag such as en-US or zh-CN")
    return language


def _speaks(voice: Voice, language: str) -> bool:
    primary = language.lower().split("-")[0]
    chinese = {"zh", "cmn", "yue"}
    return any(l.split("-")[0] == primary or (primary in chinese and l.split("-")[0] in chinese)
               for l in voice.languages)


def installed_engines() -> list[TtsEngine]:
    """Every engine whose programs and data are on this machine, espeak-ng first."""
    from fantasy_talking.speech.tts.espeak import EspeakEngine
    from fantasy_talking.speech.tts.festival import FestivalEngine

    engines: list[TtsEngine] = []
    try:
        engines.append(EspeakEngine())
    except RuntimeError as exc:
        log.warning("espeak-ng unavailable: %s", exc)
    festival = FestivalEngine()
    if festival.available:
        engines.append(festival)
    return engines


@lru_cache(maxsize=1)
def default_registry() -> TtsRegistry:
    """The process-wide registry of installed engines."""
    return TtsRegistry(installed_engines())
