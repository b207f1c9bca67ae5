"""Frame composition runs a batch of frames at a time (the bake's speed): any batching must give the
same bytes as composing frame by frame, and the vectorised bone maths the scalar formula's values."""
from __future__ import annotations

import math

import numpy as np

from fantasy_talking.animation.bones import JAW_MAX_RAD, NECK_SHARE, joint_rotations
from fantasy_talking.animation.compose import FrameComposer
from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.articulation.articulators import N_ARTICULATORS


def _quat(yaw: float, pitch: float, roll: float) -> tuple[float, float, float, float]:
    """The reference: yaw about +Y, then pitch about +X, then roll about +Z, in Python floats."""
    cy, sy, cp, sp = math.cos(yaw / 2), math.sin(yaw / 2), math.cos(pitch / 2), math.sin(pitch / 2)
    cr, sr = math.cos(roll / 2), math.sin(roll / 2)
    return (cy * sp * cr + sy * cp * sr, sy * cp * cr - cy * sp * sr,
            cy * cp * sr - sy * sp * cr, cy * cp * cr + sy * sp * sr)


def test_joint_rotations_equal_the_scalar_formula_bit_for_bit():
    rng = np.random.default_rng(0)
    n = 2000
    jaw = rng.uniform(0, 1, n).astype(np.float32)
    head = rng.normal(0, 0.2, (n, 3)).astype(np.float32)
    gaze = rng.normal(0, 0.3, (n, 2)).astype(np.float32)
    head[:3] = 0.0  # rest pose: exact zeros and ones
    expected = np.array([
        (_quat(0.0, JAW_MAX_RAD * j, 0.0), _quat(*(NECK_SHARE * np.float64(h)).tolist()),
         _quat(*((1 - NECK_SHARE) * np.float64(h)).tolist()), _quat(g[0], g[1], 0.0), _quat(g[0], g[1], 0.0))
        for j, h, g in zip(jaw.tolist(), head, gaze.tolist())], np.float32)
    got = joint_rotations(jaw, head, gaze)
    assert got.shape == (n, 5, 4) and got.tobytes() == expected.tobytes()
    assert np.allclose(np.linalg.norm(got, axis=2), 1.0, atol=1e-6)
    assert joint_rotations(jaw[:0], head[:0], gaze[:0]).shape == (0, 5, 4)


def test_any_batching_of_frames_composes_the_same_bytes():
    rng = np.random.default_rng(1)
    n = 300
    articulators = rng.uniform(0, 1, (n, N_ARTICULATORS)).astype(np.float32)
    visemes = rng.dirichlet(np.ones(15), n).astype(np.float32)
    activity = (np.sin(np.arange(n) / 9.0) > 0).astype(np.float32)  # phrases, so blinks and accents fire
    f0 = np.where(activity > 0, 120 + 60 * np.sin(np.arange(n) / 4.0), 0).astype(np.float32)
    options = AnimationOptions(seed=4, emotions=(("joy", 0.6),))

    def run(batches: list[int]) -> bytes:
        composer = FrameComposer(options)
        composer.emotions.set(2.0, {"anger": 0.8})  # a keyframe mid-clip: the state moves, then settles
        frames, start = [], 0
        for size in batches:
            rows = slice(start, start + size)
            frames += composer.compose(articulators[rows], visemes[rows], activity[rows], f0[rows])
            start += size
        assert [f.index for f in frames] == list(range(n))
        return b"".join(f.weights.tobytes() + f.joints.tobytes() + f.angles.tobytes() + bytes([f.idle])
                        for f in frames)

    whole = run([n])
    assert run([1] * n) == whole
    assert run([7, 1, 50, 2, 240]) == whole


def test_the_emotion_track_skips_only_steps_that_change_nothing():
    from fantasy_talking.animation.emotions import POSES, EmotionTrack, emotion_vector

    keyframes = [(0.0, {"joy": 0.6}), (2.0, {"anger": 0.8}), (30.0, {}), (30.5, {"fear": 1.0, "grief": 0.3})]
    track = EmotionTrack(30, keyframes[0][1])
    for time_s, emotions in keyframes[1:]:
        track.set(time_s, emotions)
    times = [i / 30 for i in range(60 * 30)]   # a minute: long enough for every ease to settle exactly
    got = np.concatenate([track.steps(times[start:start + 45]) for start in range(0, len(times), 45)])

    state, rows, settled = emotion_vector(keyframes[0][1]), [], 0   # the plain recurrence, every frame
    targets = [(t, emotion_vector(e)) for t, e in keyframes]
    for t in times:
        target = [v for k, v in targets if k <= t][-1]
        before = state.copy()
        state += track._alpha * (target - state)
        settled += np.array_equal(before, state)
        rows.append(state @ POSES)
    assert settled > 500   # the skipped path runs
    assert got.tobytes() == np.array(rows, np.float32).tobytes()
