"""Train the acoustic path's learned opening (articulation/opening_model.py + spectral_opening.py) on videos.

    .venv/bin/python tools/eval/train_opening.py              # fit on every shared video, write the weights
    .venv/bin/python tools/eval/train_opening.py --no-write   # show the fit only

The figure that says whether it generalises is `tools/eval_lipsync.py --videos --loco`, which
retrains it without each held-out clip (`fold_models`) before scoring that clip;
`tools/eval/opening_experiment.py` compares candidate read-outs the same way.

Per clip: the engine's own cue vectors and mel spectra at 100 Hz and the video's mouth opening,
standardised per clip (r is what counts, so each face's scale and mean are free) and put on the
prediction's clock by the clip's audio-video offset (the rules-only engine's best lag: web videos
carry offsets of up to ±3 frames, which would otherwise blur a per-frame fit) and by the engine's
anticipation (feature frame j is shown at (j − 4)/100 s at the default look-ahead, so that is
where its target is read: +0.04 held out). The spectra are normalised to the training speakers'
prior and each speaker's running mean (`SpectralStream`) and stacked over a causal context; every
clip is also fitted with its spectrum moved a mel band up and down (`WARP_BANDS`), as if spoken
through a shorter and a longer vocal tract. One ridge regression maps cues and stacked spectra to
that target; its output is then standardised over the training clips' speech frames, so the
engine adds it in units of a speaker's usual spread. Ridge strength and spectral context are chosen leave-one-clip-out among
RIDGE_CANDIDATES × OFFSETS_CANDIDATES on the training clips alone, scored on the engine's final
aperture (`engine_aperture`), so a held-out clip never informs them.

Three read-outs are fitted the same way and written together: the acoustic engine's (cues and
spectra), the fused engine's, which also reads the viseme the streamed phone loop hears at each
frame (`PhoneLoop`, one-hot; one weight per viseme class), and the words engine's, which reads
instead the viseme of the clip's recognised words, aligned (`KnownPhones`).
"""
from __future__ import annotations

import argparse
import functools
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

TOOLS = Path(__file__).resolve().parents[1]
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from fantasy_talking.articulation import acoustic  # noqa: E402
from fantasy_talking.articulation.opening_model import CUES, LinearOpening, PhoneOpening  # noqa: E402
from fantasy_talking.articulation.known_phones import KnownPhones  # noqa: E402
from fantasy_talking.articulation.phone_loop import PhoneLoop  # noqa: E402
from fantasy_talking.audio.decode import Audio  # noqa: E402
from fantasy_talking.articulation.spectral_opening import SpectralOpening, SpectralStream, voiced_frames  # noqa: E402
from fantasy_talking.audio.features import FEATURE_RATE, HALF, N_MEL, FeatureStream, Features  # noqa: E402
from fantasy_talking.speech.phonemes import VISEMES  # noqa: E402

from eval import loco, metrics  # noqa: E402

RIDGE_CANDIDATES = (1e2, 1e3, 1e4, 1e5)
"""Ridge strengths on standardised inputs (about 12 000 frames), tried by the nested selection."""
OFFSETS_CANDIDATES = ((0, -2, -4, -8), (0, -4, -8), (0,))
"""Causal spectral contexts (10 ms frames back), tried by the nested selection."""
WARP_BANDS = (-1.0, 1.0)
"""Every training clip is also seen with its mel spectrum moved by these many bands: one band is
about 12 % in frequency near 1 kHz, the spread of vocal-tract lengths that speaker normalisation
(VTLN) allows for, so the read-out cannot lean on where seven speakers' formants happen to sit.
Set from that range; half a band and one-and-two bands were also tried, and help less (README)."""
WEIGHTS_FILE = Path(acoustic.__file__).with_name("opening_weights.py")
_ENGINE = "fantasy_talking.articulation.acoustic.AcousticArticulation"
MODEL_TARGET, SPECTRAL_TARGET = f"{_ENGINE}.OPENING_MODEL", f"{_ENGINE}.SPECTRAL_MODEL"
FUSED_TARGETS = (f"{_ENGINE}.FUSED_OPENING_MODEL", f"{_ENGINE}.FUSED_SPECTRAL_MODEL", f"{_ENGINE}.PHONE_MODEL")
WORDS_TARGETS = (f"{_ENGINE}.WORDS_OPENING_MODEL", f"{_ENGINE}.WORDS_SPECTRAL_MODEL", f"{_ENGINE}.WORDS_PHONE_MODEL")
RULES_ONLY = {MODEL_TARGET: None, SPECTRAL_TARGET: None, **dict.fromkeys(FUSED_TARGETS), **dict.fromkeys(WORDS_TARGETS)}
_LOUDNESS, _RULE_OPEN, _RULE_CLOSE = (CUES.index(c) for c in ("loudness", "rule_open", "rule_close"))


