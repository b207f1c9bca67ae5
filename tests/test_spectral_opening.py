"""The learned opening's spectral half: mel bands where the mel scale puts them, a speaker
normalisation that cancels gain and colour, a causal read-out that streams bit for bit, and an
engine whose streamed frames still equal its offline clip with the spectral model on."""
from __future__ import annotations

import numpy as np
import pytest

from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.animation.stream import StreamingAnimator
from fantasy_talking.articulation.acoustic import AcousticArticulation
from fantasy_talking.articulation.articulators import A
from fantasy_talking.articulation.opening_weights import SPECTRAL
from fantasy_talking.articulation.spectral_opening import PRIOR_FRAMES, SpectralOpening, SpectralStream
from fantasy_talking.audio.decode import SAMPLE_RATE
from fantasy_talking.audio.features import _MEL_STARTS, FEATURE_RATE, MEL_RANGE_HZ, N_MEL, NFFT, FeatureStream
from fantasy_talking.pipeline import animate_audio


def band_of(hz: float) -> int:
    bin_ = round(hz * NFFT / SAMPLE_RATE)
    return int(np.searchsorted(_MEL_STARTS, bin_, side="right") - 1)


@pytest.mark.parametrize("hz", [300.0, 1000.0, 3000.0])
def test_a_tone_lands_in_its_mel_band(hz):
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    features = FeatureStream().push((0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32))
    loudest = np.bincount(np.argmax(features.mel_db[5:-5], axis=1), minlength=N_MEL).argmax()
    assert loudest == band_of(hz)
    # Bands widen with frequency, as the mel scale demands.
    widths = np.diff(_MEL_STARTS)
    assert widths[-1] > 4 * widths[1] and MEL_RANGE_HZ[1] < SAMPLE_RATE / 2


def features_of(mel: np.ndarray, voiced: np.ndarray):
    from fantasy_talking.audio.features import Features

    n = len(mel)
    ones = np.ones(n, np.float32)
    return Features(level_db=-20 * ones, band_db=np.zeros((n, 4), np.float32), f1_hz=500 * ones, f2_hz=1500 * ones,
                    hf_ratio=0.1 * ones, voicing=np.where(voiced, 0.9, 0.1).astype(np.float32), f0_hz=150 * ones,
                    vad=voiced.astype(np.float32), mel_db=mel.astype(np.float32))


def test_gain_and_colour_cancel_once_the_speaker_is_heard():
    rng = np.random.default_rng(1)
    n = 600
    mel = rng.normal(0.0, 6.0, (n, N_MEL)) + np.linspace(10, -20, N_MEL)
    colour = 20.0 + np.linspace(-6.0, 6.0, N_MEL)      # a louder, brighter microphone
    is_voiced = rng.random(n) < 0.7
    prior = np.linspace(10, -20, N_MEL)
    plain = SpectralStream(prior_db=prior).normalised(features_of(mel, is_voiced))
    coloured = SpectralStream(prior_db=prior).normalised(features_of(mel + colour, is_voiced))
    heard = np.cumsum(is_voiced)
    late = heard > 300
    # What is left of the colour is the prior's share of the running mean.
    residue = np.abs(coloured - plain)[late].max()
    assert residue <= colour.max() * PRIOR_FRAMES / (PRIOR_FRAMES + 300) + 1e-6
    assert np.abs(coloured - plain)[:5].min() > 5.0   # at the very start the prior still rules
    # Unvoiced frames (breath, noise) do not move the speaker's mean.
    stream = SpectralStream(prior_db=prior)
    stream.normalised(features_of(rng.normal(-40, 3, (200, N_MEL)), np.zeros(200, bool)))
    assert np.allclose(stream.mean_db, prior)


@pytest.mark.parametrize("offsets", [(0,), (0, -4, -8), (0, -2, -4, -8)])
def test_any_chunking_reads_out_bit_for_bit_and_only_the_past_counts(offsets):
    rng = np.random.default_rng(2)
    n = 900
    features = features_of(rng.normal(0, 8, (n, N_MEL)), rng.random(n) < 0.6)
    model = SpectralOpening(offsets, tuple(rng.normal(0, 5, N_MEL)),
                            tuple(tuple(rng.normal(0, 0.1, N_MEL)) for _ in offsets))
    whole = SpectralStream(model).read(features)
    stream, parts, i = SpectralStream(model), [], 0
    for size in rng.integers(0, 7, 500):
        parts.append(stream.read(features_of(features.mel_db[i:i + size], features.vad[i:i + size] > 0)))
        i += size
    parts.append(stream.read(features_of(features.mel_db[i:], features.vad[i:] > 0)))
    assert np.array_equal(np.concatenate(parts), whole)
    # Changing frame 500 changes nothing before it and nothing beyond the context after it,
    # except through the speaker's running mean.
    changed = features_of(features.mel_db.copy(), features.vad > 0)
    changed.mel_db[500] += 30.0
    other = SpectralStream(model).read(changed)
    assert np.array_equal(other[:500], whole[:500]) and other[500] != whole[500]


def test_a_future_offset_is_refused():
    with pytest.raises(ValueError):
        SpectralOpening((0, 2), (0.0,) * N_MEL, ((0.0,) * N_MEL,) * 2)
    with pytest.raises(ValueError):
        SpectralOpening((0,), (0.0,) * 3, ((0.0,) * N_MEL,))


def test_the_shipped_model_streams_like_the_clip_and_moves_the_jaw(speech_audio):
    assert SPECTRAL is not None and AcousticArticulation.SPECTRAL_MODEL is SPECTRAL
    options = AnimationOptions(fps=30)
    clip = animate_audio(speech_audio, options)
    animator = StreamingAnimator(options)
    rng = np.random.default_rng(3)
    frames, i = [], 0
    for size in rng.integers(1, 700, 10_000):
        if i >= len(speech_audio.samples):
            break
        frames += animator.push(speech_audio.samples[i:i + size]).frames
        i += size
    frames += animator.finish().frames
    assert np.array_equal(np.array([f.weights for f in frames]), clip.weights)
    # With speech, the spectral half is not idle: it changes the opening the rules alone give.
    features = FeatureStream().push(speech_audio.samples)
    with_model = AcousticArticulation().process(features)[0][:, A["open"]]
    engine = AcousticArticulation()
    engine._spectral = None
    without = engine.process(features)[0][:, A["open"]]
    assert np.abs(with_model - without).max() > 0.05
    assert len(features) == pytest.approx(speech_audio.duration_s * FEATURE_RATE, abs=2)
