"""Phones and their viseme classes.

Engines that know phones (PocketSphinx, TTS) describe speech as `PhoneSegment`s. The viseme
of a phone is one of the 15 Oculus/Meta visemes in VISEMES; the animation layer turns
visemes into articulator targets (animation/visemes.py) and names their curves (animation/rig.py).
"""
from __future__ import annotations

from dataclasses import dataclass

# Oculus/Meta Lipsync visemes, in their canonical index order.
VISEMES: tuple[str, ...] = (
    "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "I", "O", "U",
)
SILENCE = "sil"


@dataclass(frozen=True)
class PhoneSegment:
    """One phone with its time span in seconds on the audio clock."""

    phone: str
    start_s: float
    end_s: float
    viseme: str

    @property
    def viseme_id(self) -> int:
        return VISEMES.index(self.viseme)


# ARPAbet (CMUdict, PocketSphinx en-US) → viseme. Stress digits are stripped before lookup.
ARPABET_TO_VISEME: dict[str, str] = {
    "SIL": "sil", "+SPN+": "sil", "+NSN+": "sil", "+BREATH+": "sil", "+COUGH+": "sil",
    "+NOISE+": "sil", "+UM+": "sil", "+UH+": "sil", "+SMACK+": "sil",
    "P": "PP", "B": "PP", "M": "PP",
    "F": "FF", "V": "FF",
    "TH": "TH", "DH": "TH",
    "T": "DD", "D": "DD",
    "K": "kk", "G": "kk", "NG": "kk", "HH": "kk",
    "CH": "CH", "JH": "CH", "SH": "CH", "ZH": "CH",
    "S": "SS", "Z": "SS",
    "N": "nn", "L": "nn", "Y": "I",
    "R": "RR", "ER": "RR",
    "AA": "aa", "AE": "aa", "AH": "aa", "AY": "aa", "AW": "aa",
    "EH": "E", "EY": "E",
    "IH": "I", "IY": "I",
    "AO": "O", "OW": "O", "OY": "O",
    "UH": "U", "UW": "U", "W": "U",
}


def arpabet_viseme(phone: str) -> str:
    """Viseme of an ARPAbet phone; unknown phones count as silence."""
    return ARPABET_TO_VISEME.get(phone.upper().rstrip("012"), SILENCE)


# IPA (as espeak-ng writes it) → viseme, for engines that speak IPA. Longest symbols first.
IPA_TO_VISEME: dict[str, str] = {
    "p": "PP", "b": "PP", "m": "PP", "ɸ": "PP", "β": "PP",
    "f": "FF", "v": "FF", "ʋ": "FF",
    "θ": "TH", "ð": "TH",
    "t": "DD", "d": "DD", "ʈ": "DD", "ɖ": "DD", "ɾ": "DD",
    "k": "kk", "g": "kk", "ɡ": "kk", "ŋ": "kk", "x": "kk", "ɣ": "kk", "h": "kk", "q": "kk", "ʔ": "sil",
    "tʃ": "CH", "dʒ": "CH", "ʃ": "CH", "ʒ": "CH", "tɕ": "CH", "dʑ": "CH", "ɕ": "CH", "ʑ": "CH",
    "ʂ": "CH", "ʐ": "CH", "tʂ": "CH", "ts": "SS", "dz": "SS",
    "s": "SS", "z": "SS",
    "n": "nn", "l": "nn", "ɲ": "nn", "ɳ": "nn", "ɫ": "nn", "j": "I",
    "r": "RR", "ɹ": "RR", "ɻ": "RR", "ɚ": "RR", "ɝ": "RR", "ʁ": "RR", "ʀ": "RR",
    "a": "aa", "ɑ": "aa", "æ": "aa", "ʌ": "aa", "ɐ": "aa", "ə": "aa", "ɜ": "E", "ä": "aa",
    "e": "E", "ɛ": "E",
    "i": "I", "ɪ": "I", "ɨ": "I", "y": "U", "ʏ": "U",
    "o": "O", "ɔ": "O", "ɒ": "O", "ø": "O", "œ": "E", "ɤ": "E",
    "u": "U", "ʊ": "U", "ɯ": "I", "w": "U", "ɥ": "U",
    "χ": "kk", "ç": "CH", "c": "kk", "s.": "CH", "ts.": "CH", "z.": "CH", "ər": "RR",
}
_IPA_KEYS = sorted(IPA_TO_VISEME, key=len, reverse=True)


def ipa_viseme(phone: str) -> str:
    """Viseme of an IPA phone: the longest known prefix decides; unknown phones count as silence."""
    p = phone.strip()
    for key in _IPA_KEYS:
        if p.startswith(key):
            return IPA_TO_VISEME[key]
    return SILENCE