def smoothing_frames() -> tuple[float, float]:
    """The engine's smoothing widths of the jaw and of the lip seal (feature frames), read from it so
    that candidates are scored as the engine would smooth them."""
    from fantasy_talking.animation import stream
    from fantasy_talking.articulation.articulators import A

    return stream.JAW_SIGMA_FRAMES, float(stream.SIGMA_FRAMES[A["close"]])


@functools.cache
def anticipation_frames() -> int:
    """Feature frames the engine shows ahead of each output frame at the default look-ahead: the
    learned opening at feature frame j is seen at time (j − this)/100 s, so that is its target."""
    from fantasy_talking.animation.options import AnimationOptions
    from fantasy_talking.animation.stream import StreamingAnimator

    return StreamingAnimator(AnimationOptions()).anticipation_frames


@dataclass
class TrainingClip:
    """One video: cues and features (100 Hz), the standardised, offset-corrected opening on the
    same clock, the engine's speech ramp, and the raw truth and the rules' aperture to score against."""

    name: str
    cues: np.ndarray
    features: Features
    target: np.ndarray
    speaking: np.ndarray
    truth: np.ndarray
    fps: float
    rules: np.ndarray | None = None
    """The rules-only engine's aperture on the truth's frames (None: score the model alone)."""
    phones: np.ndarray | None = None
    """The phone loop's viseme posteriors per feature frame (fused-engine clips), or the aligned
    words' visemes, one-hot (words-engine clips)."""
    words: bool = False
    """`phones` are the aligned words' (the words engine), not the phone loop's."""

    @property
    def speaking_ramp(self) -> np.ndarray:
        """The engine's `speaking` (0..1), recovered from the loudness cue (activity ** 0.7)."""
        activity = np.maximum(self.cues[:, _LOUDNESS], 0.0) ** (1 / 0.7)
        return np.minimum(activity / 0.1, 1.0)


@dataclass(frozen=True)
class OpeningModel:
    """The halves of a learned opening, fitted together: the acoustic engine's two, or the fused or
    words engine's three (with `phones`; `words` says which)."""

    cues: LinearOpening
    spectral: SpectralOpening
    phones: PhoneOpening | None = None
    words: bool = False

    def overrides(self) -> dict:
        """The engine constants that install this model (for loco.override)."""
        if self.phones is None:
            return {MODEL_TARGET: self.cues, SPECTRAL_TARGET: self.spectral}
        return dict(zip(WORDS_TARGETS if self.words else FUSED_TARGETS, (self.cues, self.spectral, self.phones)))

    def __call__(self, clip: TrainingClip) -> np.ndarray:
        """The model's output per feature frame of a clip, as the engine computes it."""
        out = self.cues.read(clip.cues) + SpectralStream(self.spectral).read(clip.features)
        return out if self.phones is None else out + self.phones.read(clip.phones)


def analyse(audio: Audio) -> tuple[Features, np.ndarray]:
    """The engine's feature frames of a whole clip and the samples they were computed from."""
    samples = np.concatenate([audio.samples, np.zeros(HALF, np.float32)])
    return FeatureStream().push(samples), samples


def cue_table(features: Features) -> np.ndarray:
    with loco.override(RULES_ONLY):
        return acoustic.AcousticArticulation().cue_table(features)


