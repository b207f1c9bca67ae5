"""The streaming engine: audio chunks in, time-coded frames out, with bounded look-ahead.

Pipeline per chunk: 16 kHz samples → 100 Hz features → raw articulators (acoustic path) →
look-ahead smoothing (the acoustic form of coarticulation) → frames at the output fps.

A frame at time t is released as soon as audio up to t + look-ahead has arrived, so the
added latency never exceeds the look-ahead. Everything is computed frame by frame in
order, so any chunking of the same audio yields identical frames, and `pipeline.animate_audio`
is literally this engine fed the whole clip.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fantasy_talking.articulation.articulators import A
from fantasy_talking.animation.clip import Frame, VisemeEvent
from fantasy_talking.animation.compose import SPEAKING_ACTIVITY, FrameComposer
from fantasy_talking.animation.fusion import PhoneFusion
from fantasy_talking.animation.lip_seal import BilabialSeal, seal_lips
from fantasy_talking.animation.options import AnimationOptions, Engine
from fantasy_talking.animation.rig import JOINTS, VISEMES
from fantasy_talking.animation.visemes import TARGETS
from fantasy_talking.audio.decode import SAMPLE_RATE
from fantasy_talking.audio.features import FEATURE_RATE, HALF, HOP, FeatureStream
from fantasy_talking.articulation.acoustic import AcousticArticulation
from fantasy_talking.articulation.known_phones import KnownPhones
from fantasy_talking.speech.phonemes import PhoneSegment

# Smoothing widths (Gaussian sigma, in 10 ms feature frames) per articulator: the lips seal
# and part quickly, the jaw and rounding move more slowly.
SIGMA_FRAMES = np.array([4.0, 1.6, 4.0, 4.0, 3.5, 2.5, 2.5, 2.5, 2.5, 2.5], np.float32)
JAW_SIGMA_FRAMES = 4.0    # the jaw's own width (SIGMA_FRAMES[0]), chosen leave-one-clip-out
# The mouth moves ahead of the sound it makes: lips close before a /p/ burst and open before
# a vowel's energy peaks (the videos' mouths open 100-250 ms before the voice of a phrase starts).
# Frames show the articulation of up to 80 ms later, within the look-ahead (half of it, chosen
# leave-one-clip-out with the learned opening, so the smoothing keeps future context too).
ANTICIPATION_FRAMES = 8
ANTICIPATION_SHARE = 0.5   # share of the future frames spent on anticipation (the rest smooths)
CLASSIFY_DIMS = np.array([0, 1, 2, 4, 6])   # open, close, round, spread, teeth decide the viseme
_CLASSIFY_TARGETS = TARGETS[None, :, CLASSIFY_DIMS]
MIN_VISEME_S = 0.04
SETTLE_S = 0.2
REST = np.zeros(len(SIGMA_FRAMES), np.float32)
REST[A["close"]] = 1.0   # at rest the lips meet and the jaw is closed


@dataclass
class StreamOutput:
    """What one call released: frames in time order and the visemes decided meanwhile."""

    frames: list[Frame] = field(default_factory=list)
    visemes: list[VisemeEvent] = field(default_factory=list)

    def extend(self, other: "StreamOutput") -> None:
        self.frames.extend(other.frames)
        self.visemes.extend(other.visemes)


def viseme_weights_from_articulators(articulators: np.ndarray, activity: np.ndarray) -> np.ndarray:
    """Soft nearest-target classification: (T, N_ARTICULATORS) → (T, 15) weights summing to 1.
    Without speech activity the viseme is silence, even though resting lips look like a /p/."""
    diff = articulators[:, None, CLASSIFY_DIMS] - _CLASSIFY_TARGETS
    score = np.add.reduce(diff * diff, axis=2) * (-1 / 0.02)
    score -= np.maximum.reduce(score, axis=1, keepdims=True)
    weights = np.exp(score)
    speaking = np.minimum(np.maximum(activity * (1 / SPEAKING_ACTIVITY), 0.0), 1.0)[:, None]
    weights *= speaking / np.add.reduce(weights, axis=1, keepdims=True)
    weights[:, 0] += 1.0 - speaking[:, 0]
    return weights.astype(np.float32, copy=False)


class VisemeTracker:
    """Turns per-frame dominant visemes into events, releasing each once it has ended."""

    def __init__(self) -> None:
        self.current: int | None = None
        self.start_s = 0.0

    def update(self, viseme_ids: np.ndarray, times: np.ndarray) -> list[VisemeEvent]:
        events = []
        for vid, t in zip(viseme_ids.tolist(), times.tolist()):
            if self.current is None:
                self.current, self.start_s = vid, t
            elif vid != self.current and t - self.start_s >= MIN_VISEME_S:
                events.append(VisemeEvent(self.current, VISEMES[self.current], self.start_s, t))
                self.current, self.start_s = vid, t
        return events

    def close(self, end_s: float) -> list[VisemeEvent]:
        if self.current is None or end_s <= self.start_s:
            return []
        event = VisemeEvent(self.current, VISEMES[self.current], self.start_s, end_s)
        self.current = None
        return [event]


class StreamingAnimator:
    """Incremental audio → animation engine: the acoustic path, with phone identity fused in
    when the options ask for Engine.FUSED (animation/fusion.py), and with the clip's words when they
    are given (Engine.WORDS, whose words are known before the clip is animated): the lips sealed on
    their bilabials (animation/lip_seal.py), their visemes read by the learned opening."""

    engine = "acoustic"
    joint_names = JOINTS

    def __init__(self, options: AnimationOptions = AnimationOptions(),
                 words: Sequence[PhoneSegment] | None = None) -> None:
        """`words`: the clip's aligned phones, known before it is animated (the words engine)."""
        self.options = options
        self.fps = options.fps
        self.engine = "words" if words is not None else "fused" if options.engine is Engine.FUSED else "acoustic"
        self._seal = BilabialSeal(words) if words is not None else None
        self._known = KnownPhones(words) if words is not None else None
        self.lookahead_ms = options.lookahead_ms
        # Feature frames we may look past a frame's time: a feature frame needs HALF samples
        # of audio beyond its centre, and that counts against the look-ahead.
        self.future_frames = max(0, math.floor((options.lookahead_ms - 1000 * HALF / SAMPLE_RATE) / 10))
        self.anticipation_frames = min(ANTICIPATION_FRAMES, int(self.future_frames * ANTICIPATION_SHARE))
        self._acoustic = AcousticArticulation(heard_phones=self.engine == "fused", known_phones=self._known is not None)
        self._composer = FrameComposer(options)
        self._visemes = VisemeTracker()
        self.curve_names = self._composer.curve_names
        self._samples_in = 0
        self._pending: list[np.ndarray] = []   # audio received but not analysed yet
        self._fusion = PhoneFusion() if self.engine == "fused" else None
        self._start_analysis(base_sample=0)
        sigma = SIGMA_FRAMES.copy()
        sigma[A["open"]] = JAW_SIGMA_FRAMES
        self._past_frames = int(3 * sigma.max())
        offsets = np.arange(-self._past_frames, self.future_frames - self.anticipation_frames + 1)
        self._kernel = np.exp(-0.5 * (offsets[:, None] / sigma[None, :]) ** 2).astype(np.float32)
        self._offsets = offsets
        # The kernel placed for the feature frame before a frame's position and for the one after,
        # so interpolating between the two smoothed values is one weighted sum over one window.
        zero = np.zeros((1, len(SIGMA_FRAMES)), np.float32)
        total = self._kernel.sum(axis=0)
        self._kernel_lo = np.concatenate([self._kernel, zero]) / total
        self._kernel_hi = np.concatenate([zero, self._kernel]) / total

    def _start_analysis(self, base_sample: int) -> None:
        """Fresh feature analysis whose frame 0 sits at `base_sample` on the audio clock."""
        self._base_sample = base_sample
        self._base_s = base_sample / SAMPLE_RATE
        self._features = FeatureStream()
        if self._fusion is not None:
            self._fusion.restart()
        self._raw = np.zeros((0, len(SIGMA_FRAMES)), np.float32)   # raw articulators, window kept
        self._activity = np.zeros(0, np.float32)
        self._f0 = np.zeros(0, np.float32)
        self._raw_offset = 0            # feature index of self._raw[0]

    @property
    def audio_seconds(self) -> float:
        return self._samples_in / SAMPLE_RATE

    def push(self, samples: np.ndarray) -> StreamOutput:
        """Add 16 kHz mono samples; return every frame whose look-ahead is now satisfied.

        Audio is only analysed once the next frame can be released, so many small chunks
        cost little more than one large one, and latency is unchanged."""
        self._samples_in += len(samples)
        self._pending.append(samples)
        if self._samples_in < self._samples_needed(self._composer.next_index):
            return StreamOutput()
        self._analyse_pending()
        return self._release(limit_s=math.inf)

    def _samples_needed(self, frame_index: int) -> int:
        """Audio (in samples on the clock) that must have arrived before `frame_index` is released."""
        last_feature = math.ceil(self._feature_position(frame_index)) + self.future_frames - self.anticipation_frames
        return self._base_sample + last_feature * HOP + HALF

    def set_emotions(self, time_s: float, emotions: dict[str, float]) -> None:
        """From `time_s` on the audio clock, ease the face towards this emotion mix
        (names from animation.emotions.EMOTIONS, strengths 0..1). Raises ValueError on bad input."""
        self._composer.emotions.set(time_s, emotions)

    def interrupt(self) -> StreamOutput:
        """Drop the articulation of everything not yet animated and settle the face to rest.

        The clock then runs on by SETTLE_S of silence, so the settling is always shown;
        audio sent after the interrupt is timed from there."""
        self._analyse_pending()
        pending = math.floor(self._feature_position(self._composer.next_index)) - self._raw_offset
        self._raw[max(0, pending):] = REST
        self._activity[max(0, pending):] = 0.0
        out = self.push(np.zeros(int(SETTLE_S * SAMPLE_RATE), np.float32))
        out.extend(self._drain())
        out.visemes.extend(self._visemes.close(self.audio_seconds))
        self._start_analysis(base_sample=self._samples_in)
        return out

    def finish(self) -> StreamOutput:
        """End of audio: release every remaining frame up to the audio's end."""
        out = self._drain()
        out.visemes.extend(self._visemes.close(self.audio_seconds))
        return out

    def _drain(self) -> StreamOutput:
        self._analyse_pending()
        pad = HALF + (self.future_frames + 2) * HOP + math.ceil(SAMPLE_RATE / self.fps)
        self._analyse(np.zeros(pad, np.float32))
        return self._release(limit_s=self.audio_seconds)

    def _feature_position(self, frame_index: int) -> float:
        """Where frame `frame_index` reads the feature track (anticipation included)."""
        return (frame_index / self.fps - self._base_s) * FEATURE_RATE + self.anticipation_frames

    def _analyse_pending(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self._analyse(np.concatenate(pending) if len(pending) > 1 else pending[0])

    def _analyse(self, samples: np.ndarray) -> None:
        features = self._features.push(samples)
        posteriors = self._fusion.hear(samples, features) if self._fusion is not None else None
        if self._known is not None:
            posteriors = self._known.posteriors(self._base_s, self._raw_offset + len(self._raw), len(features))
        if len(features) == 0:
            return
        raw, activity = self._acoustic.process(features, posteriors)
        if self._fusion is not None:
            raw = self._fusion.fuse(raw, activity, posteriors)
        self._raw = np.concatenate([self._raw, raw])
        self._activity = np.concatenate([self._activity, activity])
        self._f0 = np.concatenate([self._f0, features.f0_hz])

    def _smoothed(self, index: int) -> np.ndarray:
        """Articulators at feature frame `index`, smoothed over the past and the allowed future."""
        local = index - self._raw_offset + self._offsets
        valid = (local >= 0) & (local < len(self._raw))
        weights = self._kernel[valid]
        return (weights * self._raw[local[valid]]).sum(axis=0) / weights.sum(axis=0)

    def _articulations_at(self, positions: list[float]) -> np.ndarray:
        """Smoothed articulators at fractional feature positions, interpolated linearly: (len, N).

        Inside the analysed track (every frame after the first few) a frame on a feature frame is
        one weighted sum over that frame's window, and a frame between two is one over a window one
        longer, the two kernels blended; each kind is summed for all its frames at once, row after
        row in the window as for a single frame, so the numbers do not depend on the batch. Only
        near the start of a track do the per-index weights need trimming."""
        out = np.empty((len(positions), self._kernel.shape[1]), np.float32)
        lows = [math.floor(pos) for pos in positions]
        on_frame, between = [], []
        for k, (pos, lo) in enumerate(zip(positions, lows)):
            start = lo - self._raw_offset - self._past_frames
            frac = pos - lo
            if start < 0 or start + len(self._kernel) + (frac != 0.0) > len(self._raw):
                out[k] = (1 - frac) * self._smoothed(lo) + frac * self._smoothed(math.ceil(pos))
            else:
                (between if frac else on_frame).append((k, start, frac))
        if on_frame:
            rows, starts, _ = zip(*on_frame)
            out[list(rows)] = self._window_sums(starts, self._kernel_lo[:-1])
        if between:
            rows, starts, fracs = zip(*between)
            fracs = np.array(fracs)[:, None, None]
            weights = (1 - fracs).astype(np.float32) * self._kernel_lo + fracs.astype(np.float32) * self._kernel_hi
            out[list(rows)] = self._window_sums(starts, weights)
        return out

    def _window_sums(self, starts: tuple[int, ...], weights: np.ndarray) -> np.ndarray:
        """Σ weights · raw over the window from each start, the window's rows added in order."""
        windows = self._raw[np.array(starts)[:, None] + np.arange(weights.shape[-2])]
        return np.add.reduce(weights * windows, axis=1)

    def _release(self, limit_s: float) -> StreamOutput:
        """Emit frames whose needed feature frames exist, with time < limit_s."""
        available = self._raw_offset + len(self._raw)   # feature frames analysed so far
        times, positions, acts, f0s = [], [], [], []
        while True:
            index = self._composer.next_index + len(times)
            t = index / self.fps
            pos = self._feature_position(index)
            hi = math.ceil(pos)
            if t >= limit_s or hi + self.future_frames - self.anticipation_frames >= available:
                break
            local = hi - self._raw_offset
            times.append(t)
            positions.append(pos)
            acts.append(self._activity[local])
            f0s.append(self._f0[local])
        out = StreamOutput()
        if times:
            articulators = self._articulations_at(positions)
            if self._seal is not None:
                articulators = seal_lips(articulators, self._seal.weights(np.array(times), 1.0 / self.fps))
            activity = np.array(acts, np.float32)
            weights = viseme_weights_from_articulators(articulators, activity)
            out.frames = self._composer.compose(articulators, weights, activity, np.array(f0s))
            out.visemes = self._visemes.update(weights.argmax(axis=1), np.array(times))
        self._trim()
        return out

    def _trim(self) -> None:
        """Forget feature frames no future frame can reach."""
        first_needed = math.floor(self._feature_position(self._composer.next_index)) - self._past_frames - 1
        drop = first_needed - self._raw_offset
        if drop > 0:
            self._raw = self._raw[drop:]
            self._activity = self._activity[drop:]
            self._f0 = self._f0[drop:]
            self._raw_offset += drop
