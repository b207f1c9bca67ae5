"""The learned opening correction (cue and spectral halves, and the fused engine's phone half): its fit (tools/eval/train_opening.py) recovers a linear truth and
standardises its output over speech, its weights file round-trips, and the engine only applies it
while speech is active."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from eval import train_opening  # noqa: E402
from fantasy_talking.articulation.acoustic import AcousticArticulation  # noqa: E402
from fantasy_talking.articulation.opening_model import CUES, LinearOpening, PhoneOpening  # noqa: E402
from fantasy_talking.articulation.opening_weights import OPENING, SPECTRAL  # noqa: E402
from fantasy_talking.articulation.spectral_opening import SpectralOpening, SpectralStream  # noqa: E402
from fantasy_talking.audio.features import N_MEL, Features  # noqa: E402
from fantasy_talking.speech.phonemes import VISEMES  # noqa: E402


def synthetic_features(frames: int, rng: np.random.Generator) -> Features:
    """Voiced frames with a random mel spectrum around a speaker's own mean."""
    ones = np.ones(frames, np.float32)
    mel = (rng.normal(0.0, 6.0, (frames, N_MEL)) + rng.normal(-10.0, 8.0, N_MEL)).astype(np.float32)
    return Features(level_db=-20 * ones, band_db=np.zeros((frames, 4), np.float32), f1_hz=500 * ones,
                    f2_hz=1500 * ones, hf_ratio=0.1 * ones, voicing=0.9 * ones, f0_hz=150 * ones, vad=ones,
                    mel_db=mel)


def synthetic_clips(n_clips: int = 4, frames: int = 3000, seed: int = 0) -> list:
    """Clips whose target is a linear function of the cues and of the current frame's normalised
    spectrum (band 3 up, band 10 down), plus noise."""
    rng = np.random.default_rng(seed)
    truth_weights = rng.standard_normal(len(CUES))
    scale, offset = rng.uniform(0.5, 50, len(CUES)), rng.uniform(-100, 100, len(CUES))   # cues in their own units
    clips = []
    for k in range(n_clips):
        unit = rng.standard_normal((frames, len(CUES)))
        cues = unit * scale + offset
        features = synthetic_features(frames, rng)
        z = SpectralStream(prior_db=np.zeros(N_MEL)).normalised(features)
        target = unit @ truth_weights + 0.3 * (z[:, 3] - z[:, 10]) + 0.3 * rng.standard_normal(frames)
        target[:50] = np.nan   # frames without a face
        speaking = rng.random(frames) < 0.8
        clips.append(train_opening.TrainingClip(f"synthetic-{k}", cues, features, target, speaking,
                                                target[::4].copy(), 25.0))
    return clips


def test_fit_recovers_a_linear_truth_and_standardises_over_speech():
    clips = synthetic_clips()
    model = train_opening.fit(clips, strength=10.0, warp=())
    for clip in clips:
        out = model(clip)
        finite = np.isfinite(clip.target)
        assert np.corrcoef(out[finite], clip.target[finite])[0, 1] > 0.9
    # The spectral half carries the bands the truth reads, with their signs.
    weights = np.array(model.spectral.weights[0])
    assert weights[3] > 0 > weights[10] and min(weights[3], -weights[10]) > 3 * np.median(np.abs(weights))
    speaking = np.concatenate([c.speaking for c in clips])
    out = np.concatenate([model(c) for c in clips])[speaking]
    assert abs(out.mean()) < 1e-6 and out.std() == pytest.approx(1.0, abs=1e-6)


def test_shifted_spectrum_moves_the_bands_and_repeats_the_edges():
    rng = np.random.default_rng(2)
    features = synthetic_features(5, rng)
    up = train_opening.shifted_spectrum(features, 1.0).mel_db
    np.testing.assert_allclose(up[:, 1:], features.mel_db[:, :-1])
    np.testing.assert_allclose(up[:, 0], features.mel_db[:, 0])
    half = train_opening.shifted_spectrum(features, -0.5).mel_db
    np.testing.assert_allclose(half[:, 3], 0.5 * (features.mel_db[:, 3] + features.mel_db[:, 4]), rtol=1e-6)
    assert half.dtype == np.float32 and up.shape == features.mel_db.shape


