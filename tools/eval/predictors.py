"""Everything that predicts a per-frame mouth aperture from audio: our engine and the baselines.

Each predictor maps (16 kHz audio, fps, frame count) to one aperture value per frame i at
time i/fps. The aperture mappings are part of the method, so they are stated here:

- ours (and ours-fused and ours-words, the other engines, which the table shows beside it): JawOpen − MouthClose + 0.3·MouthFunnel of the ARKit curves; its lip spread (scored against
  the video's inner-lip width) is MouthStretch + MouthSmile − MouthPucker − MouthFunnel/2
  (left and right averaged), detrended like the truth.
- rms: the RMS envelope in a 40 ms window centred on each frame.
- pylipsync: Σ target·APERTURE over its vowel classes (silence scores 0).
- rhubarb: its mouth shape under each frame through RHUBARB_APERTURE.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import wave
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from fantasy_talking.audio.decode import Audio

from eval.metrics import frame_rms
from eval.video_truth import CACHE_DIR, DETREND_S, detrend

FUNNEL_WEIGHT = 0.3

# uLipSync vowel classes (pylipsync's templates): A open, E/I mid, O rounded-open, U rounded-narrow.
PYLIPSYNC_APERTURE = {"aa": 1.0, "ee": 0.5, "ih": 0.5, "oh": 0.7, "ou": 0.35, "silence": 0.0}

# Rhubarb's mouth shapes (its README): A closed (M B P), B clenched teeth, C open (EH), D wide (AA),
# E slightly rounded (AO, ER), F puckered (UW, W), G upper teeth on lower lip (F V), H tongue (L), X rest.
RHUBARB_APERTURE = {"A": 0.0, "B": 0.25, "C": 0.6, "D": 1.0, "E": 0.5, "F": 0.3, "G": 0.15, "H": 0.45, "X": 0.0}
RHUBARB_RECOGNIZERS = ("phonetic", "pocketSphinx")

Predictor = Callable[[Audio, float, int], "np.ndarray | Prediction"]


@dataclass(frozen=True)
class Prediction:
    """What a predictor gives per frame: the aperture, and the lip spread when it models one."""

    aperture: np.ndarray
    spread: np.ndarray | None = None
    sealed: np.ndarray | None = None
    """Frames where the lips meet over an open jaw (MouthClose at least half of JawOpen, JawOpen
    at least 0.02): the closures the engine makes on purpose."""

    @staticmethod
    def of(value: "np.ndarray | Prediction") -> "Prediction":
        return value if isinstance(value, Prediction) else Prediction(np.asarray(value))


def fit_length(values: np.ndarray, n_frames: int) -> np.ndarray:
    """Trim or hold the last value so a prediction has exactly n_frames."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) >= n_frames:
        return values[:n_frames]
    tail = values[-1] if len(values) else 0.0
    return np.concatenate([values, np.full(n_frames - len(values), tail)])


def at_frame_rate(values: np.ndarray, rate: int, fps: float, n_frames: int) -> np.ndarray:
    """Values made at a whole-number `rate` resampled onto frames i/fps (e.g. 30 → 29.97 fps video)."""
    values = np.asarray(values, dtype=np.float64)
    if rate == fps or len(values) == 0:
        return fit_length(values, n_frames)
    return np.interp(np.arange(n_frames) / fps, np.arange(len(values)) / rate, values)


_WORD_PHONES: dict[str, list] = {}
_WORDS: dict[str, str] = {}


def _remember_word_phones() -> None:
    """Make sphinx.word_phones answer each clip's audio once per run: the words engine's phones do
    not depend on any constant a leave-one-clip-out grid varies, and recognising them again for
    every grid point would take most of the run."""
    from fantasy_talking.speech import sphinx

    if getattr(sphinx.word_phones, "remembered", False):
        return
    recognise = sphinx.word_phones

    def word_phones(audio: Audio, transcript: str = "", progress=None) -> list:
        key = hashlib.sha256(audio.samples.tobytes() + transcript.encode()).hexdigest()
        if key not in _WORD_PHONES:
            _WORD_PHONES[key] = recognise(audio, transcript, progress)
        return _WORD_PHONES[key]

    word_phones.remembered = True
    sphinx.word_phones = word_phones


def _recognised_words(audio: Audio) -> str:
    from fantasy_talking.speech import sphinx

    key = hashlib.sha256(audio.samples.tobytes()).hexdigest()
    if key not in _WORDS:
        _WORDS[key] = " ".join(sphinx.recognize_words(audio))
    return _WORDS[key]


