"""The streaming engine: chunking invariance, look-ahead, interrupt, idle motion, determinism."""
from __future__ import annotations

import numpy as np
import pytest

from fantasy_talking.animation.options import AnimationOptions, OptionsError
from fantasy_talking.animation.rig import ARKIT_52, JOINTS, RigProfile, curve_names
from fantasy_talking.animation.stream import SETTLE_S, StreamingAnimator
from fantasy_talking.audio.decode import SAMPLE_RATE
from fantasy_talking.pipeline import animate_audio


def run_stream(samples: np.ndarray, options: AnimationOptions, chunk_sizes) -> list:
    animator = StreamingAnimator(options)
    frames, i = [], 0
    for size in chunk_sizes:
        if i >= len(samples):
            break
        frames += animator.push(samples[i:i + size]).frames
        i += size
    frames += animator.push(samples[i:]).frames
    frames += animator.finish().frames
    return frames


def test_any_chunking_gives_the_clip(speech_audio):
    options = AnimationOptions(fps=30, seed=3)
    clip = animate_audio(speech_audio, options)
    rng = np.random.default_rng(0)
    frames = run_stream(speech_audio.samples, options, rng.integers(1, 3000, size=10_000))
    assert len(frames) == clip.n_frames == int(np.ceil(speech_audio.duration_s * 30))
    # Bit for bit: every step is computed per frame or per row, never with batch-dependent rounding.
    np.testing.assert_array_equal(np.array([f.weights for f in frames]), clip.weights)
    np.testing.assert_array_equal(np.array([f.joints for f in frames]), clip.joints)
    assert [f.index for f in frames] == list(range(clip.n_frames))
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(clip.n_frames) / 30)


@pytest.mark.parametrize("lookahead_ms", [0, 100, 200])
def test_frames_wait_no_longer_than_the_lookahead(speech_audio, lookahead_ms):
    """After audio up to T has arrived, every frame up to T - look-ahead - one frame is out."""
    animator = StreamingAnimator(AnimationOptions(fps=30, lookahead_ms=lookahead_ms))
    released = 0
    chunk = SAMPLE_RATE // 50
    for start in range(0, len(speech_audio.samples), chunk):
        released += len(animator.push(speech_audio.samples[start:start + chunk]).frames)
        received_s = min(start + chunk, len(speech_audio.samples)) / SAMPLE_RATE
        due_s = received_s - (lookahead_ms + 13) / 1000 - 1 / 30
        assert released >= int(np.floor(due_s * 30)) + 1 if due_s >= 0 else True
        assert released <= int(np.ceil(received_s * 30)) + 1


def test_deterministic_with_seed_and_seed_changes_motion(speech_audio):
    a = animate_audio(speech_audio, AnimationOptions(seed=7))
    b = animate_audio(speech_audio, AnimationOptions(seed=7))
    c = animate_audio(speech_audio, AnimationOptions(seed=8))
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.joints, b.joints)
    assert not np.array_equal(a.joints[:, 2], c.joints[:, 2])


def test_silence_keeps_idle_motion():
    animator = StreamingAnimator(AnimationOptions(fps=30, seed=1))
    frames = animator.push(np.zeros(SAMPLE_RATE * 20, np.float32)).frames + animator.finish().frames
    assert len(frames) == 600 and all(f.idle for f in frames)
    blink = np.array([f.weights[ARKIT_52.index("EyeBlinkLeft")] for f in frames])
    assert blink.max() > 0.9, "no blink in 20 s of idle"
    assert (blink > 0.5).mean() < 0.2
    head = np.array([f.angles[:3] for f in frames])
    assert np.ptp(head[:, 0]) > 0.005 and np.ptp(head[:, 1]) > 0.005, "head frozen while idle"
    jaw = np.array([f.weights[ARKIT_52.index("JawOpen")] for f in frames])
    assert jaw.max() < 0.1


