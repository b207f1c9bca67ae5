"""PocketSphinx benchmark: speed and accuracy of the English phonetic path on espeak-ng speech.

    .venv/bin/python tools/bench/bench_sphinx.py
    .venv/bin/python tools/bench/bench_sphinx.py --long 4     # also time 4 × a 32 s paragraph

espeak-ng knows exactly which phone it speaks when (phoneme events, stop closures restored),
so its speech is the ground truth. For each sentence it prints, for forced alignment and for
free phone recognition:
- speed: CPU seconds per audio second on one core (× real time, lower is faster);
- viseme agreement: the share of 10 ms frames whose viseme matches espeak's;
- onset error: |aligned start − espeak start| of the phones paired up in order (difflib over
  the viseme sequences), over all phones and over the bilabials p/b/m alone;
- viseme error rate of recognition: edit distance between the viseme strings / truth length.
A real recording (shared/samples, approximate transcript) is timed too when present.
"""
from __future__ import annotations

import argparse
import difflib
import time
from pathlib import Path

import numpy as np

from fantasy_talking.audio.decode import Audio, decode_file
from fantasy_talking.speech import sphinx
from fantasy_talking.speech.phonemes import SILENCE, PhoneSegment
from fantasy_talking.speech.tts.espeak import EspeakEngine

SENTENCES = [
    "Peter picked a peck of pickled peppers.",
    "My mother bought a basket of plums at the market.",
    "The weather was fine, so we went to the beach with a big blue umbrella.",
    "Please remember to switch off the lamp before you leave the room.",
    "A small boat moved slowly across the calm water at sunrise.",
    "Bob and Emma played music for the whole family on Sunday morning.",
    "Thank you for calling, we will be with you in a moment.",
    "Five brave sheep jumped over the fence and ran into the meadow.",
]
PARAGRAPH = ("The north wind and the sun were arguing about which of them was stronger, when a "
             "traveller came along wrapped in a warm cloak. They agreed that the one who first made "
             "the traveller take off his cloak would be called the stronger. The wind blew as hard "
             "as it could, but the more it blew, the tighter the traveller held his cloak. Then the "
             "sun shone warmly, and at once the traveller took off his cloak.")
SAMPLE = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "audio" / "en_male_walden_8s.wav"
SAMPLE_TEXT = ("Walden is a book by noted transcendentalist Henry David Thoreau. The text is a reflection "
               "upon simple living in natural surroundings.")
BILABIAL = "PP"
STEP_S = 0.01


def timed(function, *args) -> tuple[list[PhoneSegment], float]:
    start = time.process_time()
    result = function(*args)
    return result, time.process_time() - start


def viseme_track(segments: list[PhoneSegment], duration_s: float) -> np.ndarray:
    times = np.arange(0.0, duration_s, STEP_S)
    starts = np.array([s.start_s for s in segments])
    index = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(segments) - 1)
    return np.array([segments[i].viseme for i in index])


def spoken(segments: list[PhoneSegment]) -> list[PhoneSegment]:
    """Non-silent segments, with neighbours of the same viseme merged (espeak and CMUdict split
    diphthongs and affricates differently)."""
    merged: list[PhoneSegment] = []
    for s in segments:
        if s.viseme == SILENCE:
            continue
        if merged and merged[-1].viseme == s.viseme and abs(merged[-1].end_s - s.start_s) < 1e-6:
            merged[-1] = PhoneSegment(merged[-1].phone, merged[-1].start_s, s.end_s, s.viseme)
        else:
            merged.append(s)
    return merged


def onset_errors(truth: list[PhoneSegment], found: list[PhoneSegment]) -> list[tuple[str, float]]:
    """(viseme, found start − true start) for phones paired in order by their visemes."""
    a, b = spoken(truth), spoken(found)
    matcher = difflib.SequenceMatcher(a=[s.viseme for s in a], b=[s.viseme for s in b], autojunk=False)
    return [(a[block.a + k].viseme, b[block.b + k].start_s - a[block.a + k].start_s)
            for block in matcher.get_matching_blocks() for k in range(block.size)]


def viseme_error_rate(truth: list[PhoneSegment], found: list[PhoneSegment]) -> float:
    a, b = [s.viseme for s in spoken(truth)], [s.viseme for s in spoken(found)]
    distance = np.arange(len(b) + 1, dtype=float)
    for i, va in enumerate(a, 1):
        previous, distance[0] = distance.copy(), i
        for j, vb in enumerate(b, 1):
            distance[j] = min(previous[j] + 1, distance[j - 1] + 1, previous[j - 1] + (va != vb))
    return distance[-1] / max(1, len(a))


