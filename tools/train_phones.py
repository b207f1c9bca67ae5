"""Train the streaming viseme classifier (articulation/phones.py) on synthetic speech with exact phone times.

    .venv/bin/python tools/train_phones.py                 # corpus → training → phone_model.npz
    .venv/bin/python tools/train_phones.py --sentences 10  # a quick, smaller run

Truth comes only from what is made here (issue 10: "train only on what is in the repo or can be
made here"): espeak-ng in 14 languages with its voice variants, rate and pitch drawn at random,
and Festival's two US English voices built from real recordings (kal, a diphone voice; slt, an
HTS voice trained on CMU ARCTIC), each reporting every phone at its exact time. Sentences are
random: dictionary words for English, pseudo-words spelled by each language's own letters
elsewhere (the synthesiser's letter-to-sound rules turn them into that language's phones), pinyin
syllables for Mandarin, kana for Japanese. The shared samples and the eval sentences of
eval/tts_truth.py are never used.

Each utterance is used clean and with augmentation that stands in for real rooms and microphones:
level, a random smooth colouring of the spectrum, reverberation, background noise, band limits.
Labels are the viseme class (rig.VISEMES) of the phone under each 10 ms frame's centre. The model
is scikit-learn's MLPClassifier (two ReLU layers); its weights and the input normalisation are
saved as plain arrays, which the product runs with numpy.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from fantasy_talking.animation.rig import VISEMES
from fantasy_talking.articulation.phones import MODEL_PATH, LogMelStream, PhoneInputs
from fantasy_talking.audio.decode import SAMPLE_RATE, resample
from fantasy_talking.audio.features import FEATURE_RATE, HALF, FeatureStream
from fantasy_talking.speech.tts.base import Voice

SEED = 20_261_130
HIDDEN = (96, 64)
FESTIVAL_SHARE = 4   # sentences per Festival voice, per espeak-ng language's: its voices are made from real recordings

# Letters each language spells its pseudo-words with: (onsets, vowels, codas).
SPELLING: dict[str, tuple[list[str], list[str], list[str]]] = {
    "de": ("b p m f w t d n l s z k g r h j sch ch pf st br pl tr kl".split(), "a e i o u ä ö ü au ei ie".split(),
           "n m l r s t ch ng".split()),
    "fr": ("b p m f v t d n l s k g r ch j pl br tr".split(), "a e i o u ou é è on an eau oi".split(),
           "r l s n".split()),
    "es": ("b p m f t d n l s k g r ch ll j pl br tr".split(), "a e i o u ue ie".split(), "n s r l".split()),
    "it": ("b p m f v t d n l s k g r ci gi pl br tr".split(), "a e i o u".split(), "n r l".split()),
    "pt": ("b p m f v t d n l s k g r ch lh nh j".split(), "a e i o u ão ei ou".split(), "r s l m".split()),
    "nl": ("b p m f v w t d n l s k g r h j sch".split(), "a e i o u oe ui ij aa ee oo".split(),
           "n m l r s t k".split()),
    "pl": ("b p m f w t d n l ł s z k g r h cz sz rz".split(), "a e i o u y ą ę ó".split(), "n m l r s k".split()),
    "cs": ("b p m f v t d n l s z k h r ch č š ž".split(), "a e i o u y á é í ů ě".split(), "n m l r s k".split()),
    "fi": ("p m v t d n l s k h r j".split(), "a e i o u y ä ö aa ii uu".split(), "n l s t".split()),
    "sv": ("b p m f v t d n l s k g r h j sj".split(), "a e i o u y å ä ö".split(), "n m l r s t k".split()),
    "hu": ("b p m f v t d n l s sz z k g r h j cs".split(), "a e i o u á é ö ü ó".split(), "n m l r s t k".split()),
    "id": ("b p m f t d n l s k g r h j c w".split(), "a e i o u".split(), "n m ng r s t k".split()),
}
ESPEAK_VOICES = {**{lang: lang for lang in SPELLING}, "en": "en-US", "en-gb": "en-GB-x-rp",
                 "cmn": "cmn-Latn-pinyin", "ja": "ja"}
VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5"]
PINYIN = ("ba bo bi bu pa po pi pu ma mo mi mu me mai mei mao man men mang fa fo fu fei fan fen da de di du "
          "dai dao dou dan ta te ti tu tai tao tou tan na ne ni nu nü nai nao nan la le li lu lü lai lao lan "
          "ga ge gu gai gao gou gan ka ke ku kai kao kan ha he hu hai hao han ji ju jia jie jiu qi qu qia qie "
          "xi xu xia xie zha zhe zhi zhu zhao zhou cha che chi chu chao chou sha she shi shu shao shou re ri ru "
          "rao za ze zi zu zao ca ce ci cu cao sa se si su sao wa wo wu wai wei wan wen ya ye yi yu yao you yan "
          "yin ying yong er ou an en ang eng ai ei ao").split()
KANA = ("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん"
        "がぎぐげござじずぜぞだでどばびぶべぼぱぴぷぺぽ")


def log(message: str) -> None:
    print(f"[train_phones] {message}", file=sys.stderr, flush=True)


def english_words() -> list[str]:
    from pocketsphinx import get_model_path

    words = []
    with open(get_model_path("en-us/cmudict-en-us.dict"), encoding="utf-8") as handle:
        for line in handle:
            word = line.split(" ", 1)[0]
            if word.isalpha() and 2 <= len(word) <= 10:
                words.append(word)
    return words


def sentence(language: str, rng: np.random.Generator, words: list[str]) -> str:
    n = int(rng.integers(5, 11))
    if language in ("en", "en-gb", "festival"):
        return " ".join(words[int(i)] for i in rng.integers(0, len(words), n)) + "."
    if language == "cmn":
        return " ".join(f"{PINYIN[int(i)]}{int(t)}" for i, t in
                        zip(rng.integers(0, len(PINYIN), 2 * n), rng.integers(1, 5, 2 * n))) + "."
    if language == "ja":
        return "".join(KANA[int(i)] for i in rng.integers(0, len(KANA), 3 * n)) + "。"
    onsets, vowels, codas = SPELLING[language]
    out = []
    for _ in range(n):
        word = ""
        for _ in range(int(rng.integers(1, 4))):
            word += (onsets[int(rng.integers(len(onsets)))] if rng.random() < 0.85 else "")
            word += vowels[int(rng.integers(len(vowels)))]
            word += codas[int(rng.integers(len(codas)))] if rng.random() < 0.3 else ""
        out.append(word)
    return " ".join(out) + "."


def synthesize_corpus(per_language: int, rng: np.random.Generator) -> list[tuple[str, np.ndarray, list]]:
    """(source, 16 kHz samples, phones) for every training utterance."""
    from fantasy_talking.speech.tts.espeak import EspeakEngine
    from fantasy_talking.speech.tts.festival import FestivalEngine

    words = english_words()
    corpus = []
    espeak = EspeakEngine()
    for language, voice in ESPEAK_VOICES.items():
        for _ in range(per_language):
            variant = VARIANTS[int(rng.integers(len(VARIANTS)))]
            name = voice + (f"+{variant}" if variant else "")
            synthesis = espeak.synthesize(sentence(language, rng, words), name, rate=float(rng.uniform(0.8, 1.35)),
                                          pitch=float(rng.uniform(0.75, 1.4)), sample_rate=SAMPLE_RATE)
            corpus.append((f"espeak-{language}", synthesis.audio.samples, synthesis.phones))
        log(f"espeak {language}: {per_language} sentences")
    festival = FestivalEngine()
    if festival.available:
        slt = Path("/usr/share/festival/voices/us/cmu_us_slt_arctic_hts")
        names = ["kal_diphone"]
        if slt.is_dir():   # Debian festvox-us-slt-hts: a female voice, not offered by the product's engine
            festival._voices.append(Voice(name="cmu_us_slt_arctic_hts", engine="festival", language="en-us",
                                          languages=("en-us",), gender="female", description="slt"))
            names.append("cmu_us_slt_arctic_hts")
        for name in names:
            for _ in range(FESTIVAL_SHARE * per_language):
                synthesis = festival.synthesize(sentence("festival", rng, words), name,
                                                rate=float(rng.uniform(0.85, 1.3)), pitch=float(rng.uniform(0.8, 1.3)),
                                                sample_rate=SAMPLE_RATE)
                corpus.append((f"festival-{name}", synthesis.audio.samples, synthesis.phones))
            log(f"festival {name}: {FESTIVAL_SHARE * per_language} sentences")
    else:
        log("festival not installed: training on espeak-ng alone")
    return corpus


def augment(samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random room, microphone and level for one utterance (same length, same timing)."""
    x = samples.astype(np.float64)
    n = len(x)
    spectrum = np.fft.rfft(x)
    freqs = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    octave = np.log2(np.maximum(freqs, 50.0) / 50.0)
    tilt_db = sum(rng.uniform(-4, 4) * np.cos(octave * rng.uniform(0.3, 1.5) + rng.uniform(0, 6.3)) for _ in range(3))
    if rng.random() < 0.25:   # band limit: phone line, cheap microphone or a low-rate codec
        tilt_db = tilt_db - 40.0 * np.clip((freqs - rng.uniform(3400, 7000)) / 1000.0, 0.0, 1.0)
    if rng.random() < 0.3:   # low cut
        tilt_db = tilt_db - 20.0 * np.clip((rng.uniform(100, 300) - freqs) / 100.0, 0.0, 1.0)
    x = np.fft.irfft(spectrum * 10.0 ** (tilt_db / 20.0), n)
    if rng.random() < 0.5:   # reverberation: decaying noise after the direct sound
        rt60 = rng.uniform(0.15, 0.6)
        t = np.arange(int(rt60 * SAMPLE_RATE)) / SAMPLE_RATE
        tail = rng.standard_normal(len(t)) * np.exp(-6.9 * t / rt60)
        ir = np.concatenate([[1.0], rng.uniform(0.05, 0.3) * tail / np.sqrt(np.sum(tail ** 2))])
        x = np.convolve(x, ir)[:n]
    x *= 0.5 / max(1e-9, np.max(np.abs(x))) * 10.0 ** (rng.uniform(-25, 0) / 20.0)
    if rng.random() < 0.8:
        noise = rng.standard_normal(n)
        if rng.random() < 0.5:   # pink-ish
            noise = np.cumsum(noise)
            noise -= np.convolve(noise, np.ones(64) / 64, mode="same")
        speech_power = np.mean(x[np.abs(x) > 0.01 * np.max(np.abs(x))] ** 2)
        snr_db = rng.uniform(10, 40)
        x += noise * np.sqrt(speech_power / 10.0 ** (snr_db / 10.0) / np.mean(noise ** 2))
    return np.clip(x, -1, 1).astype(np.float32)


