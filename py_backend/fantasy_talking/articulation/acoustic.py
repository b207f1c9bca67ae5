"""The language-agnostic acoustic path: speech features → articulators, frame by frame.

No phone recogniser, so it works for any language and streams with a bounded look-ahead.
The cues are the classic ones from phonetics:
- loudness relative to the speaker's own level says how far the mouth is open;
- the first formant (jaw height) scales that opening: /a/ opens wide, /i/ and /u/ barely;
- a low second formant means rounded lips (puckered when the jaw is high, funnelled when it
  is low), a high one spread lips; narrowing the lips lowers every formant (the labial
  locus), so a second formant below the speaker's own average also narrows the opening;
- a voiced murmur with its energy below 350 Hz and little above is a nasal, often /m/;
- when the lips seal the mouth, the sound that still escapes (nasal murmur, the voice bar of
  /b/) has lost its energy above 1 kHz: a spectrum far darker than the speaker's own vowels
  closes the mouth, whatever the loudness;
- silence inside speech, or a sharp drop in level, is a stop closure or a pause: the lips meet;
  but sealed lips let little sound out, so a nearly shut jaw closes the lips only while the
  sound is quiet against the speaker's peak or has the sealed, dark spectrum: a loud /i/ or /u/
  (low F1, narrow lips) keeps them apart;
- strong energy above 3.5 kHz is a fricative: teeth nearly closed, lips apart.
Level trackers adapt to each voice, so no fixed dB threshold decides anything. How much each cue
should count against the others is measured rather than set by hand: a linear read-out of all of
them (opening_model.py) and of the speaker-normalised mel spectrum (spectral_opening.py), fitted to
real talking faces, moves the rules' opening while speech is active (LEARNED_WEIGHT); lip contact
stays the rules' decision. For the fused engine the read-out also hears the phone loop's viseme
(`heard_phones`), with its own set of weights fitted with the phones beside the cues; for the words
engine it reads the viseme of the clip's aligned words (`known_phones`), with a third set.

Speech activity is gated by a voice-activity decision: the mouth moves only once WebRTC's VAD
calls frames speech *and* they are voiced with a steady pitch (a few frames in a row whose F0
agrees within 10 %, octave errors forgiven: rumble can look periodic for a frame, not for 30 ms
at one pitch),
and it keeps moving for a hangover after the last such frame, so unvoiced consonants and stop
gaps inside speech still count. Breath, noise and clicks are not voiced, so they never open the
jaw, however the level trackers stand. Nor does a held note: a voice moves, within 500 ms its
pitch strays more than 2.5 % from its mean or its level swings by more than 6 dB from syllable to
consonant, while a sung vowel or a bowed or blown instrument (vibrato up to ±1 %) stays within
both, so such a stretch shuts the gate once it has lasted 500 ms. Its onset still moves the jaw,
and 500 ms is long because a synthetic voice can hold one pitch and level through a 400 ms vowel.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.articulation.articulators import A, N_ARTICULATORS
from fantasy_talking.articulation.opening_model import LinearOpening, PhoneOpening
from fantasy_talking.articulation.opening_weights import (FUSED_OPENING, FUSED_PHONES, FUSED_SPECTRAL, OPENING,
                                                          SPECTRAL, WORDS_OPENING, WORDS_PHONES, WORDS_SPECTRAL)
from fantasy_talking.articulation.spectral_opening import SpectralOpening, SpectralStream
from fantasy_talking.audio.features import Features


def _ramp(x: float, lo: float, hi: float) -> float:
    """0 below lo, 1 above hi, linear between (comparisons, not min/max calls: it runs in the per-frame loop)."""
    t = (x - lo) / (hi - lo)
    return 0.0 if t < 0.0 else 1.0 if t > 1.0 else t


def _ramps(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """_ramp on a column: the same arithmetic, elementwise."""
    return np.minimum(np.maximum((x - lo) / (hi - lo), 0.0), 1.0)


def _same_pitch(a: float, b: float, tolerance: float) -> bool:
    """a and b agree within `tolerance`, up to the octave and twelfth errors of autocorrelation
    pitch (a period picked at two or three times its length)."""
    if a <= 0.0 or b <= 0.0:
        return False
    ratio = a / b if a > b else b / a
    k = min(round(ratio), 3)
    return abs(ratio - k) < tolerance * k


_PERIOD_RATIOS = tuple(p / q for p in (1, 2, 3) for q in (1, 2, 3) if p == 1 or q == 1 or p != q)


def _same_note(f0: float, mean: float, tolerance: float) -> float:
    """`f0` expressed at the pitch of `mean` when the two are one note (within `tolerance`, up to
    the period errors of autocorrelation pitch on a steady tone: ×2, ×3, ×3/2 and their inverses),
    else 0."""
    if f0 <= 0.0 or mean <= 0.0:
        return 0.0
    for ratio in _PERIOD_RATIOS:
        folded = f0 * ratio
        if abs(folded - mean) < tolerance * mean:
            return folded
    return 0.0


class AcousticArticulation:
    """Streams raw articulator estimates (one per 10 ms feature frame) and speech activity."""

    NOISE_RISE_DB = 0.02      # per frame: the noise floor creeps up until speech pauses pull it down
    PEAK_DECAY_DB = 0.015     # per frame: the speech peak relaxes slowly after loud passages
    MIN_RANGE_DB = 18.0       # floor of the peak-to-noise range, so quiet rooms don't amplify hiss
    VOICE_RATE = 0.005        # per voiced frame: the speaker's typical tilt and F2 adapt over ~2 s
    TYPICAL_TILT_DB = 12.0    # low-band minus upper-band level of voiced speech before any is heard
    TYPICAL_F2_HZ = 1600.0    # second-formant centroid of voiced speech before any is heard
    VOICED = 0.6              # voicing above which a VAD speech frame (re)opens the speech gate
    VOICED_RUN = 3            # ... once this many frames in a row are voiced at one pitch
    PITCH_STEADY = 0.1        # ... consecutive F0 estimates within this fraction of each other
    HANGOVER_FRAMES = 60      # the gate stays open this long (10 ms frames) after voiced speech (chosen leave-one-clip-out)
    HELD_PITCH = 0.025        # a voiced stretch whose F0 stays within this fraction of its own mean ...
    HELD_LEVEL_DB = 6.0       # ... and within this many dB of one level ...
    HELD_FRAMES = 50          # ... for this long (10 ms frames) is a held note, not speech: the gate shuts
    CLOSE_BELOW = 0.15        # during speech the lips meet when the opening falls below this
    CLOSE_RAMP = 0.2          # ... and start to touch this much above it
    QUIET = (0.5, 0.8)        # ... while the loudness (0..1 of the speaker's range) is below these (ramped)
    LOUD_WEIGHT = 0.4         # share of the opening that follows loudness (the rest: F1, i.e. vowel height)
    # The learned read-out of all these cues (opening_model.py) plus the speaker-normalised mel
    # spectrum (spectral_opening.py), in units of the speaker's usual spread, is added to the rules'
    # opening with this weight while speech is active; lip contact stays the rules' decision.
    # None (or weight 0) leaves the rules alone.
    OPENING_MODEL: LinearOpening | None = OPENING
    SPECTRAL_MODEL: SpectralOpening | None = SPECTRAL
    LEARNED_WEIGHT = 0.4
    # The fused engine's read-out: the same two halves and a third over the heard phone's viseme,
    # fitted together (tools/eval/train_opening.py), added with the same weight.
    FUSED_OPENING_MODEL: LinearOpening | None = FUSED_OPENING
    FUSED_SPECTRAL_MODEL: SpectralOpening | None = FUSED_SPECTRAL
    PHONE_MODEL: PhoneOpening | None = FUSED_PHONES
    # The words engine's read-out, fitted the same way with the aligned words' visemes as the third
    # half (None: the acoustic read-out, without a phone half).
    WORDS_OPENING_MODEL: LinearOpening | None = WORDS_OPENING
    WORDS_SPECTRAL_MODEL: SpectralOpening | None = WORDS_SPECTRAL
    WORDS_PHONE_MODEL: PhoneOpening | None = WORDS_PHONES

    def __init__(self, heard_phones: bool = False, known_phones: bool = False) -> None:
        """`heard_phones`: every block comes with the phone loop's viseme posteriors (the fused
        engine), and the fused read-out is used; `known_phones`: with the aligned words' visemes
        (the words engine, articulation/known_phones.py), and the words read-out is used."""
        self.noise_db = -60.0
        self.peak_db = -20.0
        self.tilt_db = self.TYPICAL_TILT_DB
        self.f2_hz = self.TYPICAL_F2_HZ
        self._hang = 0
        self._run = 0
        self._last_f0 = 0.0
        self._held = 0
        self._held_f0 = 0.0
        self._held_lo = self._held_hi = 0.0
        if heard_phones:
            self._cue_model, spectral, self._phone_model = \
                self.FUSED_OPENING_MODEL, self.FUSED_SPECTRAL_MODEL, self.PHONE_MODEL
        elif known_phones and self.WORDS_OPENING_MODEL is not None:
            self._cue_model, spectral, self._phone_model = \
                self.WORDS_OPENING_MODEL, self.WORDS_SPECTRAL_MODEL, self.WORDS_PHONE_MODEL
        else:
            self._cue_model, spectral, self._phone_model = self.OPENING_MODEL, self.SPECTRAL_MODEL, None
        self._spectral = SpectralStream(spectral) if spectral is not None else None

    def process(self, f: Features, posteriors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Articulators (n, N_ARTICULATORS) and speech activity (n,) for a block of feature frames
        (and, with `heard_phones`, the phone loop's (n, len(VISEMES)) posteriors for them)."""
        table, cues, speaking = self._articulate(f)
        if self._cue_model is not None:
            self._add_learned_opening(table, cues, speaking, f, posteriors)
        table = table.astype(np.float32)
        return table[:, :N_ARTICULATORS], table[:, N_ARTICULATORS]

    def _add_learned_opening(self, table: np.ndarray, cues: np.ndarray, speaking: np.ndarray, f: Features,
                             posteriors: np.ndarray | None) -> None:
        """Add LEARNED_WEIGHT × the speech ramp (`speaking`) × the learned read-out (cue half plus spectral
        half, plus the phone half when phones are heard) to the rules' opening in `table`, for the
        whole block at once: the read-out needs no sequential state, and row-wise sums keep
        streamed blocks bit-identical to the offline clip."""
        learned = self._cue_model.read(cues)
        if self._spectral is not None:
            learned += self._spectral.read(f)
        if self._phone_model is not None and posteriors is not None:
            learned += self._phone_model.read(posteriors)
        opening = table[:, A["open"]]
        moved = np.minimum(np.maximum(opening + self.LEARNED_WEIGHT * speaking * learned, 0.0), 1.0)
        table[:, A["open"]] = np.where(speaking > 0.0, moved, opening)

    def cue_table(self, f: Features) -> np.ndarray:
        """The cue vectors (n, len(opening_model.CUES)) the opening model reads, one per frame: its
        training data (tools/eval/train_opening.py)."""
        return self._articulate(f)[1]

    def _articulate(self, f: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rules for a block: (n, N_ARTICULATORS + 1) articulators and activity, the cues, and
        the speech ramp (0..1 as activity rises to 0.1) that the learned opening is scaled by.

        Two passes. Only the trackers carry state from frame to frame (noise floor and peak, the
        speech gate, the speaker's running tilt and F2), so they run as a scalar loop, frame by
        frame: a live stream brings three or four frames per call, where numpy's per-call
        overhead would cost many times the arithmetic. Everything else is per-frame arithmetic
        and runs on whole columns: elementwise, so any chunking gives the same bits."""
        n = len(f)
        level = f.level_db.astype(np.float64)
        bands = f.band_db.astype(np.float64).reshape(n, 4)
        low, mid, upper, high = bands.T
        tilt = low - upper
        f1, f2 = f.f1_hz.astype(np.float64), f.f2_hz.astype(np.float64)
        voicing, hf_ratio, vad = (x.astype(np.float64) for x in (f.voicing, f.hf_ratio, f.vad))
        track = self._track
        tracked = [track(*frame) for frame in zip(level.tolist(), voicing.tolist(), f.f0_hz.tolist(), vad.tolist(),
                                                   tilt.tolist(), f2.tolist())]
        activity, loud, tilt_mean, f2_mean = np.array(tracked, np.float64).reshape(n, 4).T

        voiced = _ramps(voicing, 0.45, 0.75)
        fricative = np.where(activity > 0.05, _ramps(hf_ratio, 0.2, 0.5), 0.0)
        vowel = voiced * (1.0 - fricative)
        nasal = voiced * _ramps(low - mid, 10.0, 20.0) * _ramps(tilt, 18.0, 30.0)
        speaking = _ramps(activity, 0.0, 0.1)
        height = _ramps(f1, 300.0, 800.0)
        # The lips narrow the jaw's opening when the spectrum is darker than the speaker's voiced
        # mean (sealed) or F2 lower than theirs: relative, so voice, tract length and microphone cancel.
        sealed = _ramps(tilt - tilt_mean, 0.0, 15.0)
        narrowing = (1.0 - 0.7 * sealed) * (0.5 + 0.5 * _ramps(f2 - f2_mean, -300.0, 300.0))
        opening = (speaking * (0.1 + 0.9 * height) * (1.0 - 0.6 * fricative) * narrowing
                   * (1.0 - self.LOUD_WEIGHT + self.LOUD_WEIGHT * loud))
        # With the jaw nearly shut during speech (stops, nasals, most consonants) the lips touch,
        # unless the sound is too loud and bright to come through sealed lips.
        quiet_lo, quiet_hi = self.QUIET
        muffled = np.maximum(1.0 - _ramps(loud, quiet_lo, quiet_hi), sealed)
        closing = np.maximum(1.0 - speaking,
                             muffled * _ramps(-opening, -self.CLOSE_BELOW - self.CLOSE_RAMP, -self.CLOSE_BELOW))
        rounding = vowel * _ramps(-f2, -1400.0, -1000.0)
        rule_funnel = 0.8 * rounding * height
        rule_spread = vowel * _ramps(f2, 1700.0, 2200.0) + 0.3 * fricative

        table = np.zeros((n, N_ARTICULATORS + 1))
        table[:, A["open"]] = opening
        table[:, A["close"]] = closing
        table[:, A["round"]] = rounding * (1.0 - height)   # closed rounding: u, w
        table[:, A["funnel"]] = rule_funnel                # open rounding: o, ɔ
        table[:, A["spread"]] = rule_spread
        table[:, A["teeth"]] = 0.7 * fricative
        table[:, A["tongue_tip"]] = 0.3 * nasal + 0.3 * fricative
        table[:, N_ARTICULATORS] = activity
        cues = np.stack([   # what the learned opening reads (opening_model.CUES)
            loud, np.clip(tilt - tilt_mean, -30.0, 30.0), f1, f2, voicing, hf_ratio, vad, opening, closing,
            rule_funnel, rule_spread, np.clip(mid - low, -30.0, 30.0), np.clip(high - level, -40.0, 10.0),
            np.clip(upper - level, -40.0, 10.0)], axis=1)
        return table, cues, speaking

    def _track_levels(self, level: float) -> tuple[float, float]:
        """Noise floor (instant fall, slow rise) and speech peak (instant rise, slow fall).
        (Comparisons, not min/max calls: the same values, cheaper, and this runs every frame.)"""
        floor = level if level > -90.0 else -90.0
        rise = self.noise_db + self.NOISE_RISE_DB
        self.noise_db = noise = rise if rise < floor else floor
        peak = level
        decayed = self.peak_db - self.PEAK_DECAY_DB
        if decayed > peak:
            peak = decayed
        if noise + self.MIN_RANGE_DB > peak:
            peak = noise + self.MIN_RANGE_DB
        self.peak_db = peak
        return noise, peak

    def _held_note(self, voicing: float, f0: float, level: float) -> bool:
        """True once HELD_FRAMES voiced frames in a row have kept within HELD_PITCH of their mean
        pitch and within HELD_LEVEL_DB of one level: a note, not a voice. Speech moves its pitch
        or, syllable by syllable, its level (a monotone speaker still says consonants)."""
        folded = _same_note(f0, self._held_f0, self.HELD_PITCH) if voicing > self.VOICED else 0.0
        if folded == 0.0 or max(level, self._held_hi) - min(level, self._held_lo) > self.HELD_LEVEL_DB:
            self._held, self._held_f0 = (1, f0) if voicing > self.VOICED and f0 > 0.0 else (0, 0.0)
            self._held_lo = self._held_hi = level
            return False
        self._held += 1
        self._held_f0 += (folded - self._held_f0) / self._held   # the stretch's mean pitch
        self._held_lo, self._held_hi = min(level, self._held_lo), max(level, self._held_hi)
        return self._held >= self.HELD_FRAMES

    def _speech_gate(self, vad: float, voicing: float, f0: float, level: float) -> bool:
        """Open from VOICED_RUN steady-pitch voiced frames the VAD calls speech, until
        HANGOVER_FRAMES after the last such frame; shut while one pitch is held like a note."""
        if vad > 0.5 and voicing > self.VOICED:
            steady = self._last_f0 > 0.0 and _same_pitch(f0, self._last_f0, self.PITCH_STEADY)
            self._run = self._run + 1 if steady else 1
            self._last_f0 = f0
        else:
            self._run = 0
            self._last_f0 = 0.0
        if self._held_note(voicing, f0, level):
            self._run = self._hang = 0
            return False
        if self._run >= self.VOICED_RUN:
            self._hang = self.HANGOVER_FRAMES
        elif self._hang > 0:
            self._hang -= 1
        return self._hang > 0

    def _track(self, level: float, voicing: float, f0: float, vad: float, tilt: float,
               formant: float) -> tuple[float, float, float, float]:
        """One frame of the trackers → (activity, loudness, the speaker's running tilt and F2).

        Activity is the level within the speaker's noise-to-peak range, zero while the speech gate
        is shut. Tilt and F2 are averaged over clearly voiced speech only, so they describe the
        speaker's own vowels."""
        noise, peak = self._track_levels(level)
        above = level - noise - 6.0
        span = peak - noise - 6.0
        if self.MIN_RANGE_DB - 6.0 > span:
            span = self.MIN_RANGE_DB - 6.0
        share = above / span
        activity = _ramp(above, 0.0, 1.0) * (0.0 if share < 0.0 else 1.0 if share > 1.0 else share)
        if not self._speech_gate(vad, voicing, f0, level):
            activity = 0.0
        if voicing > 0.6 and activity > 0.3:
            self.tilt_db += self.VOICE_RATE * (tilt - self.tilt_db)
            self.f2_hz += self.VOICE_RATE * (formant - self.f2_hz)
        # Loudness in the scalar pass: numpy's vectorised pow may round differently by position in
        # the block, and a stream must equal the clip bit for bit.
        return activity, activity ** 0.7, self.tilt_db, self.f2_hz
