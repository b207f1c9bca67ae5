"""The phone path: coarticulated visemes with exact timings (TTS and forced alignment)."""
from __future__ import annotations

import numpy as np

from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.audio.decode import Audio
from fantasy_talking.pipeline import PhoneAnimator
from fantasy_talking.speech.phonemes import PhoneSegment, arpabet_viseme, ipa_viseme


def phones_from(spec: list[tuple[str, float]]) -> list[PhoneSegment]:
    """ARPAbet phones with durations → contiguous segments from t = 0."""
    out, t = [], 0.0
    for phone, duration in spec:
        out.append(PhoneSegment(phone, t, t + duration, arpabet_viseme(phone)))
        t += duration
    return out


def animate(spec, fps=100):
    phones = phones_from(spec)
    audio = Audio(np.zeros(int(phones[-1].end_s * 16000), np.float32))
    return phones, PhoneAnimator(AnimationOptions(fps=fps, blink=0.0)).animate(phones, audio)


def value_at(clip, name, t):
    return float(clip.curve(name)[int(round(t * clip.fps))])


def test_bilabials_close_the_lips_between_open_vowels():
    phones, clip = animate([("SIL", 0.2), ("AA", 0.15), ("P", 0.08), ("AA", 0.15), ("M", 0.08),
                            ("AE", 0.15), ("B", 0.07), ("AA", 0.2), ("SIL", 0.2)])
    for p in phones:
        mid = (p.start_s + p.end_s) / 2
        jaw, close = value_at(clip, "JawOpen", mid), value_at(clip, "MouthClose", mid)
        if p.viseme == "PP":
            assert jaw - close < 0.03, f"lips not sealed at {p.phone} ({jaw=:.2f}, {close=:.2f})"
            assert value_at(clip, "MouthPressLeft", mid) > 0.3
        elif p.viseme == "aa":
            assert jaw > 0.55 and jaw - close > 0.5, f"{p.phone} not open"


def test_rounded_vowels_pucker_and_spread_vowels_do_not():
    phones, clip = animate([("SIL", 0.2), ("UW", 0.2), ("SIL", 0.2), ("IY", 0.2), ("SIL", 0.2), ("OW", 0.2)])
    u, i, o = (p for p in phones if p.phone != "SIL")
    mid = lambda p: (p.start_s + p.end_s) / 2
    assert value_at(clip, "MouthPucker", mid(u)) > 0.6
    assert value_at(clip, "MouthPucker", mid(i)) < 0.1
    assert value_at(clip, "MouthStretchLeft", mid(i)) > value_at(clip, "MouthStretchLeft", mid(u))
    assert value_at(clip, "MouthFunnel", mid(o)) > 0.4
    assert value_at(clip, "JawOpen", mid(o)) > value_at(clip, "JawOpen", mid(u))


def test_coarticulation_is_smooth_and_anticipates():
    phones, clip = animate([("SIL", 0.3), ("AA", 0.2), ("SIL", 0.3)])
    jaw = clip.curve("JawOpen")
    assert np.abs(np.diff(jaw)).max() < 0.15, "the jaw jumps instead of blending"
    onset = phones[1].start_s
    assert value_at(clip, "JawOpen", onset - 0.03) > 0.05, "no anticipation before the vowel"


def test_phone_animator_continues_its_clock_across_sentences():
    animator = PhoneAnimator(AnimationOptions(fps=30))
    audio = Audio(np.zeros(16000, np.float32))
    first = animator.animate(phones_from([("AA", 1.0)]), audio)
    second = animator.animate(phones_from([("M", 1.0)]), audio)
    assert first.n_frames == 30 and second.n_frames == 30
    assert second.first_index == 30
    assert next(second.frames()).time_s == 1.0
    assert second.visemes[0].start_s == 1.0


def test_phone_tables_cover_both_alphabets():
    assert arpabet_viseme("M") == arpabet_viseme("b") == "PP"
    assert arpabet_viseme("UW1") == "U"
    assert ipa_viseme("tʃ") == "CH" and ipa_viseme("t") == "DD"
    assert ipa_viseme("ɑː") == "aa"
    assert arpabet_viseme("???") == "sil"
