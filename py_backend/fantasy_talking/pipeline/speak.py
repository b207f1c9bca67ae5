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
from fantasy_talking.speech.phonemes import PhoneSegment
from fantasy_talking.speech.tts.base import Prosody, SynthesisCancelled, TtsEngine, check_sample_rate
from fantasy_talking.speech.tts.registry import TtsRegistry, default_registry
from fantasy_talking.speech.tts.text import TextError, check_text, normalize, split_sentences

MAX_CHUNK_SECONDS = 0.5
"""Audio is sent in chunks of at most this length, so no message grows past ~100 kB; each
sentence's first chunk is animated on its own, so it leaves as soon as the sentence is synthesised."""

ANIMATION_ENGINE = "tts"


@dataclass(frozen=True)
class SpeechPlan:
    """A checked request: who speaks which sentences, how, and how the face moves."""

    engine: TtsEngine
    voice: str
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
    return SpeechPlan(engine, voice or voice_info.name, sentences, prosody, sample_rate, animation)


def speak(plan: SpeechPlan, cancel: threading.Event | None = None,
          on_sentence: Callable[[int], None] | None = None) -> Iterator[SpeechChunk]:
    """Synthesise and animate sentence by sentence; stops without error as soon as `cancel` is set.

    Each sentence is animated in two calls, its first MAX_CHUNK_SECONDS and the rest, so its
    first chunk leaves early. Both calls see all of the sentence's phones, so the mouth is the
    same as if the sentence were animated at once; only prosody features (brows) restart at the cut.
    """
    animator = PhoneAnimator(plan.options)
    fps, rate = plan.options.fps, plan.sample_rate
    max_chunk = max(1, int(MAX_CHUNK_SECONDS * rate))
    next_sample = next_frame = 0
    pending: list[Frame] = []
    for index, sentence in enumerate(plan.sentences):
        if cancel is not None and cancel.is_set():
            return
        try:
            speech = plan.engine.synthesize(sentence, plan.voice, plan.prosody.rate, plan.prosody.pitch,
                                            plan.prosody.volume, rate, cancel)
        except SynthesisCancelled:
            return
        samples = speech.audio.samples
        samples_16k = resample(samples, rate, SAMPLE_RATE)
        # The visemes describe the audio, so they run on its clock (the animator's advances by the
        # 16 kHz copies' lengths, a fraction of a sample away at other rates).
        sentence_s = next_sample / rate
        visemes = [VisemeEvent(p.viseme_id, p.viseme, sentence_s + p.start_s, sentence_s + p.end_s, p.phone)
                   for p in speech.phones]
        cuts = sorted({0, min(max_chunk, len(samples)), len(samples)})
        first_chunk = True
        for piece_start, piece_end in zip(cuts[:-1] or [0], cuts[1:] or [0]):
            lo = round(piece_start * SAMPLE_RATE / rate)
            hi = len(samples_16k) if piece_end == len(samples) else round(piece_end * SAMPLE_RATE / rate)
            offset_s = lo / SAMPLE_RATE
            shifted = [PhoneSegment(p.phone, p.start_s - offset_s, p.end_s - offset_s, p.viseme)
                       for p in speech.phones]
            for f in animator.animate(shifted, Audio(samples_16k[lo:hi])).frames():
                pending.append(Frame(next_frame, next_frame / fps, f.weights, f.joints, f.angles, f.idle))
                next_frame += 1
            for start in range(piece_start, max(piece_end, piece_start + 1), max_chunk):
                end = min(start + max_chunk, piece_end)
                last = end == len(samples) and index == len(plan.sentences) - 1
                chunk_start, next_sample = next_sample, next_sample + end - start
                end_s = next_sample / rate
                frames = pending if last else [f for f in pending if f.time_s < end_s]
                pending = pending[len(frames):]
                spans = visemes if last else [v for v in visemes if v.start_s < end_s]
                visemes = visemes[len(spans):]
                yield SpeechChunk(index, sentence if first_chunk else "", samples[start:end], rate, chunk_start,
                                  frames, spans)
                first_chunk = False
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
