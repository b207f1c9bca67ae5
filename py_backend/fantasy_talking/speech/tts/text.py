"""Text before synthesis: checks, normalisation, Chinese numbers, sentences and script runs.

Synthesis runs sentence by sentence so that the first sentence can be heard (and animated)
while the rest is still being synthesised. Chinese text is normalised here, not in the
engine: full-width punctuation becomes ASCII punctuation every voice understands, and
Arabic digits become Chinese numerals, so that a Mandarin voice reads "3个" as "三个".
"""
from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass

MAX_TEXT_CHARS = 5000
LONG_SENTENCE_CHARS = 120
"""Sentences longer than this are also split at clause punctuation (commas, colons)."""


class TextError(ValueError):
    """The text cannot be spoken; the message says why and what to send instead."""


def check_text(text: str) -> str:
    """The text with surrounding blanks removed; raises TextError when it is empty, too long or has control characters."""
    stripped = text.strip()
    if not stripped:
        raise TextError("text is empty; send the words to speak")
    if len(stripped) > MAX_TEXT_CHARS:
        raise TextError(f"text has {len(stripped)} characters, more than the {MAX_TEXT_CHARS} limit; split it")
    for position, char in enumerate(stripped):
        if char not in "\n\r\t" and unicodedata.category(char) == "Cc":
            raise TextError(f"text has control character U+{ord(char):04X} at position {position}; remove it")
    return stripped


def is_chinese(language: str) -> bool:
    """True for BCP-47 tags of Chinese languages (zh-*, cmn, yue)."""
    return language.lower().split("-")[0] in ("zh", "cmn", "yue")


# Chinese punctuation → ASCII punctuation and a space, so that sentence and clause ends look alike in every script.
_CJK_PUNCTUATION = str.maketrans({
    "。": ". ", "．": ". ", "、": ", ", "，": ", ", "！": "! ", "？": "? ", "；": "; ", "：": ": ",
    "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "『": '"', "』": '"',
    "《": '"', "》": '"', "〈": '"', "〉": '"', "（": " (", "）": ") ", "【": " (", "】": ") ",
    "…": "... ", "—": ", ", "～": " ", "·": " ",
})


def normalize(text: str, language: str) -> str:
    """Canonical text: NFKC (full-width letters and digits become ASCII), ASCII punctuation, single spaces.

    In Chinese, Arabic numbers become Chinese numerals (see `chinese_numbers`).
    """
    text = unicodedata.normalize("NFKC", text.translate(_CJK_PUNCTUATION))
    if is_chinese(language):
        text = chinese_numbers(text)
    return re.sub(r"\s+", " ", text).strip()


_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_BIG_UNITS = ("", "万", "亿", "万亿")
_MEASURE_WORDS = set("个只本位次件条张台种名岁天点块把双辆间层份")


def _below_10000(n: int) -> str:
    """Chinese reading of 1..9999 with the zeros Chinese speakers say ("一千零五")."""
    digits = f"{n:04d}"
    out, pending_zero = [], False
    for place, d in zip((3, 2, 1, 0), digits):
        if d == "0":
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[int(d)] + _SMALL_UNITS[place])
    return "".join(out)


def chinese_integer(n: int) -> str:
    """Chinese reading of a non-negative integer below 10^16: 2025 → 二千零二十五, 100005 → 十万零五."""
    if n == 0:
        return "零"
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    out, need_zero = [], False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or group < 1000):
            out.append("零")
        out.append(_below_10000(group) + _BIG_UNITS[index])
        need_zero = False
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


def _digit_by_digit(digits: str) -> str:
    return "".join(_DIGITS[int(d)] for d in digits)


_NUMBER = re.compile(r"(?<![A-Za-z\d.])(?P<sign>(?<!\w)-)?(?P<int>\d+)(?:\.(?P<frac>\d+))?(?P<pct>%)?")


def chinese_numbers(text: str) -> str:
    """Arabic numbers → Chinese numerals: 3 → 三, 2025年 → 二零二五年, 3.5 → 三点五, 50% → 百分之五十, 2个 → 两个.

    Digits glued to Latin letters ("MP3") are left for the Latin-script voice.
    Numbers with a leading zero or more than 16 digits (phone numbers, codes) are read digit by digit.
    """

    def spell(match: re.Match[str]) -> str:
        whole, frac = match["int"], match["frac"]
        after = text[match.end():match.end() + 1]
        if len(whole) > 16 or (len(whole) > 1 and whole.startswith("0")):
            spoken = _digit_by_digit(whole)
        elif len(whole) == 4 and after == "年" and not frac:
            spoken = _digit_by_digit(whole)
        elif whole == "2" and not frac and after in _MEASURE_WORDS:
            spoken = "两"
        else:
            spoken = chinese_integer(int(whole))
        if frac:
            spoken += "点" + _digit_by_digit(frac)
        if match["pct"]:
            spoken = "百分之" + spoken
        if match["sign"]:
            spoken = "负" + spoken
        return spoken

    return _NUMBER.sub(spell, text)


_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"')\]]*(?:\s+|(?=[\u3400-\u9fff]))|\n+")
_CLAUSE_END = re.compile(r"(?<=[,:])\s+")


def split_sentences(text: str, long_chars: int = LONG_SENTENCE_CHARS) -> list[str]:
    """Normalised text → sentences (with their punctuation), long ones cut again at clause punctuation."""
    sentences: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(sentence) <= long_chars:
            sentences.append(sentence)
            continue
        piece = ""
        for clause in _CLAUSE_END.split(sentence):
            piece = f"{piece} {clause}".strip()
            if len(piece) >= long_chars // 2:
                sentences += _wrap(piece, long_chars)
                piece = ""
        if piece:
            sentences += _wrap(piece, long_chars)
    return [s for s in sentences if any(ch.isalnum() for ch in s)]


def _wrap(piece: str, long_chars: int) -> list[str]:
    """A clause with no punctuation for twice `long_chars` is cut between words (or characters, in Chinese)."""
    if len(piece) <= 2 * long_chars:
        return [piece]
    return textwrap.wrap(piece, width=long_chars, break_long_words=True, break_on_hyphens=False)


@dataclass(frozen=True)
class ScriptRun:
    """A stretch of one script inside a sentence: "latin" (spoken with a Latin-script voice) or "native"."""

    script: str
    text: str


def _is_latin_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def script_runs(sentence: str) -> list[ScriptRun]:
    """Split mixed Chinese/English text into runs, so each can go to a voice that reads it.

    Spaces and punctuation stay with the run they follow; a run holds at least one letter or character.
    """
    runs: list[ScriptRun] = []
    current, script = "", ""
    for char in sentence:
        if char.isalnum():
            kind = "latin" if _is_latin_letter(char) or (char.isdigit() and script == "latin") else "native"
            if script and kind != script:
                runs.append(ScriptRun(script, current.strip()))
                current = ""
            script = kind
        current += char
    if current.strip():
        runs.append(ScriptRun(script or "native", current.strip()))
    return [r for r in runs if any(ch.isalnum() for ch in r.text)]
