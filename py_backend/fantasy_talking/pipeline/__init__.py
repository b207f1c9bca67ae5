"""The public entry points: audio or phones in, `AnimationClip` out (text in: `pipeline.speak`).

The pipeline sits above the layers and wires them (decode → features → articulation →
animation); no layer imports it. Every front end (CLI, gRPC, farm) calls these, so identical
input gives identical curves everywhere. Clips without a transcript run the streaming engine over the whole audio, which
is why a clip and a stream of the same audio agree frame for frame.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from fantasy_talking.animation.clip import AnimationClip, VisemeEvent
from fantasy_talking.animation.coarticulation import blend
from fantasy_talking.animation.compose import FrameComposer
from fantasy_talking.animation.options import AnimationOptions, Engine, OptionsError
from fantasy_talking.animation.stream import StreamingAnimator
from fantasy_talking.audio.decode import Audio, decode_file
from fantasy_talking.audio.features import FEATURE_RATE, HALF, FeatureStream
from fantasy_talking.articulation.acoustic import AcousticArticulation
from fantasy_talking.speech.phonemes import PhoneSegment

Progress = Callable[[float], None]
"""Called with the fraction done, 0..1."""

CHUNK_SECONDS = 1.0
WORDS_SHARE = 0.8
"""Share of the progress bar given to recognising the words (Engine.WORDS): most of its time."""

MAX_TRANSCRIPT_CHARS = 20_000
MAX_TRANSCRIPT_CHARS_PER_SECOND = 40.0
MAX_TRANSCRIPT_WORDS_PER_SECOND = 8.0
"""Transcript bounds. Alignment cost grows with the words to align, so a transcript far longer
than anyone can say in the audio (fast speech: ~4 words, ~20 characters a second) is refused
rather than aligned for minutes; at least one second of audio is always counted."""


def check_transcript(transcript: str, duration_s: float) -> None:
    """OptionsError when `transcript` is longer than `duration_s` of speech can be."""
    seconds = max(1.0, duration_s)
    chars = len(transcript)
    char_limit = min(MAX_TRANSCRIPT_CHARS, int(MAX_TRANSCRIPT_CHARS_PER_SECOND * seconds))
    if chars > char_limit:
        raise OptionsError(f"the transcript has {chars} characters; {duration_s:.1f} s of audio allows at most "
                           f"{char_limit} ({MAX_TRANSCRIPT_CHARS_PER_SECOND:g} a second, "
                           f"{MAX_TRANSCRIPT_CHARS} in all); send the words actually spoken")
    words = len(transcript.split())
    word_limit = int(MAX_TRANSCRIPT_WORDS_PER_SECOND * seconds)
    if words > word_limit:
        raise OptionsError(f"the transcript has {words} words; {duration_s:.1f} s of audio allows at most "
                           f"{word_limit} ({MAX_TRANSCRIPT_WORDS_PER_SECOND:g} a second); "
                           "send the words actually spoken")


def needs_phones(options: AnimationOptions) -> bool:
    """Whether animating a clip with these options first decodes its phones with PocketSphinx
    (`clip_phones`): seconds of CPU that hold Python's GIL throughout, which a server runs apart."""
    return options.engine is Engine.PHONETIC or _use_words(options)


def clip_phones(audio: Audio, options: AnimationOptions, progress: Progress | None = None) -> list[PhoneSegment]:
    """The phones `animate_audio` animates from (only where `needs_phones`): the transcript's, aligned,
    or the phones (phonetic engine) or words (words engine) recognised in the audio."""
    from fantasy_talking.speech import sphinx

    if options.engine is Engine.PHONETIC:
        return (sphinx.align_phones(audio, options.transcript) if options.transcript
                else sphinx.recognize_phones(audio))
    return sphinx.word_phones(audio, _words_transcript(options), progress)


