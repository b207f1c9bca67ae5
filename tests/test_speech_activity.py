"""Speech activity: only voice moves the jaw. Breath, noise and clicks must leave it shut, before
the first word of real recordings and throughout signals that hold no speech at all."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.signal

from fantasy_talking.animation.options import AnimationOptions, Engine
from fantasy_talking.audio.decode import SAMPLE_RATE, Audio, decode_file
from fantasy_talking.audio.features import FeatureStream
from fantasy_talking.pipeline import animate_audio

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples" / "audio"
ACOUSTIC = AnimationOptions(engine=Engine.ACOUSTIC)
SHUT = 0.1
# The mouth may move this long before the sound it makes (the engine's anticipation).
MAY_LEAD_S = 0.1


def jaw(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """JawOpen per frame and the frame times."""
    clip = animate_audio(Audio(samples.astype(np.float32), SAMPLE_RATE), ACOUSTIC)
    curve = clip.curve("JawOpen")
    return curve, np.arange(len(curve)) / clip.fps


def first_word_s(samples: np.ndarray) -> float:
    """Start of the first 50 ms run within 20 dB of the clip's loud level (95th percentile), on
    30 ms RMS every 10 ms: a plain level rule, independent of the engine's own speech decision."""
    power = np.convolve(samples.astype(np.float64) ** 2, np.ones(480) / 480, mode="same")[::160]
    level = 10 * np.log10(power + 1e-12)
    loud = level > np.percentile(level, 95) - 20
    sustained = np.convolve(loud, np.ones(5), mode="valid") >= 5
    assert sustained.any()
    return float(np.argmax(sustained)) / 100


@pytest.mark.samples
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.wav")) if SAMPLES.is_dir() else ["absent"])
def test_jaw_stays_shut_before_the_first_word(name):
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    samples = decode_file(path).samples
    onset = first_word_s(samples)
    curve, times = jaw(samples)
    before = times < onset - MAY_LEAD_S
    worst = curve[before].max(initial=0.0)
    assert worst < SHUT, f"jaw {worst:.2f} before the first word at {onset:.2f} s"
    assert curve.max() > 0.3   # and speech does open it


