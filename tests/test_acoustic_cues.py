"""The acoustic path's lip cues: relative to the speaker's own voiced speech, a darker spectrum
(nasal murmur, voice bar) or a lower F2 (narrowed lips) shrinks the opening, and the lips meet
only where little sound could get past them."""
from __future__ import annotations

import numpy as np

from fantasy_talking.articulation.articulators import A
from fantasy_talking.audio.features import Features
from fantasy_talking.articulation.acoustic import AcousticArticulation


def voiced_frames(n: int, tilt_db: float, f2_hz: float, level_db: float = -15.0, f1_hz: float = 700.0) -> Features:
    """Voiced frames (loud open vowels by default) with the given low-minus-upper tilt and F2; the
    pitch glides like a voice's (±10 % over 0.5 s), since a pitch held flat is a note, not speech."""
    ones = np.ones(n, np.float32)
    pitch = (150 * (1 + 0.1 * np.sin(2 * np.pi * np.arange(n) / 50))).astype(np.float32)
    bands = np.tile(np.array([40.0, 40.0, 40.0 - tilt_db, 10.0], np.float32), (n, 1))
    return Features(level_db=level_db * ones, band_db=bands, f1_hz=f1_hz * ones, f2_hz=f2_hz * ones,
                    hf_ratio=0.01 * ones, voicing=0.95 * ones, f0_hz=pitch, vad=ones)


def opening_after_speech(tilt_db: float, f2_hz: float) -> float:
    """Opening of one frame after 3 s of the speaker's ordinary vowels (tilt 12 dB, F2 1600 Hz)."""
    engine = AcousticArticulation()
    engine.process(voiced_frames(300, 12.0, 1600.0))
    articulators, _ = engine.process(voiced_frames(1, tilt_db, f2_hz))
    return float(articulators[0, A["open"]])


def test_a_dark_spectrum_closes_the_mouth():
    usual = opening_after_speech(12.0, 1600.0)
    assert opening_after_speech(32.0, 1600.0) < 0.5 * usual


def test_a_low_second_formant_narrows_the_mouth():
    usual = opening_after_speech(12.0, 1600.0)
    assert opening_after_speech(12.0, 1200.0) < 0.7 * usual


def test_cues_are_relative_to_the_speaker():
    engine = AcousticArticulation()
    engine.process(voiced_frames(1000, 25.0, 1300.0))   # a dark, low voice: its own vowels stay open
    articulators, _ = engine.process(voiced_frames(1, 25.0, 1300.0))
    assert articulators[0, A["open"]] > 0.9 * opening_after_speech(12.0, 1600.0)


def lip_contact_after_speech(tilt_db: float, f2_hz: float, level_db: float, f1_hz: float) -> float:
    """Lip contact (the close articulator) of one frame after 3 s of the speaker's ordinary loud vowels."""
    engine = AcousticArticulation()
    engine.process(voiced_frames(300, 12.0, 1600.0))
    articulators, _ = engine.process(voiced_frames(1, tilt_db, f2_hz, level_db, f1_hz))
    return float(articulators[0, A["close"]])


def test_lips_meet_only_where_little_sound_gets_past_them():
    # A close, rounded vowel (/u/: low F1, low F2) nearly shuts the jaw ...
    loud_u = lip_contact_after_speech(12.0, 1100.0, -15.0, 300.0)
    quiet_u = lip_contact_after_speech(12.0, 1100.0, -40.0, 300.0)
    # ... but said loudly with an ordinary spectrum the lips stay apart; quietly they touch.
    assert loud_u < 0.2
    assert quiet_u > 0.8
    # A spectrum far darker than the speaker's vowels (a nasal murmur, a /b/ voice bar) is the
    # sound of sealed lips, however loud.
    assert lip_contact_after_speech(32.0, 1100.0, -15.0, 300.0) > 0.8


def test_level_trackers_follow_their_definition():
    """Noise floor: falls at once, rises NOISE_RISE_DB a frame, never below −90 dB; speech peak: rises
    at once, relaxes PEAK_DECAY_DB a frame, never within MIN_RANGE_DB of the floor. Checked frame by
    frame over levels that jump, fade, and drop into digital silence."""
    rng = np.random.default_rng(11)
    levels = np.concatenate([rng.uniform(-100, 0, 300), np.linspace(-10, -120, 200), np.full(100, -20.0)])
    engine = AcousticArticulation()
    noise, peak = engine.noise_db, engine.peak_db
    for level in levels.tolist():
        noise = min(max(level, -90.0), noise + engine.NOISE_RISE_DB)
        peak = max(level, peak - engine.PEAK_DECAY_DB, noise + engine.MIN_RANGE_DB)
        assert engine._track_levels(level) == (noise, peak)