def frame_labels(phones, n_frames: int) -> np.ndarray:
    """Viseme index of the phone under each frame centre j / FEATURE_RATE (silence outside)."""
    times = np.arange(n_frames) / FEATURE_RATE
    labels = np.zeros(n_frames, np.int64)
    for p in phones:
        labels[(times >= p.start_s) & (times < p.end_s)] = VISEMES.index(p.viseme)
    return labels


def utterance_rows(samples: np.ndarray, band_mean: np.ndarray) -> np.ndarray:
    """Classifier inputs exactly as the product computes them (one call, whole utterance)."""
    padded = np.concatenate([samples, np.zeros(HALF, np.float32)])
    features = FeatureStream().push(padded)
    return PhoneInputs(band_mean).push(padded, features)


def speech_band_mean(corpus) -> np.ndarray:
    """Mean log-mel over voiced speech frames: the speaker normalisation's starting point."""
    rows = []
    for _, samples, _ in corpus:
        padded = np.concatenate([samples, np.zeros(HALF, np.float32)])
        features = FeatureStream().push(padded)
        mel = LogMelStream().push(padded)
        rows.append(mel[features.vad > 0.5])
    return np.concatenate(rows).mean(axis=0).astype(np.float32)


def build(corpus, band_mean: np.ndarray, copies: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for source, samples, phones in corpus:
        extra = copies + (1 if source.startswith("festival") else 0)
        for copy in range(1 + extra):
            audio, phones_here = samples, phones
            if copy > 0 and rng.random() < 0.7:   # speed perturbation: another vocal tract length and rate
                factor = float(rng.uniform(0.85, 1.2))
                audio = resample(samples, SAMPLE_RATE, int(round(SAMPLE_RATE / factor)))
                phones_here = [replace(p, start_s=p.start_s / factor, end_s=p.end_s / factor) for p in phones]
            if copy > 0:
                if rng.random() < 0.5:   # a stream may start in room noise, not on digital silence
                    lead = int(rng.uniform(0.05, 0.5) * SAMPLE_RATE)
                    audio = np.concatenate([np.zeros(lead, np.float32), audio])
                    shift = lead / SAMPLE_RATE
                    phones_here = [replace(p, start_s=p.start_s + shift, end_s=p.end_s + shift) for p in phones_here]
                audio = augment(audio, rng)
            rows = utterance_rows(audio, band_mean)
            xs.append(rows)
            ys.append(frame_labels(phones_here, len(rows)))
    return np.concatenate(xs), np.concatenate(ys)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=30, help="sentences per espeak-ng language (default 30)")
    parser.add_argument("--copies", type=int, default=1, help="augmented copies per utterance (default 1)")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    corpus = synthesize_corpus(args.sentences, rng)
    seconds = sum(len(s) for _, s, _ in corpus) / SAMPLE_RATE
    log(f"corpus: {len(corpus)} utterances, {seconds / 60:.1f} min, {time.perf_counter() - started:.0f} s")
    band_mean = speech_band_mean(corpus)
    x, y = build(corpus, band_mean, args.copies, rng)
    missing = sorted(set(range(len(VISEMES))) - set(y.tolist()))
    if missing:
        raise SystemExit(f"train_phones: no frames of {[VISEMES[i] for i in missing]}; make more sentences")
    mean = x.mean(axis=0)
    scale = 1.0 / (x.std(axis=0) + 1e-3)
    log(f"frames: {len(y)} ({np.bincount(y, minlength=len(VISEMES)) / len(y) * 100} % per class)")
    model = MLPClassifier(hidden_layer_sizes=HIDDEN, alpha=1e-3, batch_size=512, learning_rate_init=2e-3,
                          max_iter=args.epochs, early_stopping=True, validation_fraction=0.1, n_iter_no_change=5,
                          random_state=0)
    model.fit((x - mean) * scale, y)
    log(f"trained: {model.n_iter_} epochs, validation accuracy {model.best_validation_score_:.3f}, "
        f"{time.perf_counter() - started:.0f} s")
    w = [c.astype(np.float32) for c in model.coefs_]
    b = [c.astype(np.float32) for c in model.intercepts_]
    np.savez_compressed(args.out, w1=w[0], b1=b[0], w2=w[1], b2=b[1], w3=w[2], b3=b[2],
                        mean=mean.astype(np.float32), scale=scale.astype(np.float32), band_mean=band_mean,
                        classes=np.array(VISEMES))
    log(f"wrote {args.out} ({args.out.stat().st_size // 1024} kB)")
    if shutil.which("espeak-ng") is None:
        log("note: espeak-ng's command line is absent; the library was enough")
    return 0


if __name__ == "__main__":
    sys.exit(main())
