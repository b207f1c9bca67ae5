"""Text → speech audio + exactly aligned animation, sentence by sentence, on one clock.

`plan_speech` checks everything up front (text, language, voice, prosody, sample rate), so a
bad request fails before any audio is produced. `speak` then synthesises one sentence at a
time and animates it with `PhoneAnimator` from the synthesiser's own phone timings; the
animator continues its clock across sentences, so blinks and head motion do not restart.

The stream clock counts output samples: chunk k covers samples [start_sample, start_sample + n)
and carries every frame whose time falls in that span, so frames and audio can never drift
apart, whatever the output sample rate.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator

import numpy as np

from fantasy_talking.animation.clip import AnimationClip, Frame, VisemeEvent
from fantasy_talking.animation.options import AnimationOptions
from fantasy_talking.animation.rig import curve_names
from fantasy_talking.audio.decode import SAMPLE_RATE, Audio, resample
from fantasy_talking.pipeline import PhoneAnimator
from fantasy_talking.speech.tts.base import Prosody, SynthesisCancelled, TtsEngine, Voice, check_sample_rate
from fantasy_talking.speech.tts.registry import TtsRegistry, default_registry
from fantasy_talking.speech.tts.text import check_text, normalize, split_sentences, TextError

MAX_CHUNK_SECONDS = 1.0
"""Longer sentences are sent as several chunks, so no message grows past a few hundred kB."""

ANIMATION_ENGINE = "tts"


@dataclass(frozen=True)
class SpeechPlan:
    """A checked request: who speaks which sentences, how, and how the face moves."""

    engine: TtsEngine
    voice: str
    voice_info: Voice
    sentences: tuple[str, ...]
    prosody: Prosody
    sample_rate: int
    options: AnimationOptions


@dataclass(frozen=True)
class SpeechChunk:
    """Audio samples [start_sample, start_sample + len(samples)) of the utterance and the frames inside them."""

    sentence: int
    text: str
    samples: np.ndarray
    sample_rate: int
    start_sample: int
    frames: list[Frame]
    visemes: list[VisemeEvent]

    @property
    def start_s(self) -> float:
        return self.start_sample / self.sample_rate

    @property
    def end_s(self) -> float:
        return (self.start_sample + len(self.samples)) / self.sample_rate


def plan_speech(text: str, language: str = "", voice: str = "", rate: float = 1.0, pitch: float = 1.0,
                volume: float = 1.0, sample_rate: int = SAMPLE_RATE,
                options: AnimationOptions = AnimationOptions(),
                registry: TtsRegistry | None = None) -> SpeechPlan:
    """Check a request; raises TtsError or TextError (both ValueError) with a message for the caller."""
    prosody = Prosody(rate, pitch, volume)
    check_sample_rate(sample_rate)
    text = check_text(text)
    engine, voice_info = (registry or default_registry()).resolve(language, voice)
    spoken_language = language or voice_info.language
    sentences = tuple(split_sentences(normalize(text, spoken_language)))
    if not sentences:
        raise TextError("text has nothing to speak (only punctuation or symbols); send words")
    animation = replace(options, language=spoken_language, transcript="")
    return SpeechPlan(engine, voice or voice_info.name, voice_info, sentences, prosody, sample_rate, animation)


def speak(plan: SpeechPlan, cancel: threading.Event | None = None,
          on_sentence: Callable[[int], None] | None = None) -> Iterator[SpeechChunk]:
    """Synthesise and animate sentence by sentence; stops without error as soon as `cancel` is set."""
    animator = PhoneAnimator(plan.options)
    fps = plan.options.fps
    rate = plan.sample_rate
    next_sample = 0
    pending: list[Frame] = []
    max_chunk = int(MAX_CHUNK_SECONDS * rate)
    for index, sentence in enumerate(plan.sentences):
        if cancel is not None and cancel.is_set():
            return
        try:
            speech = plan.engine.synthesize(sentence, plan.voice, plan.prosody.rate, plan.prosody.pitch,
                                            plan.prosody.volume, rate, cancel)
        except SynthesisCancelled:
            return
        animation_audio = Audio(resample(speech.audio.samples, rate, SAMPLE_RATE))
        clip = animator.animate(speech.phones, animation_audio)
        first = clip.first_index
        pending += [Frame(first + i, (first + i) / fps, f.weights, f.joints, f.angles, f.idle)
                    for i, f in enumerate(clip.frames())]
        visemes = list(clip.visemes)
        samples = speech.audio.samples
        last_sentence = index == len(plan.sentences) - 1
        for offset in range(0, max(len(samples), 1), max_chunk):
            piece = samples[offset:offset + max_chunk]
            start = next_sample
            next_sample += len(piece)
            end_s = next_sample / rate
            final = last_sentence and offset + max_chunk >= len(samples)
            frames = pending if final else [f for f in pending if f.time_s < end_s]
            pending = pending[len(frames):]
            spans = [v for v in visemes if final or v.start_s < end_s]
            visemes = visemes[len(spans):]
            yield SpeechChunk(index, sentence if offset == 0 else "", piece, rate, start, frames, spans)
        if on_sentence is not None:
            on_sentence(index)


def whole_utterance(plan: SpeechPlan, chunks: Iterable[SpeechChunk]) -> tuple[Audio, AnimationClip]:
    """Chunks joined back into the whole utterance: one Audio (at the plan's rate) and one AnimationClip."""
    chunks = list(chunks)
    samples = np.concatenate([c.samples for c in chunks]) if chunks else np.zeros(0, np.float32)
    duration = len(samples) / plan.sample_rate
    clip = AnimationClip.from_frames([f for c in chunks for f in c.frames], curve_names(plan.options.rig),
                                     plan.options.fps, [v for c in chunks for v in c.visemes], duration,
                                     ANIMATION_ENGINE)
    return Audio(samples, plan.sample_rate), clip
