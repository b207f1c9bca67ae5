"""Text → speech chunks with aligned animation: one clock, contiguous frames, lips that follow the voice."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.animation.rig import JOINTS
from fantasy_talking.pipeline import PhoneAnimator
from fantasy_talking.speech.tts.base import SynthesisCancelled
from fantasy_talking.speech.tts.registry import TtsRegistry, installed_engines
from fantasy_talking.pipeline.speak import MAX_CHUNK_SECONDS, plan_speech, speak, whole_utterance
from fantasy_talking.speech.tts.text import TextError

OPEN_VOWELS = ("a", "ɑ", "æ")
LIP_GAP_CLOSED = 0.12
"""ARKit lips meet when MouthClose equals JawOpen; JawOpen − MouthClose is the gap left between them."""
JAW_OPEN_VOWEL = 0.4


@pytest.fixture(scope="module")
def registry() -> TtsRegistry:
    registry = TtsRegistry(installed_engines())
    if not registry.engines or registry.engines[0].name != "espeak":
        pytest.skip("espeak-ng is not installed (tools/setup.sh installs it)")
    return registry


def test_chunks_tile_the_audio_and_frames_tile_the_clock(registry):
    plan = plan_speech("Hello there. This second sentence is long enough to need several chunks of audio. Bye.",
                       "en-US", sample_rate=22050, options=AnimationOptions(fps=60), registry=registry)
    chunks = list(speak(plan))
    assert [c.sentence for c in chunks] == sorted(c.sentence for c in chunks)
    assert {c.sentence for c in chunks} == {0, 1, 2}
    assert [c.text for c in chunks if c.text] == list(plan.sentences)
    next_sample = next_frame = 0
    for chunk in chunks:
        assert chunk.start_sample == next_sample
        assert len(chunk.samples) <= MAX_CHUNK_SECONDS * 22050
        next_sample += len(chunk.samples)
        for frame in chunk.frames:
            assert frame.index == next_frame
            assert frame.time_s == pytest.approx(frame.index / 60)
            assert chunk.start_s - 1e-9 <= frame.time_s < chunk.end_s
            next_frame += 1
        assert all(chunk.start_s - 1e-9 <= v.start_s < chunk.end_s for v in chunk.visemes)
    audio, clip = whole_utterance(plan, chunks)
    assert clip.n_frames == int(np.ceil(audio.duration_s * 60 - 1e-6))


def test_animation_follows_the_synthesisers_phones(registry):
    """Every bilabial closes the lips and every open vowel opens the jaw, within one frame of the synthesiser's timing."""
    failures = []
    for text, language in [("Peter Piper picked a peck of pickled peppers. My mom made apple pie.", "en-US"),
                           ("爸爸妈妈不怕苹果。北京的面包很便宜。", "zh-CN")]:
        plan = plan_speech(text, language, registry=registry)
        _, clip = whole_utterance(plan, speak(plan))
        gap = clip.curve("JawOpen") - clip.curve("MouthClose")
        jaw = clip.curve("JawOpen")
        bilabials = open_vowels = 0
        for v in clip.visemes:
            lo = max(0, int(np.floor(v.start_s * clip.fps)) - 1)
            hi = min(clip.n_frames, int(np.ceil(v.end_s * clip.fps)) + 2)
            if v.viseme == "PP":
                bilabials += 1
                if gap[lo:hi].min() > LIP_GAP_CLOSED:
                    failures.append((language, v.phoneme, round(v.start_s, 3), "lip gap", float(gap[lo:hi].min())))
            elif v.phoneme.startswith(OPEN_VOWELS):
                open_vowels += 1
                if jaw[lo:hi].max() < JAW_OPEN_VOWEL:
                    failures.append((language, v.phoneme, round(v.start_s, 3), "JawOpen", float(jaw[lo:hi].max())))
        assert bilabials >= 8 and open_vowels >= 3
    assert not failures


def test_animating_in_chunks_matches_animating_the_whole_sentence(registry):
    """Chunks are animated one by one, yet every chunk sees all the sentence's phones: the mouth matches.

    (Brows and eyes follow prosody features computed per chunk, so they may differ near chunk edges.)
    """
    plan = plan_speech("Peter Piper picked a peck of pickled peppers, and my mom made apple pie.", "en-US",
                       registry=registry)
    speech = plan.engine.synthesize(plan.sentences[0], plan.voice)

    class Fixed:
        name = "fixed"

        def synthesize(self, *args, **kwargs):
            return speech

    plan = type(plan)(Fixed(), plan.voice, plan.sentences, plan.prosody, plan.sample_rate, plan.options)
    chunks = list(speak(plan))
    assert len(chunks) >= 4
    _, pieces = whole_utterance(plan, chunks)
    whole = PhoneAnimator(plan.options).animate(speech.phones, speech.audio)
    assert pieces.n_frames == whole.n_frames
    mouth = [i for i, name in enumerate(whole.curve_names) if name.startswith(("Jaw", "Mouth", "Tongue"))]
    np.testing.assert_allclose(pieces.weights[:, mouth], whole.weights[:, mouth], atol=0.02)
    np.testing.assert_allclose(pieces.joints[:, JOINTS.index("jaw")], whole.joints[:, JOINTS.index("jaw")], atol=0.02)


def test_cancel_stops_before_the_next_sentence(registry):
    engine = registry.engines[0]
    calls: list[int] = []
    cancel = threading.Event()

    class CancelDuringSecond:
        name = engine.name

        def synthesize(self, text, voice, rate, pitch, volume, sample_rate, cancel_event):
            calls.append(len(calls))
            if len(calls) == 2:
                cancel.set()
            return engine.synthesize(text, voice, rate, pitch, volume, sample_rate, cancel_event)

    plan = plan_speech("One. Two. Three. Four.", "en-US", registry=registry)
    plan = type(plan)(CancelDuringSecond(), plan.voice, plan.sentences, plan.prosody,
                      plan.sample_rate, plan.options)
    chunks = list(speak(plan, cancel))
    assert calls == [0, 1]
    assert {c.sentence for c in chunks} == {0}
    with pytest.raises(SynthesisCancelled):
        engine.synthesize("Two.", plan.voice, cancel=cancel)


@pytest.mark.parametrize("text", ["", "...", "\x07"])
def test_plan_rejects_text_with_nothing_to_say(registry, text):
    with pytest.raises(TextError):
        plan_speech(text, "en-US", registry=registry)
