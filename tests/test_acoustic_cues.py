"""The acoustic path's lip cues: relative to the speaker's own voiced speech, a darker spectrum
(nasal murmur, voice bar) or a lower F2 (narrowed lips) shrinks the opening."""
from __future__ import annotations

import numpy as np

from fantasy_talking.articulation.articulators import A
from fantasy_talking.audio.features import Features
from fantasy_talking.articulation.acoustic import AcousticArticulation


def voiced_frames(n: int, tilt_db: float, f2_hz: float) -> Features:
    """Loud voiced frames of an open vowel with the given low-minus-upper tilt and F2."""
    ones = np.ones(n, np.float32)
    bands = np.tile(np.array([40.0, 40.0, 40.0 - tilt_db, 10.0], np.float32), (n, 1))
    return Features(level_db=-15 * ones, band_db=bands, f1_hz=700 * ones, f2_hz=f2_hz * ones,
                    hf_ratio=0.01 * ones, voicing=0.95 * ones, f0_hz=150 * ones, vad=ones)


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