def training_clip(name: str, audio: Audio, truth: np.ndarray, fps: float, rules_aperture: np.ndarray,
                  shift: int = 0, phones: bool = False, words: bool = False) -> TrainingClip:
    """`rules_aperture`: the rules-only engine's aperture on the truth's frames, which gives the
    offset; `shift`: the engine's anticipation in feature frames (`anticipation_frames`); `phones`:
    hear the clip's phones as the fused engine does; `words`: read the visemes of its recognised
    words, aligned, as the words engine does."""
    features, samples = analyse(audio)
    cues = cue_table(features)
    heard = PhoneLoop().push(samples, features).astype(np.float64) if phones else None
    if words:
        from fantasy_talking.speech import sphinx

        heard = KnownPhones(sphinx.word_phones(audio)).posteriors(0.0, 0, len(features)).astype(np.float64)
    lag, _ = metrics.best_lag(truth, rules_aperture)
    z = (truth - np.nanmean(truth)) / np.nanstd(truth)
    times = (np.arange(len(z)) + lag) / fps   # truth[t] matches the prediction at t + lag
    finite = np.isfinite(z)
    target = np.interp((np.arange(len(cues)) - shift) / FEATURE_RATE, times[finite], z[finite],
                       left=np.nan, right=np.nan)
    return TrainingClip(name, cues, features, target, cues[:, _LOUDNESS] > 0.0, truth, fps, rules_aperture, heard,
                        words)


def prior_spectrum(clips: list[TrainingClip]) -> np.ndarray:
    """The training speakers' mean mel spectrum over voiced speech: where a new speaker's starts."""
    voiced = [c.features.mel_db[voiced_frames(c.features) > 0] for c in clips]
    return np.vstack(voiced).astype(np.float64).mean(axis=0)


def shifted_spectrum(features: Features, bands: float) -> Features:
    """The same frames with the mel spectrum moved up by `bands` bands (down when negative),
    interpolated linearly, the edge bands repeated: the same speech from a shorter (longer) tract."""
    source = np.clip(np.arange(N_MEL) - bands, 0.0, N_MEL - 1.0)
    lo = np.floor(source).astype(int)
    hi = np.minimum(lo + 1, N_MEL - 1)
    share = (source - lo).astype(np.float32)
    mel = features.mel_db[:, lo] * (1.0 - share) + features.mel_db[:, hi] * share
    return replace(features, mel_db=mel.astype(np.float32))


def fit(clips: list[TrainingClip], strength: float, offsets: tuple[int, ...] = (0,),
        warp: tuple[float, ...] = WARP_BANDS) -> OpeningModel:
    """Ridge fit on every frame with a truth, each clip also with its spectrum moved by each of
    `warp` (bands; the cues, phones and target as they are); output standardised over the speech
    frames. Clips that carry heard phones give the fused engine's model, with its phone half."""
    prior = prior_spectrum(clips)
    seen = [(c, c.features) for c in clips] + [(c, shifted_spectrum(c.features, b)) for b in warp for c in clips]
    spectra = [SpectralStream(prior_db=prior, offsets=offsets).stacked(f) for _, f in seen]
    phones = all(c.phones is not None for c in clips)
    x = np.hstack([np.vstack(spectra), np.vstack([c.cues for c, _ in seen])]
                  + ([np.vstack([c.phones for c, _ in seen])] if phones else []))
    y = np.concatenate([c.target for c, _ in seen])
    speaking = np.concatenate([c.speaking for c, _ in seen])
    keep = np.isfinite(y)
    mean, scale = x[keep].mean(axis=0), x[keep].std(axis=0) + 1e-9
    z = (x - mean) / scale
    w = np.linalg.solve(z[keep].T @ z[keep] + strength * np.eye(z.shape[1]), z[keep].T @ (y[keep] - y[keep].mean()))
    out = (z @ w)[speaking]
    weights = w / scale / out.std()
    bias = float(-(weights @ mean) - out.mean() / out.std())
    split, end = len(offsets) * N_MEL, len(offsets) * N_MEL + len(CUES)
    spectral = weights[:split].reshape(len(offsets), N_MEL)
    return OpeningModel(LinearOpening(bias, tuple(float(v) for v in weights[split:end])),
                        SpectralOpening(offsets, tuple(float(v) for v in prior),
                                        tuple(tuple(float(v) for v in row) for row in spectral)),
                        PhoneOpening(tuple(float(v) for v in weights[end:])) if phones else None,
                        phones and all(c.words for c in clips))