def tone(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """A voiced vowel-like signal (harmonics of 140 Hz with a formant near 700 Hz), to prove the
    tests below would see a moving jaw."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pulse = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 30))
    b, a = scipy.signal.iirpeak(700, 4, fs=SAMPLE_RATE)
    vowel = scipy.signal.lfilter(b, a, pulse) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return 0.2 * vowel / np.abs(vowel).max() + 1e-4 * rng.standard_normal(len(t))


def breaths(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Inhalations: band-passed noise (300–3000 Hz) swelling and fading over 0.6 s, every 1.2 s,
    peaking near −30 dBFS (louder than the −41 to −54 dBFS breath of the shared recording)."""
    n = int(seconds * SAMPLE_RATE)
    b, a = scipy.signal.butter(2, [300, 3000], btype="band", fs=SAMPLE_RATE)
    noise = scipy.signal.lfilter(b, a, rng.standard_normal(n))
    t = np.arange(n) / SAMPLE_RATE
    phase = np.mod(t, 1.2)
    envelope = np.where(phase < 0.6, np.sin(np.pi * phase / 0.6) ** 2, 0.0)
    out = noise * envelope
    return 0.03 * out / np.abs(out).max()


def room_noise(seconds: float, rng: np.random.Generator, dbfs: float) -> np.ndarray:
    """Pink-ish noise (white through a one-pole low-pass) at the given RMS."""
    white = rng.standard_normal(int(seconds * SAMPLE_RATE))
    pink = scipy.signal.lfilter([1.0], [1.0, -0.95], white)
    return pink / np.sqrt(np.mean(pink ** 2)) * 10 ** (dbfs / 20)


def clicks(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Mouse and keyboard clicks: 2 ms decaying bursts at random times, peaking at 0.5."""
    n = int(seconds * SAMPLE_RATE)
    out = 1e-4 * rng.standard_normal(n)
    burst = rng.standard_normal(32) * np.exp(-np.arange(32) / 8)
    for start in rng.integers(0, n - 32, size=int(4 * seconds)):
        out[start:start + 32] += 0.5 * burst / np.abs(burst).max()
    return out


@pytest.mark.parametrize("signal", ["breath", "white noise -30 dBFS", "pink noise -20 dBFS", "pink noise -50 dBFS",
                                    "clicks"])
def test_no_speech_no_jaw(signal):
    rng = np.random.default_rng(7)
    make = {
        "breath": lambda: breaths(4.0, rng),
        "white noise -30 dBFS": lambda: 10 ** (-30 / 20) * rng.standard_normal(4 * SAMPLE_RATE),
        "pink noise -20 dBFS": lambda: room_noise(4.0, rng, -20),
        "pink noise -50 dBFS": lambda: room_noise(4.0, rng, -50),
        "clicks": lambda: clicks(4.0, rng),
    }[signal]
    curve, _ = jaw(make())
    assert curve.max() < SHUT, f"{signal} opened the jaw to {curve.max():.2f}"


def test_voice_after_breath_and_noise_does_open_the_jaw():
    rng = np.random.default_rng(8)
    lead = breaths(1.2, rng) + room_noise(1.2, rng, -45)
    voice = tone(1.5, rng) + room_noise(1.5, rng, -45)
    curve, times = jaw(np.concatenate([lead, voice]))
    assert curve[times < 1.2 - MAY_LEAD_S].max() < SHUT
    assert curve[times > 1.4].max() > 0.3


def test_vad_decisions_do_not_depend_on_chunking():
    rng = np.random.default_rng(9)
    samples = np.concatenate([breaths(1.0, rng), tone(1.0, rng), room_noise(1.0, rng, -40)]).astype(np.float32)
    whole = FeatureStream().push(samples).vad
    stream = FeatureStream()
    cuts = np.sort(rng.integers(0, len(samples), size=40))
    parts = [stream.push(chunk).vad for chunk in np.split(samples, cuts)]
    assert np.array_equal(np.concatenate(parts), whole)
    assert 0 < whole.mean() < 1


def note(f0: float, seconds: float, vibrato: float = 0.0, partials: int = 30) -> np.ndarray:
    """A held note: harmonics of `f0` (with a 5.5 Hz vibrato of ±`vibrato`), unmodulated in level."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    phase = 2 * np.pi * np.cumsum(f0 * (1 + vibrato * np.sin(2 * np.pi * 5.5 * t))) / SAMPLE_RATE
    return sum(np.sin(k * phase) / k for k in range(1, partials))


def sung(f0: float, seconds: float, vibrato: float = 0.0) -> np.ndarray:
    """A sung /a/: the note through a formant near 700 Hz, at a level speech would have."""
    b, a = scipy.signal.iirpeak(700, 4, fs=SAMPLE_RATE)
    vowel = scipy.signal.lfilter(b, a, note(f0, seconds, vibrato))
    return 0.2 * vowel / np.abs(vowel).max()


def chord(f0s: list[float], seconds: float) -> np.ndarray:
    mix = sum(note(f0, seconds, partials=12) for f0 in f0s)
    return 0.2 * mix / np.abs(mix).max()


# A note's first 500 ms may still move the jaw (a voice can hold that long); after it, none may.
NOTE_ONSET_S = 0.6


@pytest.mark.parametrize("signal", ["sung 110 Hz", "sung 220 Hz", "sung 440 Hz", "sung 220 Hz vibrato ±1 %",
                                    "sawtooth 262 Hz", "C major chord", "A minor chord"])
def test_held_notes_and_chords_leave_the_jaw_shut(signal):
    make = {
        "sung 110 Hz": lambda: sung(110, 3.0),
        "sung 220 Hz": lambda: sung(220, 3.0),
        "sung 440 Hz": lambda: sung(440, 3.0),
        "sung 220 Hz vibrato ±1 %": lambda: sung(220, 3.0, vibrato=0.01),
        "sawtooth 262 Hz": lambda: 0.2 * note(261.6, 3.0) / np.abs(note(261.6, 3.0)).max(),
        "C major chord": lambda: chord([261.6, 329.6, 392.0], 3.0),
        "A minor chord": lambda: chord([220.0, 261.6, 329.6], 3.0),
    }[signal]
    curve, times = jaw(make())
    held = curve[times > NOTE_ONSET_S]
    assert held.max() < SHUT, f"{signal} holds the jaw at {held.max():.2f}"


def test_a_monotone_voice_still_moves_the_jaw():
    """One pitch held for 3 s, but with the syllable-rate level swings of speech: a voice, not a note."""
    t = np.arange(3 * SAMPLE_RATE) / SAMPLE_RATE
    syllables = 0.15 + 0.85 * np.sin(np.pi * 4 * t) ** 2   # four syllables a second, 16 dB deep
    curve, times = jaw(sung(120, 3.0) * syllables)
    assert curve[times > NOTE_ONSET_S].max() > 0.3
