"""English phones from PocketSphinx: free phone recognition, word recognition and forced alignment.

Everything comes from the pocketsphinx wheel: the en-US acoustic model, the CMU dictionary,
the phone bigram LM and the en-US word trigram LM. A few details make it dependable on any input:
- the level is normalised and a faint, fixed noise floor is added, because exact digital
  silence (synthetic speech, gated recordings) breaks the model's cepstral mean normalisation;
- every utterance is padded with noise floor, so speech may start or end at the very edge;
- long audio is decoded in pieces of at most CHUNK_S seconds cut at pauses, which bounds the
  memory of the phone alignment pass (it grows with frames × states);
- the alignment decoder runs without the bestpath pass, whose one-frame `<s>` and `</s>` make
  the phone pass fail.
Results are deterministic: the noise has a fixed seed and every utterance starts from a freshly
reset feature front end.
"""
from __future__ import annotations

import logging
import re
import threading
from typing import Callable, NamedTuple

import numpy as np
from pocketsphinx import Decoder, get_model_path

from fantasy_talking.audio.decode import SAMPLE_RATE, Audio, resample
from fantasy_talking.speech.phonemes import SILENCE, PhoneSegment, arpabet_viseme
from fantasy_talking.speech.transcript import guess_pronunciation, normalize_words

log = logging.getLogger(__name__)

FRAME_RATE = 100           # PocketSphinx frames per second
CHUNK_S = 30.0             # longest stretch decoded as one utterance
PEAK_LEVEL = 0.5           # speech is scaled to this peak ...
NOISE_LEVEL = 1e-3         # ... over uniform noise of this amplitude (-60 dBFS)
SILENT_PEAK = 1e-3         # audio whose peak stays below this is silence
PAD_S = 0.2                # noise floor before and after every utterance
WINDOW_CENTRE_S = 0.0128   # half the 25.6 ms analysis window
PHONE_LM_WEIGHT = 2.0      # phone bigram weight in recognition (PocketSphinx default 6.5)
_SAMPLES_PER_FRAME = SAMPLE_RATE // FRAME_RATE
_PAD_FRAMES = int(PAD_S * FRAME_RATE)
_PAUSE_WINDOW_FRAMES = 20
_NOISE_SEED = 20_240_517
_VARIANT = re.compile(r"\(\d+\)$")


class _Decoders(threading.local):
    """One decoder of each kind per thread: a Decoder is not thread-safe and takes ~0.3 s to load."""

    allphone: Decoder | None = None
    align: Decoder | None = None
    words: Decoder | None = None


_decoders = _Decoders()


def _allphone_decoder() -> Decoder:
    if _decoders.allphone is None:
        _decoders.allphone = Decoder(allphone=get_model_path("en-us/en-us-phone.lm.bin"), lm=None,
                                     lw=PHONE_LM_WEIGHT, cmn="batch", loglevel="FATAL")
    return _decoders.allphone


def _align_decoder() -> Decoder:
    if _decoders.align is None:
        _decoders.align = Decoder(lm=None, bestpath=False, cmn="batch", loglevel="FATAL")
    return _decoders.align


def _words_decoder() -> Decoder:
    if _decoders.words is None:
        _decoders.words = Decoder(cmn="batch", loglevel="FATAL")   # the wheel's en-US LM and dictionary
    return _decoders.words


def recognize_words(audio: Audio, progress: Callable[[float], None] | None = None) -> list[str]:
    """The English words heard in the audio, in order (large-vocabulary recognition, no transcript).

    Slower than phone recognition (about 4x real time on one core, against 13-17x) but the
    language model and dictionary place phones far better: only real words' phones can occur.
    `progress` is told the share of the audio decoded after each piece of up to CHUNK_S."""
    samples = _prepare(audio)
    if samples is None:
        return []
    decoder = _words_decoder()
    words: list[str] = []
    for start, end in _pause_cuts(samples):
        try:
            _decode(decoder, samples[start:end])
            words += [word for word, _, _ in _word_spans(decoder) if not _is_silence(word)]
        except RuntimeError:
            log.warning("word recognition failed start_s=%.2f end_s=%.2f; no words there",
                        start / SAMPLE_RATE, end / SAMPLE_RATE)
        if progress:
            progress(end / len(samples))
    return words