def engine_aperture(clip: TrainingClip, learned: np.ndarray, weight: float) -> np.ndarray:
    """The engine's aperture on the truth's frames with `learned` added to the rules' opening, in
    numpy: the rules-only aperture plus the change of the clamped opening, smoothed like the jaw,
    read at the anticipated position and scaled by the lips' opening (aperture = JawOpen·(1 − close)
    + 0.3·funnel). Within 0.01 r of the engine itself; used to choose among candidates quickly."""
    jaw_sigma, close_sigma = smoothing_frames()
    rule_open = clip.cues[:, _RULE_OPEN]
    change = np.clip(rule_open + weight * clip.speaking_ramp * learned, 0.0, 1.0) - rule_open
    change = gaussian_filter1d(change, jaw_sigma, mode="nearest")
    apart = 1.0 - np.clip(gaussian_filter1d(clip.cues[:, _RULE_CLOSE], close_sigma, mode="nearest"), 0, 1)
    position = np.arange(len(clip.truth)) / clip.fps * FEATURE_RATE + anticipation_frames()
    return clip.rules + np.interp(position, np.arange(len(change)), change * apart)


def quick_score(model: OpeningModel, clip: TrainingClip, weight: float | None = None) -> float:
    """Best-lag r of the engine's aperture with the model (at `weight`, default the engine's
    LEARNED_WEIGHT) against the clip's truth; without the rules' aperture, of the model's smoothed
    output alone."""
    learned = model(clip)
    if clip.rules is None:
        out = gaussian_filter1d(learned, smoothing_frames()[0])
        at_frames = np.interp(np.arange(len(clip.truth)) / clip.fps, np.arange(len(out)) / FEATURE_RATE, out)
    else:
        weight = acoustic.AcousticArticulation.LEARNED_WEIGHT if weight is None else weight
        at_frames = engine_aperture(clip, learned, weight)
    return metrics.best_lag(clip.truth, at_frames)[1]


def candidates(offsets: tuple[tuple[int, ...], ...] = OFFSETS_CANDIDATES) -> list[tuple[float, tuple[int, ...]]]:
    """(ridge strength, spectral context) pairs the nested selection tries."""
    return [(s, o) for o in offsets for s in RIDGE_CANDIDATES]


def inner_medians(clips: list[TrainingClip], tried: list, weight: float | None = None) -> np.ndarray:
    """Per candidate, the median over `clips` of its score when fitted without the clip scored."""
    return np.array([np.median([quick_score(fit([c for c in clips if c is not out], s, o), out, weight)
                                for out in clips]) for s, o in tried])


def fit_nested(clips: list[TrainingClip], weight: float | None = None,
               offsets: tuple[tuple[int, ...], ...] = OFFSETS_CANDIDATES) -> tuple[OpeningModel, float]:
    """Ridge strength and spectral context chosen leave-one-clip-out within `clips`, then fitted on
    all of them."""
    tried = candidates(offsets)
    strength, context = tried[int(np.argmax(inner_medians(clips, tried, weight)))]
    return fit(clips, strength, context), strength


def training_clips(results, engine: str = "acoustic") -> list[TrainingClip]:
    """From eval_lipsync's video ClipResults (audio, truth, fps), with the rules-only engine's offsets,
    for the `engine` ("acoustic", "fused" or "words"): its rules-only aperture, and the phones it
    hears (fused) or the visemes of the words it recognises (words)."""
    from eval.predictors import ours

    predict = ours(engine)
    shift = anticipation_frames()
    clips = []
    with loco.override(RULES_ONLY):
        for r in results:
            rules = predict(r.audio, r.fps, r.frames).aperture
            clips.append(training_clip(r.clip, r.audio, r.truth_curve, r.fps, rules, shift,
                                       phones=engine == "fused", words=engine == "words"))
    return clips