def describe(errors: list[float]) -> str:
    if not errors:
        return "n/a"
    e = np.array(errors) * 1000
    return (f"mean |e| {np.mean(np.abs(e)):5.1f} ms, median |e| {np.median(np.abs(e)):5.1f} ms, "
            f"bias {np.mean(e):+5.1f} ms, within 30 ms {np.mean(np.abs(e) <= 30):4.0%} (n={len(e)})")


def accuracy() -> None:
    engine = EspeakEngine()
    align_errors: list[tuple[str, float]] = []
    totals = {"align": [0.0, 0.0], "recognize": [0.0, 0.0]}
    agreement = {"align": [], "recognize": []}
    error_rates = []
    print(f"{'sentence':<44} {'dur s':>6} {'align xRT':>9} {'rec xRT':>8} {'align agr':>9} {'rec agr':>8} {'rec VER':>8}")
    for text in SENTENCES:
        synthesis = engine.synthesize(text, "en-us")
        audio, truth = synthesis.audio, synthesis.phones
        aligned, align_s = timed(sphinx.align_phones, audio, text)
        recognized, recognize_s = timed(sphinx.recognize_phones, audio)
        track = viseme_track(truth, audio.duration_s)
        row = {}
        for name, found, seconds in (("align", aligned, align_s), ("recognize", recognized, recognize_s)):
            totals[name][0] += seconds
            totals[name][1] += audio.duration_s
            row[name] = float(np.mean(viseme_track(found, audio.duration_s) == track))
            agreement[name].append(row[name])
        align_errors += onset_errors(truth, aligned)
        error_rates.append(viseme_error_rate(truth, recognized))
        print(f"{text[:44]:<44} {audio.duration_s:6.2f} {align_s / audio.duration_s:9.3f} "
              f"{recognize_s / audio.duration_s:8.3f} {row['align']:9.0%} {row['recognize']:8.0%} "
              f"{error_rates[-1]:8.0%}")
    print()
    for name in ("align", "recognize"):
        seconds, duration = totals[name]
        print(f"{name:<10} speed {seconds / duration:.3f} × real time on one core "
              f"({duration:.1f} s of audio), viseme agreement {np.mean(agreement[name]):.0%}")
    print(f"recognition viseme error rate {np.mean(error_rates):.0%}")
    print(f"alignment onsets, all phones: {describe([e for _, e in align_errors])}")
    print(f"alignment onsets, bilabials:  {describe([e for v, e in align_errors if v == BILABIAL])}")


def long_audio(repeats: int) -> None:
    synthesis = EspeakEngine().synthesize(" ".join([PARAGRAPH] * repeats), "en-us")
    audio = synthesis.audio
    aligned, align_s = timed(sphinx.align_phones, audio, " ".join([PARAGRAPH] * repeats))
    recognized, recognize_s = timed(sphinx.recognize_phones, audio)
    errors = [e for v, e in onset_errors(synthesis.phones, aligned) if v == BILABIAL]
    print(f"\nlong audio {audio.duration_s:.1f} s: align {align_s / audio.duration_s:.3f} × real time, "
          f"recognize {recognize_s / audio.duration_s:.3f} × real time; bilabial onsets: {describe(errors)}")


def real_voice() -> None:
    if not SAMPLE.exists():
        print(f"\n{SAMPLE} not found; real-voice timing skipped")
        return
    audio: Audio = decode_file(SAMPLE)
    aligned, align_s = timed(sphinx.align_phones, audio, SAMPLE_TEXT)
    recognized, recognize_s = timed(sphinx.recognize_phones, audio)
    print(f"\nreal voice {SAMPLE.name} ({audio.duration_s:.1f} s): align {align_s / audio.duration_s:.3f} "
          f"× real time ({len(spoken(aligned))} visemes), recognize {recognize_s / audio.duration_s:.3f} "
          f"× real time; recognition vs alignment viseme agreement "
          f"{np.mean(viseme_track(recognized, audio.duration_s) == viseme_track(aligned, audio.duration_s)):.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", type=int, default=0, metavar="N",
                        help="also time N repeats of a 32 s paragraph as one long clip")
    args = parser.parse_args()
    warm_up = EspeakEngine().synthesize("Warm up.", "en-us").audio
    sphinx.align_phones(warm_up, "warm up")
    sphinx.recognize_phones(warm_up)
    accuracy()
    real_voice()
    if args.long:
        long_audio(args.long)


if __name__ == "__main__":
    main()