def test_the_warped_copies_make_the_read_out_indifferent_to_where_the_formants_sit():
    """Fitted with the spectra also moved by a band each way, the read-out answers a speaker whose
    spectrum sits a band higher (a shorter vocal tract) nearly as it answers the original, which a
    fit on the seven voices as they are does not."""
    clips = synthetic_clips()
    probe = clips[0]
    moved = train_opening.TrainingClip(probe.name, probe.cues, train_opening.shifted_spectrum(probe.features, 1.0),
                                       probe.target, probe.speaking, probe.truth, probe.fps)

    def agreement(model) -> float:
        return float(np.corrcoef(model(probe), model(moved))[0, 1])

    exact = train_opening.fit(clips, strength=10.0, warp=())
    warped = train_opening.fit(clips, strength=10.0)
    assert train_opening.WARP_BANDS == (-1.0, 1.0)
    assert agreement(warped) > agreement(exact) + 0.1


def test_nested_choice_and_folds_never_see_the_held_out_clip():
    clips = synthetic_clips(n_clips=3, frames=1200)
    models = train_opening.fold_models(clips)
    assert len(models) == 3
    # Fold 0's model is the nested fit on clips 1 and 2 alone, its prior spectrum theirs.
    alone, _ = train_opening.fit_nested(clips[1:])
    assert models[0] == alone
    assert np.allclose(alone.spectral.prior_db, train_opening.prior_spectrum(clips[1:]))


def test_weights_file_round_trips(tmp_path):
    cues = LinearOpening(0.25, tuple(float(i) / 7 for i in range(len(CUES))))
    offsets = (0, -4)
    spectral = SpectralOpening(offsets, tuple(float(b) for b in range(N_MEL)),
                               tuple(tuple(float(o * 100 + b) / 3 for b in range(N_MEL)) for o in offsets))
    phones = PhoneOpening(tuple(float(v) - 7 for v in range(len(VISEMES))))
    fused_cues = LinearOpening(-0.5, cues.weights[::-1])
    path = tmp_path / "weights.py"
    words_phones = PhoneOpening(tuple(7 - float(v) for v in range(len(VISEMES))))
    train_opening.write_weights((train_opening.OpeningModel(cues, spectral), 1e4),
                                (train_opening.OpeningModel(fused_cues, spectral, phones), 1e3),
                                (train_opening.OpeningModel(cues, spectral, words_phones, words=True), 1e2),
                                ["a", "b"], path)
    namespace: dict = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    loaded, loaded_spectral = namespace["OPENING"], namespace["SPECTRAL"]
    assert loaded.bias == pytest.approx(cues.bias) and np.allclose(loaded.weights, cues.weights)
    assert loaded_spectral.offsets == offsets
    assert np.allclose(loaded_spectral.weights, spectral.weights) and np.allclose(loaded_spectral.prior_db,
                                                                                   spectral.prior_db)
    assert namespace["FUSED_OPENING"].bias == pytest.approx(-0.5)
    assert np.allclose(namespace["FUSED_OPENING"].weights, fused_cues.weights)
    assert np.allclose(namespace["FUSED_PHONES"].weights, phones.weights)
    assert np.allclose(namespace["WORDS_PHONES"].weights, words_phones.weights)
    assert np.allclose(namespace["WORDS_OPENING"].weights, cues.weights)
    with pytest.raises(ValueError):
        LinearOpening(0.0, (1.0, 2.0))
    with pytest.raises(ValueError):
        PhoneOpening((1.0,) * (len(VISEMES) - 1))