def word_phones(audio: Audio, transcript: str = "",
                progress: Callable[[float], None] | None = None) -> list[PhoneSegment]:
    """Phones of the words spoken, placed by forced alignment: the transcript's words when one is
    given, otherwise the words `recognize_words` hears. Segments cover [0, duration] contiguously."""
    words = transcript if transcript.strip() else " ".join(recognize_words(audio, progress))
    if not words:
        return _contiguous([], _duration(audio))
    return align_phones(audio, words)


def recognize_phones(audio: Audio) -> list[PhoneSegment]:
    """Phones heard in English speech, without a transcript.

    Segments cover [0, duration] contiguously; silences, noises and fillers are `sil`.
    """
    samples = _prepare(audio)
    if samples is None:
        return _contiguous([], _duration(audio))
    segments: list[PhoneSegment] = []
    for start, end in _pause_cuts(samples):
        segments += _recognize_piece(samples[start:end], start / SAMPLE_RATE)
    return _contiguous(segments, _duration(audio))


def align_phones(audio: Audio, transcript: str) -> list[PhoneSegment]:
    """Phones of `transcript` placed on the audio by forced alignment.

    The transcript is normalised (see transcript.normalize_words); words missing from the CMU
    dictionary are pronounced by espeak-ng's rules, or left out when espeak-ng is absent.
    Where alignment fails (the transcript does not match the speech), that stretch falls back
    to phone recognition and a warning is logged. Segments cover [0, duration] contiguously.
    """
    samples = _prepare(audio)
    duration = _duration(audio)
    if samples is None:
        return _contiguous([], duration)
    decoder = _align_decoder()
    words = _dictionary_words(decoder, transcript)
    if not words:
        log.warning("no alignable words in the transcript; recognizing phones instead")
        return recognize_phones(audio)
    if len(samples) <= CHUNK_S * SAMPLE_RATE:
        pieces = [(0, len(samples), words)]
    else:
        pieces = _pieces_by_words(decoder, samples, words)
        if pieces is None:
            log.warning("forced alignment failed duration_s=%.2f words=%d; recognizing phones instead",
                        duration, len(words))
            return recognize_phones(audio)
    segments: list[PhoneSegment] = []
    for start, end, piece_words in pieces:
        offset_s = start / SAMPLE_RATE
        aligned = _align_piece(decoder, samples[start:end], piece_words, offset_s)
        if aligned is None:
            log.warning("forced alignment failed start_s=%.2f end_s=%.2f words=%d; "
                        "recognizing phones for this stretch instead",
                        offset_s, end / SAMPLE_RATE, len(piece_words))
            aligned = _recognize_piece(samples[start:end], offset_s)
        segments += aligned
    return _contiguous(segments, duration)


def _dictionary_words(decoder: Decoder, transcript: str) -> list[str]:
    """Normalised words the decoder can pronounce, adding espeak-ng pronunciations as needed."""
    words: list[str] = []
    for word in normalize_words(transcript):
        if decoder.lookup_word(word) is None:
            pronunciation = guess_pronunciation(word)
            if pronunciation is None:
                log.info("word left out of the alignment word=%s: no pronunciation", word)
                continue
            try:
                decoder.add_word(word, pronunciation)
            except RuntimeError:
                log.info("word left out of the alignment word=%s phones=%s: not in the model",
                         word, pronunciation)
                continue
        words.append(word)
    return words


def _prepare(audio: Audio) -> np.ndarray | None:
    """16 kHz samples at a fixed peak level over a fixed noise floor; None for silence."""
    samples = resample(np.asarray(audio.samples, dtype=np.float32), audio.sample_rate)
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    if peak < SILENT_PEAK:
        return None
    return (samples * (PEAK_LEVEL / peak) + _noise(len(samples))).astype(np.float32)


