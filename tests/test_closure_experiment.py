"""The closure experiment (tools/eval/closure_experiment.py): its learned seal finds closures that the
spectrum carries, and its nested selection never lets a held-out clip inform its own choice or fit."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from eval import closure_experiment as ce  # noqa: E402
from eval import metrics, train_opening  # noqa: E402
from fantasy_talking.articulation.articulators import A, N_ARTICULATORS  # noqa: E402
from fantasy_talking.articulation.opening_model import CUES  # noqa: E402
from fantasy_talking.audio.features import N_MEL, Features  # noqa: E402

FPS = 25.0


def synthetic_clip(name: str, rng: np.random.Generator, frames: int = 1500) -> ce.Clip:
    """A clip whose lips close (video) wherever mel band 5 dips: what a learned seal should find."""
    ones = np.ones(frames, np.float32)
    dips = np.repeat(rng.random(frames // 10) < 0.25, 10)
    mel = rng.normal(-10.0, 3.0, (frames, N_MEL)) - 20.0 * dips[:, None] * (np.arange(N_MEL) == 5)
    features = Features(level_db=-20 * ones, band_db=np.zeros((frames, 4), np.float32), f1_hz=500 * ones,
                        f2_hz=1500 * ones, hf_ratio=0.1 * ones, voicing=0.9 * ones, f0_hz=150 * ones, vad=ones,
                        mel_db=mel.astype(np.float32))
    cues = rng.normal(0.0, 1.0, (frames, len(CUES)))
    raw = np.zeros((frames, N_ARTICULATORS))
    raw[:, A["open"]] = np.where(dips, 0.05, 0.4 + 0.4 * rng.random(frames))
    raw[:, A["close"]] = rng.random(frames) < 0.3          # the rules' seal: at random
    video = np.arange(int(frames / 100 * FPS))
    at_video = np.interp(video / FPS * 100 + train_opening.anticipation_frames(), np.arange(frames), dips.astype(float))
    truth = 1.0 - at_video + 0.1 * rng.standard_normal(len(video))
    speaking = np.ones(frames)
    base = train_opening.TrainingClip(name, cues, features, np.zeros(frames), speaking > 0, truth, FPS, truth)
    return ce.Clip(name, base, raw, speaking, dips.astype(float), metrics.closed_mask(truth),
                   np.ones(len(video), bool), np.full(frames, 10.0))


def clips(n: int = 3, seed: int = 0) -> list[ce.Clip]:
    rng = np.random.default_rng(seed)
    return [synthetic_clip(f"synthetic-{k}", rng) for k in range(n)]


SMALL = [ce.Candidate(None), ce.Candidate(1e2, (0,), (0.3, 0.5)), ce.Candidate(1e2, (0,), (0.4, 0.6), floor=0.1),
         ce.Candidate(1e2, (0,), (0.7, 0.8), by_quantile=True)]


def test_the_learned_seal_reads_closures_the_spectrum_carries():
    train, test = clips(3)[:2], clips(1, seed=5)[0]
    p = ce.fit_seal(train, 1e2, (0,))(test)
    assert metrics.pearson(p, test.closed_target) > 0.8
    learned = ce.scores(test, p, (0.3, 0.5), 0.0, 0.0, None)
    rules = ce.scores(test, None, (0.3, 0.5), 0.0, 0.0, None)
    assert learned.best_r > rules.best_r + 0.1
    assert learned.closure_recall == 1.0 and learned.closure_precision > learned.chance_precision + 0.3


def test_the_gates_only_ever_lower_the_jaw_and_the_floor_only_raises_it():
    clip = clips(1)[0]
    close = clip.raw[:, A["close"]]
    opening = clip.raw[:, A["open"]]
    assert np.all(ce.floored(clip, close, 0.0, gate=1.0, quiet=5.0) <= opening)
    assert np.all(ce.floored(clip, close, 0.3) >= opening)
    assert np.array_equal(ce.floored(clip, close, 0.0), opening)


def test_a_held_out_clip_never_informs_its_own_choice_or_fit():
    data = clips(3)
    cache: dict = {}
    chosen, single = ce.nested(data, SMALL, cache=cache)
    assert all(test not in train for train, _, _, test in cache)
    # Scramble clip 0's truth: what is chosen for clip 0 and the seal scored on it stay the same.
    rng = np.random.default_rng(9)
    scrambled = list(data)
    noise = rng.random(len(data[0].base.truth))
    scrambled[0] = ce.Clip(data[0].name, train_opening.TrainingClip(
        "noise", data[0].base.cues, data[0].base.features, data[0].base.target, data[0].base.speaking, noise, FPS,
        noise), data[0].raw, data[0].speaking, rng.random(len(data[0].closed_target)),
        metrics.closed_mask(noise), data[0].speech, data[0].below_peak)
    cache2: dict = {}
    chosen2, single2 = ce.nested(scrambled, SMALL, cache=cache2)
    assert chosen2[0] == chosen[0]
    for key, p in cache.items():
        if key[3] == 0:
            assert np.array_equal(cache2[key][0], p[0])
    # Where clip 0 helps choose for others, the scrambled truth may change their choice; its own
    # score is the chosen candidate's, fitted on the other two.
    assert single[0][chosen[0]].best_r == pytest.approx(ce.evaluate(data, [1, 2], 0, SMALL, {})[chosen[0]].best_r)