def animate_audio(audio: Audio, options: AnimationOptions = AnimationOptions(),
                  progress: Progress | None = None,
                  phones: Sequence[PhoneSegment] | None = None) -> AnimationClip:
    """Animate a whole clip with the streaming acoustic engine; with the words engine, or an English
    transcript under `auto`, its lips sealed on the clip's bilabials (from the transcript's words,
    or without one the words recognised in the audio) and its viseme events the aligned phones.
    The phonetic engine, when asked for, animates the phones alone. `phones`: what `clip_phones`
    gives for this audio and these options, when the caller has decoded them already.
    Raises OptionsError for a transcript longer than the audio can hold (`check_transcript`)."""
    check_transcript(options.transcript, audio.duration_s)
    if options.engine is Engine.PHONETIC:
        phones = clip_phones(audio, options) if phones is None else phones
        clip = PhoneAnimator(options).animate(phones, audio)
        clip.engine = "phonetic"
        if progress:
            progress(1.0)
        return clip
    heard = 0.0
    if not _use_words(options):
        phones = None   # the acoustic and fused engines hear no words
    elif phones is None:
        heard = 0.0 if _words_transcript(options).strip() else WORDS_SHARE   # recognition: most of its time
        phones = clip_phones(audio, options, progress and (lambda done: progress(heard * done)))
    animator = StreamingAnimator(options, phones)
    frames, visemes = [], []
    chunk = int(CHUNK_SECONDS * audio.sample_rate)
    for start in range(0, len(audio.samples), chunk):
        out = animator.push(audio.samples[start:start + chunk])
        frames.extend(out.frames)
        visemes.extend(out.visemes)
        if progress:
            progress(heard + (1.0 - heard) * min(1.0, (start + chunk) / max(1, len(audio.samples))))
    out = animator.finish()
    frames.extend(out.frames)
    visemes.extend(out.visemes)
    if phones is not None:   # the words are known: say which phone each viseme is
        visemes = [VisemeEvent(p.viseme_id, p.viseme, p.start_s, p.end_s, p.phone) for p in phones]
    return AnimationClip.from_frames(frames, animator.curve_names, options.fps, visemes,
                                     audio.duration_s, animator.engine)


def animate_file(source: bytes | str | Path, options: AnimationOptions = AnimationOptions(),
                 max_seconds: float | None = None, progress: Progress | None = None) -> AnimationClip:
    """Decode any audio or video file and animate it."""
    return animate_audio(decode_file(source, max_seconds=max_seconds), options, progress)


def _words_transcript(options: AnimationOptions) -> str:
    """The transcript the words engine aligns: an English one; "" means recognise the words."""
    return options.transcript if options.is_english else ""


def _use_words(options: AnimationOptions) -> bool:
    """The words engine, asked for or chosen by `auto` for an English transcript: with the same
    words it follows real mouths twice as well as the phones alone (README, words engine)."""
    if options.engine is Engine.WORDS:
        return True
    return options.engine is Engine.AUTO and bool(options.transcript.strip()) and options.is_english


class PhoneAnimator:
    """Animates speech whose phones and times are known (TTS, forced alignment).

    Calls continue one clock: the second sentence's frames follow the first's, and the
    non-verbal layer (blinks, gaze, head) carries on without a jump.
    """

    engine = "phones"

    def __init__(self, options: AnimationOptions = AnimationOptions()) -> None:
        self.options = options
        self._composer = FrameComposer(options)
        self._acoustic = AcousticArticulation()
        self.curve_names = self._composer.curve_names
        self.clock_s = 0.0

    def animate(self, phones: Sequence[PhoneSegment], audio: Audio) -> AnimationClip:
        """Frames for `audio`, which starts at `self.clock_s`; `phones` are timed from the
        start of `audio`. Advances the clock by the audio's duration."""
        fps = self.options.fps
        start_index = self._composer.next_index
        end_s = self.clock_s + audio.duration_s
        n = max(0, int(np.ceil(end_s * fps - 1e-9)) - start_index)
        times = (start_index + np.arange(n)) / fps
        local = times - self.clock_s
        articulators, viseme_weights = blend(phones, local)

        features = FeatureStream().push(np.concatenate([audio.samples, np.zeros(HALF, np.float32)]))
        _, activity = self._acoustic.process(features)
        idx = np.clip(np.round(local * FEATURE_RATE).astype(int), 0, max(0, len(features) - 1))
        activity = activity[idx] if len(features) else np.zeros(n, np.float32)
        f0 = features.f0_hz[idx] if len(features) else np.zeros(n, np.float32)

        frames = self._composer.compose(articulators, viseme_weights, activity, f0)
        visemes = [VisemeEvent(p.viseme_id, p.viseme, self.clock_s + p.start_s, self.clock_s + p.end_s, p.phone)
                   for p in phones]
        self.clock_s = end_s
        clip = AnimationClip.from_frames(frames, self.curve_names, fps, visemes, audio.duration_s, self.engine)
        clip.first_index = start_index
        return clip