def _noise(n_samples: int) -> np.ndarray:
    return np.random.default_rng(_NOISE_SEED).uniform(-NOISE_LEVEL, NOISE_LEVEL, n_samples)


def _duration(audio: Audio) -> float:
    return len(audio.samples) / audio.sample_rate


def _pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def _decode(decoder: Decoder, samples: np.ndarray) -> None:
    """Decode one utterance with PAD_S of noise floor on both sides.

    The pad lets the decoder open and close with silence even when speech starts or ends at
    the very edge; callers shift the frames back by PAD_S. The feature front end is reset
    first: the cepstral mean of earlier utterances would otherwise change the result.
    """
    pad = _noise(_PAD_FRAMES * _SAMPLES_PER_FRAME)
    decoder.reinit_feat()
    decoder.start_utt()
    try:
        decoder.process_raw(_pcm(np.concatenate([pad, samples, pad])), full_utt=True)
    finally:
        decoder.end_utt()


def _pause_cuts(samples: np.ndarray) -> list[tuple[int, int]]:
    """Sample ranges of at most CHUNK_S, each cut at the quietest 200 ms of its second half."""
    limit = int(CHUNK_S * SAMPLE_RATE)
    if len(samples) <= limit:
        return [(0, len(samples))]
    n_frames = len(samples) // _SAMPLES_PER_FRAME
    energy = np.square(samples[: n_frames * _SAMPLES_PER_FRAME]).reshape(n_frames, -1).mean(axis=1)
    smooth = np.convolve(energy, np.ones(_PAUSE_WINDOW_FRAMES), mode="same")
    cuts = [0]
    while len(samples) - cuts[-1] > limit:
        lo = (cuts[-1] + limit // 2) // _SAMPLES_PER_FRAME
        hi = (cuts[-1] + limit) // _SAMPLES_PER_FRAME
        cuts.append(int(lo + np.argmin(smooth[lo:hi])) * _SAMPLES_PER_FRAME)
    cuts.append(len(samples))
    return list(zip(cuts[:-1], cuts[1:]))


def _recognize_piece(samples: np.ndarray, offset_s: float) -> list[PhoneSegment]:
    decoder = _allphone_decoder()
    try:
        _decode(decoder, samples)
    except RuntimeError:
        return []
    phones = [_segment(seg.word, seg.start_frame, seg.end_frame + 1, offset_s - PAD_S)
              for seg in decoder.seg()]
    return _clip(phones, offset_s, offset_s + len(samples) / SAMPLE_RATE)


def _align_piece(decoder: Decoder, samples: np.ndarray, words: list[str],
                 offset_s: float) -> list[PhoneSegment] | None:
    """Word pass, then phone pass, over one piece; None if the words cannot be aligned."""
    if not words:
        return []
    try:
        decoder.set_align_text(" ".join(words))
        _decode(decoder, samples)
        if [word for word, _, _ in _word_spans(decoder) if not _is_silence(word)] != words:
            return None
        decoder.set_alignment()
        _decode(decoder, samples)
    except RuntimeError:
        return None
    phones = [_segment(p.name, p.start, p.start + p.duration, offset_s - PAD_S)
              for p in decoder.get_alignment().phones()]
    return _clip(phones, offset_s, offset_s + len(samples) / SAMPLE_RATE)


class _Cut(NamedTuple):
    """A place where long audio may be split: a frame, the words before it, and whether it is a pause."""

    frame: int
    words_before: int
    in_pause: bool


def _pieces_by_words(decoder: Decoder, samples: np.ndarray,
                     words: list[str]) -> list[tuple[int, int, list[str]]] | None:
    """Split long audio for alignment: a word pass over everything, then cuts in its pauses.

    Each piece is at most CHUNK_S long where the speech allows it, cut in the middle of the last
    pause that fits or, failing that, at the last word boundary that fits. Returns sample ranges
    with their words; None if the word pass fails.
    """
    try:
        decoder.set_align_text(" ".join(words))
        _decode(decoder, samples)
    except RuntimeError:
        return None
    spans = _word_spans(decoder)
    if [word for word, _, _ in spans if not _is_silence(word)] != words:
        return None
    cuts: list[_Cut] = []
    n_words, previous_was_word = 0, False
    for word, start, end in spans:
        if _is_silence(word):
            cuts.append(_Cut((start + end) // 2, n_words, True))
        elif previous_was_word:
            cuts.append(_Cut(start, n_words, False))
        n_words += not _is_silence(word)
        previous_was_word = not _is_silence(word)
    total = len(samples) // _SAMPLES_PER_FRAME
    limit = int(CHUNK_S * FRAME_RATE)
    pieces: list[tuple[int, int, list[str]]] = []
    start, done = 0, 0
    while total - start > limit:
        ahead = [c for c in cuts if c.frame > start and c.words_before > done]
        if not ahead:
            break
        fitting = [c for c in ahead if c.frame <= start + limit]
        cut = ([c for c in fitting if c.in_pause] or fitting or ahead[:1])[-1]
        pieces.append((start, cut.frame, words[done:cut.words_before]))
        start, done = cut.frame, cut.words_before
    ranges = [(a * _SAMPLES_PER_FRAME, b * _SAMPLES_PER_FRAME, ws) for a, b, ws in pieces]
    return ranges + [(start * _SAMPLES_PER_FRAME, len(samples), words[done:])]


def _word_spans(decoder: Decoder) -> list[tuple[str, int, int]]:
    """(word without its variant number, first frame, frame after the last) of the last pass,
    on the clock of the unpadded samples."""
    return [(_VARIANT.sub("", seg.word), max(0, seg.start_frame - _PAD_FRAMES),
             max(0, seg.end_frame + 1 - _PAD_FRAMES)) for seg in decoder.seg() or []]


def _is_silence(word: str) -> bool:
    return word in ("<s>", "</s>", "<sil>") or word.startswith(("+", "["))


def _segment(name: str, start_frame: int, end_frame: int, offset_s: float) -> PhoneSegment:
    """A phone on the audio clock. Frame i analyses a 25.6 ms window starting at i / FRAME_RATE,
    so its time is the window's centre (measured on espeak-ng speech, the bias drops from
    -14 ms to about -1 ms)."""
    offset_s += WINDOW_CENTRE_S
    viseme = arpabet_viseme(name)
    phone = SILENCE if viseme == SILENCE else name.upper().rstrip("012")
    return PhoneSegment(phone, round(offset_s + start_frame / FRAME_RATE, 6),
                        round(offset_s + end_frame / FRAME_RATE, 6), viseme)


def _clip(segments: list[PhoneSegment], start_s: float, end_s: float) -> list[PhoneSegment]:
    """The parts of a piece's segments inside the piece (the rest fell on the padding)."""
    clipped = [PhoneSegment(s.phone, max(s.start_s, start_s), min(s.end_s, end_s), s.viseme)
               for s in segments]
    return [s for s in clipped if s.end_s > s.start_s]


def _contiguous(segments: list[PhoneSegment], duration_s: float) -> list[PhoneSegment]:
    """Clip to [0, duration], close gaps with silence, merge neighbouring silences."""
    out: list[PhoneSegment] = []
    clock = 0.0

    def append(phone: str, viseme: str, start: float, end: float) -> None:
        if out and out[-1].phone == SILENCE and phone == SILENCE:
            out[-1] = PhoneSegment(SILENCE, out[-1].start_s, end, SILENCE)
        else:
            out.append(PhoneSegment(phone, start, end, viseme))

    for seg in sorted(segments, key=lambda s: s.start_s):
        start, end = max(seg.start_s, clock), min(seg.end_s, duration_s)
        if end <= start:
            continue
        if start > clock:
            append(SILENCE, SILENCE, clock, start)
        append(seg.phone, seg.viseme, start, end)
        clock = end
    if clock < duration_s:
        append(SILENCE, SILENCE, clock, duration_s)
    return out