def fold_models(clips: list[TrainingClip]) -> list[OpeningModel]:
    """The model fitted without clip c, for every c: what leave-one-clip-out scores clip c with."""
    return [fit_nested([c for c in clips if c is not out])[0] for out in clips]


def _floats(values, indent: str) -> str:
    return "".join(f"{indent}{v:+.6e},\n" for v in values)


def _model_source(model: OpeningModel, prefix: str) -> str:
    """The Python source of one read-out's halves, named with `prefix` (e.g. "" or "FUSED_")."""
    rows = "\n".join(f"        {w:+.6e},  # {cue}" for w, cue in zip(model.cues.weights, CUES))
    spectral = "".join(f"        (  # offset {o}\n{_floats(row, ' ' * 12)}        ),\n"
                       for o, row in zip(model.spectral.offsets, model.spectral.weights))
    source = f'''
{prefix}OPENING = LinearOpening(
    bias={model.cues.bias:+.6e},
    weights=(
{rows}
    ),
)

{prefix}SPECTRAL = SpectralOpening(
    offsets={model.spectral.offsets!r},
    prior_db=(
{_floats(model.spectral.prior_db, " " * 8)}    ),
    weights=(
{spectral}    ),
)
'''
    if model.phones is not None:
        rows = "\n".join(f"        {w:+.6e},  # {v}" for w, v in zip(model.phones.weights, VISEMES))
        source += f'''
{prefix}PHONES = PhoneOpening(
    weights=(
{rows}
    ),
)
'''
    return source


def write_weights(acoustic: tuple[OpeningModel, float], fused: tuple[OpeningModel, float],
                  words: tuple[OpeningModel, float], names: list[str], path: Path = WEIGHTS_FILE) -> None:
    """The three engines' read-outs (model, chosen ridge strength) into one importable file."""
    (model, strength), (fused_model, fused_strength), (words_model, words_strength) = acoustic, fused, words
    path.write_text(f'''"""Weights of the learned opening: written by tools/eval/train_opening.py, not by hand.

Fitted on {len(names)} talking-face videos ({", ".join(names)}).
The acoustic engine's read-out (cue and spectral halves, OPENING and SPECTRAL): ridge strength
{strength:g}, spectral context {model.spectral.offsets}. The fused engine's (cue, spectral and phone halves,
FUSED_*): ridge strength {fused_strength:g}, spectral context {fused_model.spectral.offsets}. The words engine's (the
same three, the phone half over the aligned words' visemes, WORDS_*): ridge strength {words_strength:g},
spectral context {words_model.spectral.offsets}. All chosen leave-one-clip-out.
"""
from fantasy_talking.articulation.opening_model import LinearOpening, PhoneOpening
from fantasy_talking.articulation.spectral_opening import SpectralOpening
{_model_source(model, "")}{_model_source(fused_model, "FUSED_")}{_model_source(words_model, "WORDS_")}''')


def main(argv: list[str] | None = None) -> int:
    import eval_lipsync
    from eval.predictors import ours

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=Path, default=eval_lipsync.DEFAULT_VIDEOS, metavar="DIR")
    parser.add_argument("--no-write", action="store_true", help="show the fit; leave opening_weights.py alone")
    args = parser.parse_args(argv)
    results = eval_lipsync.evaluate_videos(args.videos, {"ours": ours("acoustic")}, use_cache=True)
    fitted = {}
    for engine in ("acoustic", "fused", "words"):
        clips = training_clips(results, engine)
        model, strength = fitted[engine] = fit_nested(clips)
        print(f"{engine}: fitted on {len(clips)} clips, ridge strength {strength:g}, spectral context "
              f"{model.spectral.offsets} (chosen leave-one-clip-out)")
        for w, cue in zip(model.cues.weights, CUES):
            print(f"  {cue:<12} {w:+.4g}")
        for w, viseme in zip(model.phones.weights if model.phones else (), VISEMES):
            print(f"  phone {viseme:<6} {w:+.4g}")
    if not args.no_write:
        write_weights(fitted["acoustic"], fitted["fused"], fitted["words"], [r.clip for r in results])
        print(f"wrote {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
