"""Text before synthesis: checks, Chinese normalisation and numbers, sentences and script runs."""
from __future__ import annotations

import pytest

from fantasy_talking.speech.tts.text import (
    MAX_TEXT_CHARS, TextError, check_text, chinese_integer, chinese_numbers, normalize, script_runs,
    split_sentences,
)


@pytest.mark.parametrize("text, reason", [
    ("", "empty"), ("   \n\t ", "empty"), ("x" * (MAX_TEXT_CHARS + 1), "limit"),
    ("bell\x07here", "U+0007"), ("nul\x00", "U+0000"), ("escape\x1b[31m", "U+001B"),
])
def test_check_text_rejects_with_a_reason(text, reason):
    with pytest.raises(TextError, match=reason.replace("+", r"\+")):
        check_text(text)


def test_check_text_keeps_newlines_and_tabs():
    assert check_text("  one\n\ttwo  ") == "one\n\ttwo"


@pytest.mark.parametrize("n, spoken", [
    (0, "零"), (7, "七"), (10, "十"), (15, "十五"), (20, "二十"), (105, "一百零五"), (110, "一百一十"),
    (1010, "一千零一十"), (2025, "二千零二十五"), (10005, "一万零五"), (100000, "十万"),
    (120000, "十二万"), (100010000, "一亿零一万"), (300000001, "三亿零一"),
])
def test_chinese_integer(n, spoken):
    assert chinese_integer(n) == spoken


@pytest.mark.parametrize("text, spoken", [
    ("我有3个苹果", "我有三个苹果"), ("2个人", "两个人"), ("2025年", "二零二五年"), ("3.5元", "三点五元"),
    ("50%", "百分之五十"), ("零下 -3 度", "零下 负三 度"), ("区号010", "区号零一零"), ("MP3 播放器", "MP3 播放器"),
    ("3-5 天", "三-五 天"),
])
def test_chinese_numbers(text, spoken):
    assert chinese_numbers(text) == spoken


def test_normalize_chinese_punctuation_and_full_width_forms():
    text = normalize("你好，欢迎光临！“测试”（一）：１２３。", "zh-CN")
    assert text == '你好, 欢迎光临! "测试" (一) : 一百二十三.'


def test_normalize_leaves_english_digits_to_the_voice():
    assert normalize("I have  3 apples.\n", "en-US") == "I have 3 apples."


def test_split_sentences_keeps_punctuation_and_drops_empty():
    text = normalize("你好，欢迎光临！我有3个苹果。。。 Hello there? Fine.", "zh-CN")
    assert split_sentences(text) == ["你好, 欢迎光临!", "我有三个苹果.", "Hello there?", "Fine."]


def test_split_sentences_after_ascii_punctuation_glued_to_chinese():
    assert split_sentences(normalize("你好.我很好!谢谢", "zh-CN")) == ["你好.", "我很好!", "谢谢"]


def test_split_sentences_cuts_long_sentences_at_clauses():
    long = ", ".join(f"clause number {i} has several words" for i in range(12)) + "."
    parts = split_sentences(long, long_chars=120)
    assert len(parts) > 1
    assert " ".join(parts) == long
    assert all(len(p) <= 120 for p in parts)


def test_split_sentences_cuts_text_without_punctuation():
    english = " ".join(["word"] * 200)
    chinese = "你好" * 200
    for text in (english, chinese):
        parts = split_sentences(text, long_chars=120)
        assert len(parts) > 2 and all(len(p) <= 120 for p in parts)
        assert "".join(parts).replace(" ", "") == text.replace(" ", "")


def test_script_runs_split_latin_from_chinese():
    runs = script_runs("我喜欢 Python 3 编程, MP3 播放器.")
    assert [(r.script, r.text) for r in runs] == [
        ("native", "我喜欢"), ("latin", "Python 3"), ("native", "编程,"), ("latin", "MP3"), ("native", "播放器."),
    ]


def test_script_runs_of_plain_text_is_one_run():
    assert [r.text for r in script_runs("Hello, world.")] == ["Hello, world."]