def test_fit_with_heard_phones_gives_the_fused_engines_model():
    """Clips that carry phone posteriors give a third half whose weights follow the truth's
    dependence on the viseme; it installs into the fused engine's constants only."""
    clips = synthetic_clips()
    rng = np.random.default_rng(5)
    shift = np.linspace(-1.0, 1.0, len(VISEMES))   # the truth: each viseme shifts the opening its own way
    for clip in clips:
        heard = np.eye(len(VISEMES))[rng.integers(0, len(VISEMES), len(clip.target))]
        clip.phones = heard
        clip.target = clip.target + 2.0 * heard @ shift
    model = train_opening.fit(clips, strength=10.0, warp=())
    assert model.phones is not None
    assert np.corrcoef(model.phones.weights, shift)[0, 1] > 0.95
    installed = model.overrides()
    assert set(installed) == set(train_opening.FUSED_TARGETS) and installed[train_opening.FUSED_TARGETS[2]] is model.phones
    # The same clips with the words' visemes instead give the words engine's model.
    for clip in clips:
        clip.words = True
    words = train_opening.fit(clips, strength=10.0, warp=())
    assert words.words and set(words.overrides()) == set(train_opening.WORDS_TARGETS)
    assert np.allclose(words.phones.weights, model.phones.weights)
    for clip in clips:
        clip.words = False
    finite = np.isfinite(clips[0].target)
    assert np.corrcoef(model(clips[0])[finite], clips[0].target[finite])[0, 1] > 0.9
    # Without phones the same clips give the acoustic engine's two halves.
    for clip in clips:
        clip.phones = None
    assert set(train_opening.fit(clips, strength=10.0, warp=()).overrides()) == {train_opening.MODEL_TARGET,
                                                                         train_opening.SPECTRAL_TARGET}


def test_shipped_weights_exist_and_the_correction_is_bounded_in_speech():
    assert OPENING is not None and len(OPENING.weights) == len(CUES) and SPECTRAL is not None
    # Outside speech the correction is not applied: silence gives the rules' shut jaw.
    from fantasy_talking.audio.features import FeatureStream

    rng = np.random.default_rng(3)
    features = FeatureStream().push((1e-3 * rng.standard_normal(16000)).astype(np.float32))
    articulators, activity = AcousticArticulation().process(features)
    assert activity.max() == 0.0 and articulators[:, 0].max() == 0.0


def test_the_correction_moves_the_jaw_and_leaves_lip_contact_to_the_rules():
    from eval import loco
    from test_acoustic_cues import voiced_frames

    wide = LinearOpening(3.0, (0.0,) * len(CUES))   # "far more open than usual", whatever the cues

    def after_speech(model, **frame) -> np.ndarray:
        with loco.override({train_opening.MODEL_TARGET: model, train_opening.SPECTRAL_TARGET: None}):
            engine = AcousticArticulation()
            engine.process(voiced_frames(300, 12.0, 1600.0))
            return engine.process(voiced_frames(1, **frame))[0][0]

    open_vowel = dict(tilt_db=12.0, f2_hz=1600.0)
    quiet_u = dict(tilt_db=12.0, f2_hz=1100.0, level_db=-40.0, f1_hz=300.0)   # the lips touch (rules)
    assert after_speech(wide, **open_vowel)[0] > after_speech(None, **open_vowel)[0] + 0.1
    contact = after_speech(None, **quiet_u)[1]
    assert contact > 0.8 and after_speech(wide, **quiet_u)[1] == pytest.approx(contact)


def test_the_experiment_scores_each_clip_with_a_model_that_never_saw_it():
    from eval import opening_experiment

    clips = synthetic_clips(n_clips=3, frames=1200)
    family = opening_experiment.FAMILIES["cues+spectrum"]
    fixed, nested, choices = opening_experiment.held_out_scores(clips, family, [0.4])
    for c in range(3):
        alone, _ = train_opening.fit_nested(clips[:c] + clips[c + 1:], 0.4, family)
        assert fixed[0, c] == pytest.approx(train_opening.quick_score(alone, clips[c], 0.4))
        assert nested[c] == pytest.approx(fixed[0, c]) and choices[c][0] == 0.4
        assert nested[c] > 0.25   # the linear truth is found held out (chance: |r| < 0.1 over 300 frames)
