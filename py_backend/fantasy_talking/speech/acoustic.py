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
- strong energy above 3.5 kHz is a fricative: teeth nearly closed, lips apart.
Level trackers adapt to each voice, so no fixed dB threshold decides anything.
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.animation.articulators import A, N_ARTICULATORS
from fantasy_talking.audio.features import Features


def _ramp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """0 below lo, 1 above hi, linear between."""
    return np.minimum(np.maximum((x - lo) / (hi - lo), 0.0), 1.0)


class AcousticArticulation:
    """Streams raw articulator estimates (one per 10 ms feature frame) and speech activity."""

    NOISE_RISE_DB = 0.02      # per frame: the noise floor creeps up until speech pauses pull it down
    PEAK_DECAY_DB = 0.015     # per frame: the speech peak relaxes slowly after loud passages
    MIN_RANGE_DB = 18.0       # floor of the peak-to-noise range, so quiet rooms don't amplify hiss
    VOICE_RATE = 0.005        # per voiced frame: the speaker's typical tilt and F2 adapt over ~2 s
    TYPICAL_TILT_DB = 12.0    # low-band minus upper-band level of voiced speech before any is heard
    TYPICAL_F2_HZ = 1600.0    # second-formant centroid of voiced speech before any is heard

    def __init__(self) -> None:
        self.noise_db = -60.0
        self.peak_db = -20.0
        self.tilt_db = self.TYPICAL_TILT_DB
        self.f2_hz = self.TYPICAL_F2_HZ

    def _track_levels(self, level_db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Noise floor (instant fall, slow rise) and speech peak (instant rise, slow fall)."""
        noise = np.empty_like(level_db)
        peak = np.empty_like(level_db)
        n_db, p_db = self.noise_db, self.peak_db
        for i, level in enumerate(level_db.tolist()):
            n_db = min(max(level, -90.0), n_db + self.NOISE_RISE_DB)
            p_db = max(level, p_db - self.PEAK_DECAY_DB, n_db + self.MIN_RANGE_DB)
            noise[i], peak[i] = n_db, p_db
        self.noise_db, self.peak_db = n_db, p_db
        return noise, peak

    def _lip_narrowing(self, tilt_db: np.ndarray, f2_hz: np.ndarray, voicing: np.ndarray,
                       activity: np.ndarray) -> np.ndarray:
        """Factor (0.15..1) by which the lips narrow the jaw's opening, per frame.

        Tilt and F2 count relative to the speaker's running means over clearly voiced speech,
        so the voice's brightness, vocal-tract length and the microphone's colour cancel out.
        Scalar arithmetic in one pass: blocks are a few frames when streaming."""
        factor = np.empty(len(tilt_db), np.float32)
        t_db, f2 = self.tilt_db, self.f2_hz
        rate = self.VOICE_RATE
        for i, (tilt, formant, voiced, active) in enumerate(
                zip(tilt_db.tolist(), f2_hz.tolist(), voicing.tolist(), activity.tolist())):
            if voiced > 0.6 and active > 0.3:
                t_db += rate * (tilt - t_db)
                f2 += rate * (formant - f2)
            sealed = min(max((tilt - t_db) / 15.0, 0.0), 1.0)
            narrow = min(max((formant - f2 + 300.0) / 600.0, 0.0), 1.0)
            factor[i] = (1.0 - 0.7 * sealed) * (0.5 + 0.5 * narrow)
        self.tilt_db, self.f2_hz = t_db, f2
        return factor

    def process(self, f: Features) -> tuple[np.ndarray, np.ndarray]:
        """Articulators (n, N_ARTICULATORS) and speech activity (n,) for a block of feature frames."""
        n = len(f)
        out = np.zeros((n, N_ARTICULATORS), np.float32)
        if n == 0:
            return out, np.zeros(0, np.float32)
        noise, peak = self._track_levels(f.level_db)
        span = np.maximum(peak - noise - 6.0, self.MIN_RANGE_DB - 6.0)
        activity = _ramp(f.level_db - noise - 6.0, 0.0, 1.0) * np.clip((f.level_db - noise - 6.0) / span, 0.0, 1.0)
        loud = np.clip(activity, 0.0, 1.0) ** 0.7

        voiced = _ramp(f.voicing, 0.45, 0.75)
        fricative = _ramp(f.hf_ratio, 0.2, 0.5) * (activity > 0.05)
        vowel = voiced * (1.0 - fricative)
        low, mid, upper = f.band_db[:, 0], f.band_db[:, 1], f.band_db[:, 2]
        nasal = voiced * _ramp(low - mid, 10.0, 20.0) * _ramp(low - upper, 18.0, 30.0)

        speaking = _ramp(activity, 0.0, 0.1)
        height = _ramp(f.f1_hz, 300.0, 800.0)
        narrowing = self._lip_narrowing(low - upper, f.f2_hz, f.voicing, activity)
        out[:, A["open"]] = (speaking * (0.1 + 0.9 * height) * (1.0 - 0.6 * fricative) * (0.6 + 0.4 * loud)
                             * narrowing)
        # With the jaw nearly shut during speech (stops, nasals, most consonants) the lips touch.
        out[:, A["close"]] = np.maximum(1.0 - speaking, _ramp(-out[:, A["open"]], -0.3, -0.1))
        rounding = vowel * _ramp(-f.f2_hz, -1400.0, -1000.0)
        out[:, A["round"]] = rounding * (1.0 - height)           # closed rounding: u, w
        out[:, A["funnel"]] = 0.8 * rounding * height             # open rounding: o, ɔ
        out[:, A["spread"]] = vowel * _ramp(f.f2_hz, 1700.0, 2200.0) + 0.3 * fricative
        out[:, A["teeth"]] = 0.7 * fricative
        out[:, A["tongue_tip"]] = 0.3 * nasal + 0.3 * fricative
        return out, activity.astype(np.float32)
