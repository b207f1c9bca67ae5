"""The English phonetic path: PocketSphinx phone recognition and forced alignment on espeak-ng speech."""
from __future__ import annotations

import logging
import re
from functools import lru_cache

import numpy as np
import pytest
from pocketsphinx import get_model_path

from conftest import espeak_wav
from fantasy_talking.audio.decode import Audio, decode_file
from fantasy_talking.speech import sphinx
from fantasy_talking.speech.phonemes import SILENCE, PhoneSegment
from fantasy_talking.speech.transcript import ipa_to_arpabet, normalize_words

PETER = "Peter picked a peck of pickled peppers."
WEATHER = "The weather was fine, so we went to the beach. My brother brought a big blue umbrella."


@pytest.fixture(scope="module")
def peter(tmp_path_factory) -> Audio:
    return decode_file(espeak_wav(tmp_path_factory.mktemp("sphinx") / "peter.wav", PETER))


@pytest.fixture(scope="module")
def weather(tmp_path_factory) -> Audio:
    return decode_file(espeak_wav(tmp_path_factory.mktemp("sphinx") / "weather.wav", WEATHER))


@lru_cache(maxsize=1)
def cmudict() -> dict[str, list[list[str]]]:
    """Every pronunciation of every word in the wheel's CMU dictionary."""
    entries: dict[str, list[list[str]]] = {}
    with open(get_model_path("en-us/cmudict-en-us.dict"), encoding="utf-8") as lines:
        for line in lines:
            word, *phones = line.split()
            entries.setdefault(re.sub(r"\(\d+\)$", "", word), []).append(phones)
    return entries


def spoken(segments: list[PhoneSegment]) -> list[str]:
    return [s.phone for s in segments if s.phone != SILENCE]


def matches_pronunciations(phones: list[str], words: list[str]) -> bool:
    """Whether `phones` is the words' dictionary pronunciations in order, one variant per word."""
    if not words:
        return not phones
    return any(phones[:len(p)] == p and matches_pronunciations(phones[len(p):], words[1:])
               for p in cmudict()[words[0]])


def assert_covers(segments: list[PhoneSegment], duration_s: float) -> None:
    assert segments[0].start_s == 0.0
    assert segments[-1].end_s == pytest.approx(duration_s, abs=1e-9)
    for before, after in zip(segments, segments[1:]):
        assert before.end_s == pytest.approx(after.start_s, abs=1e-9)
        assert not (before.phone == after.phone == SILENCE)
    assert all(s.end_s > s.start_s for s in segments)


def test_recognition_covers_the_audio_with_several_visemes(weather):
    segments = sphinx.recognize_phones(weather)
    assert_covers(segments, weather.duration_s)
    visemes = {s.viseme for s in segments} - {SILENCE}
    assert len(visemes) >= 6, visemes
    assert len(spoken(segments)) >= 20


def test_alignment_gives_the_transcript_phones_in_order(weather):
    segments = sphinx.align_phones(weather, WEATHER)
    assert_covers(segments, weather.duration_s)
    assert matches_pronunciations(spoken(segments), normalize_words(WEATHER))
    assert segments[-1].phone == SILENCE


def test_alignment_finds_every_p_of_peter_piper_in_order(peter):
    segments = sphinx.align_phones(peter, PETER)
    starts = [s.start_s for s in segments if s.phone == "P"]
    assert len(starts) == 6
    assert all(0.0 < t < peter.duration_s for t in starts)
    assert all(later - earlier > 0.08 for earlier, later in zip(starts, starts[1:]))
    assert all(s.viseme == "PP" for s in segments if s.phone in ("P", "B", "M"))
    speech_end = max(s.end_s for s in segments if s.phone != SILENCE)
    assert starts[-1] > 0.6 * speech_end


def test_silence_gives_one_silent_segment():
    quiet = Audio(np.zeros(16_000, dtype=np.float32))
    hiss = Audio(np.random.default_rng(1).normal(0, 1e-4, 16_000).astype(np.float32))
    for audio in (quiet, hiss):
        for segments in (sphinx.recognize_phones(audio), sphinx.align_phones(audio, PETER)):
            assert segments == [PhoneSegment(SILENCE, 0.0, 1.0, SILENCE)]


def test_very_short_audio_is_covered():
    for n_samples in (50, 800):
        blip = Audio(np.random.default_rng(2).normal(0, 0.1, n_samples).astype(np.float32))
        for segments in (sphinx.recognize_phones(blip), sphinx.align_phones(blip, "hello")):
            assert_covers(segments, n_samples / 16_000)


def test_results_are_deterministic(peter):
    assert sphinx.recognize_phones(peter) == sphinx.recognize_phones(peter)
    assert sphinx.align_phones(peter, PETER) == sphinx.align_phones(peter, PETER)


def test_long_audio_is_aligned_piece_by_piece(weather, monkeypatch):
    whole = sphinx.align_phones(weather, WEATHER)
    monkeypatch.setattr(sphinx, "CHUNK_S", 2.0)
    pieces = sphinx.align_phones(weather, WEATHER)
    assert_covers(pieces, weather.duration_s)
    assert matches_pronunciations(spoken(pieces), normalize_words(WEATHER))
    p_whole = [s.start_s for s in whole if s.phone in ("B", "M")]
    p_pieces = [s.start_s for s in pieces if s.phone in ("B", "M")]
    assert np.allclose(p_whole, p_pieces, atol=0.05)
    recognized = sphinx.recognize_phones(weather)
    assert_covers(recognized, weather.duration_s)


def test_a_wrong_transcript_falls_back_to_recognition(peter, caplog):
    with caplog.at_level(logging.WARNING, logger=sphinx.__name__):
        segments = sphinx.align_phones(peter, "zebras quietly juggle seventeen violins")
    assert_covers(segments, peter.duration_s)
    assert "recognizing phones" in caplog.text
    assert segments == sphinx.recognize_phones(peter)


def test_words_missing_from_the_dictionary_are_pronounced_by_espeak(tmp_path):
    audio = decode_file(espeak_wav(tmp_path / "xyzzy.wav", "Say xyzzy to me."))
    phones = spoken(sphinx.align_phones(audio, "Say xyzzy to me."))
    assert "".join(phones).find("ZAYZIY") > 0


def test_transcripts_are_normalised_for_the_dictionary():
    assert normalize_words("Dr. Smith's 2nd car, in 1984, cost $1,250.5 & 7%!") == [
        "dr", "smith's", "second", "car", "in", "nineteen", "eighty", "four", "cost", "one",
        "thousand", "two", "hundred", "fifty", "point", "five", "and", "seven", "percent"]
    assert normalize_words("Don’t re-use 21st-century AI/ML at the café") == [
        "don't", "re", "use", "twenty", "first", "century", "ai", "ml", "at", "the", "cafe"]
    assert ipa_to_arpabet("θ_ə_ɹ_ˈoʊ") == ["TH", "AH", "R", "OW"]
    assert ipa_to_arpabet("dʒ_ˈʌ_dʒ") == ["JH", "AH", "JH"]