def test_interrupt_settles_to_neutral_and_keeps_the_clock(speech_audio):
    animator = StreamingAnimator(AnimationOptions(fps=30))
    half = len(speech_audio.samples) // 2
    frames = animator.push(speech_audio.samples[:half]).frames
    out = animator.interrupt()
    frames += out.frames
    settled_s = half / SAMPLE_RATE + SETTLE_S
    assert animator.audio_seconds == pytest.approx(settled_s)
    assert len(frames) == int(np.ceil(settled_s * 30))
    jaw = ARKIT_52.index("JawOpen")
    assert frames[-1].weights[jaw] < 0.05
    more = animator.push(speech_audio.samples[half:]).frames + animator.finish().frames
    assert more[0].index == frames[-1].index + 1
    assert len(frames) + len(more) == int(np.ceil((speech_audio.duration_s + SETTLE_S) * 30))
    assert max(f.weights[jaw] for f in more) > 0.3, "speech after an interrupt is animated again"


def test_frames_carry_profile_curves_and_unit_quaternions(speech_audio):
    clip = animate_audio(speech_audio, AnimationOptions(rig=RigProfile.ARKIT_52_VISEMES, fps=60))
    assert clip.curve_names == curve_names(RigProfile.ARKIT_52_VISEMES)
    assert clip.weights.shape == (int(np.ceil(speech_audio.duration_s * 60)), 52 + 15)
    assert clip.joints.shape[1:] == (len(JOINTS), 4)
    np.testing.assert_allclose(np.linalg.norm(clip.joints, axis=2), 1.0, atol=1e-5)
    assert (clip.weights >= 0).all() and (clip.weights <= 1).all()
    visemes = clip.weights[:, 52:]
    np.testing.assert_allclose(visemes.sum(axis=1), 1.0, atol=1e-4)
    # jaw bone angle follows JawOpen: rotation about +X by 2*asin(x)
    jaw_angle = 2 * np.arcsin(clip.joints[:, 0, 0])
    assert np.corrcoef(jaw_angle, clip.curve("JawOpen"))[0, 1] > 0.999


def test_speech_moves_the_mouth_and_emits_visemes(speech_audio):
    clip = animate_audio(speech_audio)
    jaw = clip.curve("JawOpen")
    assert jaw.max() > 0.4 and np.percentile(jaw, 10) < 0.1
    assert len(clip.visemes) > 10
    assert all(v.end_s > v.start_s for v in clip.visemes)
    starts = [v.start_s for v in clip.visemes]
    assert starts == sorted(starts)
    assert {v.viseme for v in clip.visemes} - {"sil"}, "only silence was detected"


@pytest.mark.parametrize("kwargs", [dict(fps=0), dict(fps=121), dict(lookahead_ms=501),
                                    dict(head_motion=3.0), dict(blink=-1.0), dict(seed=-1)])
def test_options_out_of_range_are_rejected(kwargs):
    with pytest.raises(OptionsError):
        AnimationOptions(**kwargs)


def test_emotions_ease_in_and_scale_with_expression(speech_audio):
    joy = AnimationOptions(emotions=(("joy", 1.0),))
    smile = ARKIT_52.index("MouthSmileLeft")
    neutral = animate_audio(speech_audio).weights[:, smile]
    happy = animate_audio(speech_audio, joy).weights[:, smile]
    assert happy[5:].mean() > neutral[5:].mean() + 0.4
    muted = animate_audio(speech_audio, AnimationOptions(emotions=(("joy", 1.0),), expression=0.0))
    np.testing.assert_allclose(muted.weights[:, smile], animate_audio(
        speech_audio, AnimationOptions(expression=0.0)).weights[:, smile])
    animator = StreamingAnimator(AnimationOptions(fps=30))
    animator.set_emotions(1.0, {"anger": 1.0})
    frames = animator.push(speech_audio.samples).frames + animator.finish().frames
    brow = np.array([f.weights[ARKIT_52.index("BrowDownLeft")] for f in frames])
    assert brow[:29].max() < 0.05 and brow[45:].min() > 0.5
    with pytest.raises(OptionsError, match="unknown emotion"):
        AnimationOptions(emotions=(("smug", 1.0),))