def ours(engine: str, lookahead_ms: int | None = None, recognised_transcript: bool = False) -> Predictor:
    """Our engine (auto, acoustic, phonetic, fused or words) at the truth's frame rate, from the audio
    alone or, with `recognised_transcript`, given the words PocketSphinx recognises in it as an
    English transcript (the videos have none of their own): what a transcript does for an engine."""
    if engine == "words" or recognised_transcript:
        _remember_word_phones()

    def predict(audio: Audio, fps: float, n_frames: int) -> np.ndarray:
        from fantasy_talking.animation.options import AnimationOptions, Engine
        from fantasy_talking.pipeline import animate_audio

        rate = int(round(fps))
        options = AnimationOptions(fps=rate, engine=Engine[engine.upper()])
        if recognised_transcript:
            options = replace(options, language="en-US", transcript=_recognised_words(audio))
        if lookahead_ms is not None:
            options = replace(options, lookahead_ms=lookahead_ms)
        clip = animate_audio(audio, options)
        aperture = clip.curve("JawOpen") - clip.curve("MouthClose") + FUNNEL_WEIGHT * clip.curve("MouthFunnel")
        spread = 0.5 * (clip.curve("MouthStretchLeft") + clip.curve("MouthStretchRight")
                        + clip.curve("MouthSmileLeft") + clip.curve("MouthSmileRight")) \
            - clip.curve("MouthPucker") - 0.5 * clip.curve("MouthFunnel")
        spread = detrend(at_frame_rate(spread, rate, fps, n_frames), int(round(DETREND_S * fps)))
        jaw = clip.curve("JawOpen")
        sealed = ((clip.curve("MouthClose") >= 0.5 * jaw) & (jaw >= 0.02)).astype(np.float64)
        return Prediction(at_frame_rate(aperture, rate, fps, n_frames), spread,
                          at_frame_rate(sealed, rate, fps, n_frames) >= 0.5)

    return predict


def rms_envelope(audio: Audio, fps: float, n_frames: int) -> np.ndarray:
    return frame_rms(audio.samples, audio.sample_rate, fps, n_frames)


def pylipsync_aperture(audio: Audio, fps: float, n_frames: int) -> np.ndarray:
    """pylipsync's per-frame vowel weights mapped to an aperture (its window centres on each frame)."""
    from pylipsync import PhonemeAnalyzer

    analyzer = PhonemeAnalyzer()
    rate = int(round(fps))
    hop = audio.sample_rate // rate
    # pylipsync's window k is centred on (k + 0.5)·hop; half a hop of leading silence centres it on k/fps.
    shifted = np.concatenate([np.zeros(hop // 2, np.float32), audio.samples])
    segments = analyzer.extract_phoneme_segments(shifted, audio.sample_rate, fps=rate)
    values = [sum(PYLIPSYNC_APERTURE.get(p.name, 0.0) * p.target for p in seg.phonemes) for seg in segments]
    return at_frame_rate(values, rate, fps, n_frames)


def write_wav(audio: Audio, path: Path) -> None:
    pcm = (np.clip(audio.samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.sample_rate)
        w.writeframes(pcm.tobytes())


def rhubarb_cues(binary: Path, audio: Audio, recognizer: str) -> list[dict]:
    """Rhubarb's mouth cues for the audio, cached under /tmp by audio digest and recognizer."""
    digest = hashlib.sha256(audio.samples.tobytes() + str(binary.resolve()).encode()).hexdigest()[:20]
    cache = CACHE_DIR / "rhubarb" / f"{digest}-{recognizer}.json"
    if cache.exists():
        return json.loads(cache.read_text())["mouthCues"]
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        write_wav(audio, wav)
        result = subprocess.run(
            [str(binary), "--recognizer", recognizer, "--exportFormat", "json", "--extendedShapes", "GHX",
             "--quiet", str(wav)],
            capture_output=True, text=True, check=False, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"rhubarb ({recognizer}) failed: {result.stderr.strip()[-400:]}")
    data = json.loads(result.stdout)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(data))
    return data["mouthCues"]


def rhubarb(binary: Path, recognizer: str) -> Predictor:
    def predict(audio: Audio, fps: float, n_frames: int) -> np.ndarray:
        cues = rhubarb_cues(binary, audio, recognizer)
        times = np.arange(n_frames) / fps
        out = np.zeros(n_frames)
        for cue in cues:
            out[(times >= cue["start"]) & (times < cue["end"])] = RHUBARB_APERTURE.get(cue["value"], 0.0)
        return out

    return predict


def predictors(engine: str, rhubarb_binary: Path | None, baselines: bool = True,
               lookahead_ms: int | None = None, recognised_transcript: bool = False) -> dict[str, Predictor]:
    """Our engine first, then the baselines that can run here."""
    table: dict[str, Predictor] = {"ours": ours(engine, lookahead_ms, recognised_transcript)}
    if not baselines:
        return table
    for option in ("fused", "words"):
        if engine != option:
            table[f"ours-{option}"] = ours(option, lookahead_ms, recognised_transcript)
    table["rms"] = rms_envelope
    table["pylipsync"] = pylipsync_aperture
    if rhubarb_binary is not None:
        for recognizer in RHUBARB_RECOGNIZERS:
            table[f"rhubarb-{recognizer.lower()}"] = rhubarb(rhubarb_binary, recognizer)
    return table


def default_rhubarb() -> Path | None:
    """$RHUBARB, if it names an executable file."""
    path = os.environ.get("RHUBARB")
    return Path(path) if path and os.access(path, os.X_OK) else None
