"""English transcript text → the words a pronouncing dictionary can look up.

Forced alignment needs every word spelled the way the CMU dictionary spells it: lower case,
no punctuation, digits written out. Words the dictionary still lacks (names, brands) get a
pronunciation from espeak-ng's letter-to-sound rules, converted from IPA to ARPAbet.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from functools import lru_cache

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))
_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
             "nine": "ninth", "twelve": "twelfth"}
_SYMBOLS = {"&": " and ", "%": " percent ", "+": " plus ", "@": " at ", "=": " equals "}

_NUMBER = re.compile(r"(\d+(?:,\d{3})*)(?:\.(\d+))?(st|nd|rd|th)?")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def number_words(n: int) -> list[str]:
    """Cardinal number in words: 1234 → one thousand two hundred thirty four."""
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + (number_words(n % 10) if n % 10 else [])
    for scale, name in _SCALES:
        if n >= scale:
            rest = number_words(n % scale) if n % scale else []
            return number_words(n // scale) + [name] + rest
    raise AssertionError("unreachable")


def _ordinal(words: list[str]) -> list[str]:
    last = words[-1]
    if last in _ORDINALS:
        ordinal = _ORDINALS[last]
    elif last.endswith("y"):
        ordinal = last[:-1] + "ieth"
    else:
        ordinal = last + "th"
    return words[:-1] + [ordinal]


def _spell_number(match: re.Match[str]) -> str:
    digits, decimals, suffix = match.group(1).replace(",", ""), match.group(2), match.group(3)
    value = int(digits)
    if suffix:
        return " ".join(_ordinal(number_words(value)))
    looks_like_year = match.group(1) == digits and 1100 <= value <= 1999 and value % 100
    if decimals is None and looks_like_year:
        words = number_words(value // 100) + number_words(value % 100)
        if value % 100 < 10:
            words.insert(-1, "oh")
        return " ".join(words)
    words = number_words(value)
    if decimals is not None:
        words += ["point"] + [_ONES[int(d)] for d in decimals]
    return " ".join(words)


def normalize_words(text: str) -> list[str]:
    """Lower-case dictionary words of `text`: digits spelled out, punctuation dropped.

    "Dr. Smith's 2nd car costs $3.50!" → ["dr", "smith's", "second", "car", "costs", "three",
    "point", "five", "zero"]. Hyphens and slashes separate words; apostrophes inside words stay
    (the dictionary has "don't", "it's"); accents are dropped ("café" → "cafe").
    """
    text = unicodedata.normalize("NFKD", text).lower()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    for symbol, spoken in _SYMBOLS.items():
        text = text.replace(symbol, spoken)
    text = _NUMBER.sub(lambda m: f" {_spell_number(m)} ", text)
    return _WORD.findall(text)


# IPA as espeak-ng writes it (`--ipa=1`, one phoneme per `_`-separated token) → ARPAbet.
_IPA_TO_ARPABET: dict[str, str] = {
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "ɡ": "G", "ʔ": "T", "ɾ": "D",
    "m": "M", "n": "N", "ŋ": "NG", "f": "F", "v": "V", "θ": "TH", "ð": "DH", "s": "S", "z": "Z",
    "ʃ": "SH", "ʒ": "ZH", "tʃ": "CH", "dʒ": "JH", "h": "HH", "l": "L", "ɫ": "L", "ɹ": "R",
    "r": "R", "j": "Y", "w": "W", "x": "HH",
    "i": "IY", "ɪ": "IH", "ᵻ": "IH", "e": "EY", "eɪ": "EY", "ɛ": "EH", "æ": "AE", "a": "AA",
    "aɪ": "AY", "aʊ": "AW", "ɑ": "AA", "ɒ": "AA", "ɔ": "AO", "ɔɪ": "OY", "o": "OW", "oʊ": "OW",
    "əʊ": "OW", "ʊ": "UH", "u": "UW", "ʌ": "AH", "ə": "AH", "ɐ": "AH", "ɚ": "ER", "ɜ": "ER",
    "ɝ": "ER",
}
_IPA_KEYS = sorted(_IPA_TO_ARPABET, key=len, reverse=True)
_IPA_MARKS = str.maketrans("", "", "ˈˌːˑ\u0329\u032f")


def ipa_to_arpabet(ipa: str) -> list[str]:
    """ARPAbet phones of an IPA string, longest symbol first; unknown symbols are dropped."""
    phones: list[str] = []
    rest = ipa.translate(_IPA_MARKS).replace("_", "").replace(" ", "")
    while rest:
        key = next((k for k in _IPA_KEYS if rest.startswith(k)), None)
        if key is None:
            rest = rest[1:]
            continue
        phones.append(_IPA_TO_ARPABET[key])
        rest = rest[len(key):]
    return phones


@lru_cache(maxsize=4096)
def guess_pronunciation(word: str) -> str | None:
    """ARPAbet pronunciation of a word from espeak-ng's letter-to-sound rules.

    None when espeak-ng is not installed or finds no phonemes; the caller then leaves the word
    out of the alignment.
    """
    espeak = shutil.which("espeak-ng")
    if espeak is None or not _WORD.fullmatch(word):
        return None
    result = subprocess.run([espeak, "-q", "-v", "en-us", "--ipa=1", word],
                            capture_output=True, text=True, timeout=10, check=False)
    phones = ipa_to_arpabet(result.stdout.strip()) if result.returncode == 0 else []
    return " ".join(phones) or None
