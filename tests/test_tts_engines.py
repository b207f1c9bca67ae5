"""TTS engines behind the TtsEngine interface: espeak-ng (C library) and Festival (subprocess)."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from fantasy_talking.audio.decode import SAMPLE_RATE
from fantasy_talking.speech.phonemes import VISEMES
from fantasy_talking.speech.tts.base import SynthesisCancelled, TtsEngine, TtsError
from fantasy_talking.speech.tts.espeak import MBROLA_DIR, EspeakEngine
from fantasy_talking.speech.tts.festival import FestivalEngine
from fantasy_talking.speech.tts.registry import TtsRegistry, installed_engines


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    try:
        return EspeakEngine()
    except RuntimeError as exc:
        pytest.skip(f"libespeak-ng is not installed (tools/setup.sh installs it): {exc}")


@pytest.fixture(scope="module")
def festival() -> FestivalEngine:
    engine = FestivalEngine()
    if not engine.available:
        pytest.skip("Festival is not installed (tools/setup.sh installs festival and festvox-kallpc16k)")
    return engine


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples)))) if len(samples) else 0.0


def check_synthesis(engine: TtsEngine, text: str, voice: str, sample_rate: int = SAMPLE_RATE):
    """What every engine must give: non-silent audio at the asked rate, and contiguous phones that cover it."""
    assert isinstance(engine, TtsEngine)
    audio, phones = engine.synthesize(text, voice, sample_rate=sample_rate)
    assert audio.sample_rate == sample_rate
    assert audio.samples.dtype == np.float32
    assert rms(audio.samples) > 0.01
    assert phones[0].start_s == 0.0
    assert phones[-1].end_s == pytest.approx(audio.duration_s, abs=2e-3)
    for before, after in zip(phones, phones[1:]):
        assert after.start_s == pytest.approx(before.end_s)
        assert after.end_s > after.start_s
    assert all(p.viseme in VISEMES for p in phones)
    return audio, phones


def speech_phones(phones) -> list[str]:
    return [p.phone for p in phones if p.viseme != "sil"]


def test_espeak_english_phones_with_exact_timing(espeak):
    audio, phones = check_synthesis(espeak, "Bob meets Pam.", "en-US")
    spoken = speech_phones(phones)
    assert spoken[:3] == ["b", "ɑː", "b"]
    assert [p.viseme for p in phones if p.phone in ("b", "m", "p")] == ["PP"] * 5
    # Every phone's span carries sound except pauses: the timings come from the synthesiser itself.
    voiced = [p for p in phones if p.viseme in ("aa", "E", "I") and p.end_s - p.start_s > 0.05]
    for p in voiced:
        span = audio.samples[int(p.start_s * SAMPLE_RATE):int(p.end_s * SAMPLE_RATE)]
        assert rms(span) > 0.02, p


def test_espeak_output_rate_changes_samples_not_timing(espeak):
    low, phones_low = check_synthesis(espeak, "Hello there.", "en-US", 8000)
    high, phones_high = check_synthesis(espeak, "Hello there.", "en-US", 48000)
    assert [p.phone for p in phones_low] == [p.phone for p in phones_high]
    assert low.duration_s == pytest.approx(high.duration_s, abs=0.01)


def test_espeak_mandarin_speaks_mandarin_not_pinyin_read_as_english(espeak):
    _, phones = check_synthesis(espeak, "你好, 我有三个苹果.", "cmn")
    spoken = speech_phones(phones)
    assert "χ" in spoken and "ɑu" in spoken          # hao3
    assert "θ" not in spoken and "ɹ" not in spoken    # no English "three" for the tone digits


def test_espeak_mixed_chinese_and_english(espeak):
    _, phones = check_synthesis(espeak, "我喜欢 Python 编程.", "cmn-Latn-pinyin")
    spoken = speech_phones(phones)
    assert "θ" in spoken and "aɪ" in spoken           # "Python" in English
    assert "ɕ" in spoken                               # xi3 in Mandarin


def test_espeak_cantonese(espeak):
    check_synthesis(espeak, "你好, 我哋去饮茶啦.", "yue")


def test_espeak_voices_and_languages(espeak):
    assert espeak.default_voice("zh-CN").name == "cmn-Latn-pinyin"
    assert espeak.default_voice("zh-HK").name == "yue"
    assert espeak.default_voice("en-US").name == "en-US"
    assert espeak.default_voice("fr-CA").name == "fr"
    assert {"en-us", "cmn", "yue", "zh-cn"} <= set(espeak.languages())
    if not MBROLA_DIR.is_dir():
        assert not [v.name for v in espeak.voices() if v.name.startswith("mb-")]
    with pytest.raises(TtsError, match="not spoken"):
        espeak.default_voice("xx-YY")


def test_espeak_variants_and_bad_voices(espeak):
    check_synthesis(espeak, "Hi.", "en-US+f3")
    with pytest.raises(TtsError, match="unknown voice variant"):
        espeak.synthesize("Hi.", "en-US+nosuchvariant")
    with pytest.raises(TtsError, match="unknown voice"):
        espeak.synthesize("Hi.", "no-such-voice")
    with pytest.raises(TtsError, match="rate"):
        espeak.synthesize("Hi.", "en-US", rate=9)


def test_espeak_rate_changes_duration(espeak):
    slow, _ = espeak.synthesize("This sentence is spoken at two speeds.", "en-US", rate=0.6)
    fast, _ = espeak.synthesize("This sentence is spoken at two speeds.", "en-US", rate=2.0)
    assert fast.duration_s < 0.7 * slow.duration_s


def test_espeak_cancel_stops_synthesis(espeak):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SynthesisCancelled):
        espeak.synthesize("A long sentence that would take a while to say. " * 20, "en-US", cancel=cancel)
    check_synthesis(espeak, "Still works.", "en-US")


def test_espeak_is_safe_from_many_threads(espeak):
    results: dict[int, int] = {}

    def say(i: int) -> None:
        results[i] = len(espeak.synthesize("Threads take turns.", "en-US").phones)

    threads = [threading.Thread(target=say, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results.values())) == 1


def test_festival_is_a_second_engine_behind_the_same_interface(festival):
    audio, phones = check_synthesis(festival, 'Bob said "hello" to Pam.', "kal_diphone", 22050)
    spoken = speech_phones(phones)
    assert spoken[:3] == ["b", "aa", "b"]                 # ARPAbet from Festival's own segment relation
    assert [p.viseme for p in phones if p.phone in ("b", "m", "p")] == ["PP"] * 4
    fast, _ = festival.synthesize("Bob said hello to Pam.", "kal_diphone", rate=2.0)
    assert fast.duration_s < 0.8 * audio.duration_s
    with pytest.raises(TtsError, match="US English"):
        festival.default_voice("zh-CN")


def test_festival_cancel_kills_the_process(festival):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(SynthesisCancelled):
        festival.synthesize("Never spoken.", "kal_diphone", cancel=cancel)


def test_registry_resolves_language_and_voice():
    registry = TtsRegistry(installed_engines())
    if not registry.engines:
        pytest.skip("no TTS engine installed")
    engine, voice = registry.resolve("zh-CN")
    assert (engine.name, voice.name) == ("espeak", "cmn-Latn-pinyin")
    assert registry.resolve("", "en-US+f3")[1].name == "en-US"
    assert registry.resolve("")[1].name == "en-US"
    for language, voice, message in [("xx-YY", "", "no voice speaks"), ("12", "", "BCP-47"),
                                     ("", "nobody", "unknown voice"), ("zh-CN", "en-US", "speaks en-us, not zh-CN")]:
        with pytest.raises(TtsError, match=message):
            registry.resolve(language, voice)
    if any(e.name == "festival" for e in registry.engines):
        assert registry.resolve("en-US", "kal_diphone")[0].name == "festival"


def test_espeak_voiceless_stops_include_their_closure(espeak):
    audio, phones = espeak.synthesize("a happy hippo", "en-US")
    stops = [p for p in phones if p.phone == "p"]
    assert len(stops) == 2
    for stop in stops:
        closure = audio.samples[int(stop.start_s * SAMPLE_RATE):int((stop.start_s + 0.02) * SAMPLE_RATE)]
        assert np.abs(closure).max() < 0.01          # the span starts with the silent closure ...
        assert stop.end_s - stop.start_s > 0.05      # ... not only the 33 ms burst espeak-ng reports
