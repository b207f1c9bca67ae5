"""eSpeak NG through its C library, with phone timings from the synthesiser's own events.

libespeak-ng is initialised once per process in synchronous mode with IPA phoneme events:
every phone it speaks arrives as an event carrying its IPA name and its exact sample offset
in the generated audio, so the animation needs no alignment step.

The library keeps global state (voice, parameters, callback) and is not thread-safe: every
call holds `_Library.lock`. The lock is taken per sentence, so concurrent requests interleave
sentence by sentence. Setting `cancel` aborts synthesis from inside the audio callback.

Chinese: Debian's espeak-ng 1.51 `cmn` voice turns characters into tone-numbered pinyin and
then reads that pinyin as English ("ni three"), so Chinese runs are spoken with the
`cmn-Latn-pinyin` voice (same Mandarin phonemes and dictionary, pinyin read as pinyin) and
Latin-script runs with `en-US` (see text.script_runs).

MBROLA voices (`mb-us1`, ...) are offered only when their data is in /usr/share/mbrola.
"""
from __future__ import annotations

import ctypes
import shutil
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from fantasy_talking.audio.decode import Audio, resample
from fantasy_talking.speech.phonemes import PhoneSegment, ipa_viseme
from fantasy_talking.speech.tts.base import (
    Prosody, Synthesis, SynthesisCancelled, TtsError, Voice, check_sample_rate, phones_from_starts,
)
from fantasy_talking.speech.tts.text import is_chinese, script_runs

LIBRARY = "libespeak-ng.so.1"
MBROLA_DIR = Path("/usr/share/mbrola")
ENGLISH_VOICE = "en-US"
MANDARIN_VOICE = "cmn-Latn-pinyin"
CANTONESE_VOICE = "yue"
RATE_NORMAL_WPM, RATE_MIN_WPM, RATE_MAX_WPM = 175, 80, 450

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS, _INITIALIZE_PHONEME_IPA = 0x1, 0x2
_CHARS_UTF8, _ENDPAUSE = 1, 0x1000
_POS_CHARACTER = 1
_EVENT_PHONEME = 7
_PARAM_RATE, _PARAM_VOLUME, _PARAM_PITCH = 1, 2, 3
_GENDERS = {1: "male", 2: "female"}
VOICELESS_STOPS = ("p", "t", "k", "c", "q", "ʈ")
CLOSURE_HOP_S = 0.005
CLOSURE_SILENCE = 0.004


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """espeak_EVENT from speak_lib.h."""

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


class _VoiceSpec(ctypes.Structure):
    """espeak_VOICE from speak_lib.h."""

    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_void_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


def _languages_of(address: int) -> tuple[str, ...]:
    """Decode espeak_VOICE.languages: (priority byte, zero-terminated name) pairs, ended by a zero byte."""
    names, offset = [], 0
    while ctypes.c_ubyte.from_address(address + offset).value:
        name = ctypes.string_at(address + offset + 1)
        names.append(name.decode("utf-8").lower())
        offset += len(name) + 2
    return tuple(names)


class _Library:
    """The process-wide libespeak-ng handle. Hold `lock` around every call."""

    lock = threading.Lock()

    def __init__(self) -> None:
        try:
            self._lib = ctypes.CDLL(LIBRARY)
        except OSError as exc:
            raise RuntimeError(f"{LIBRARY} is not installed (Debian: apt-get install libespeak-ng1)") from exc
        self._lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceSpec))
        rate = self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None,
                                           _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_PHONEME_IPA)
        if rate <= 0:
            raise RuntimeError("espeak_Initialize failed: espeak-ng-data is missing")
        self.sample_rate = rate
        self._chunks: list[np.ndarray] = []
        self._phones: list[tuple[int, str]] = []
        self._cancel: threading.Event | None = None
        self._callback = _SynthCallback(self._on_audio)
        self._lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav, n_samples: int, events) -> int:
        if wav and n_samples > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
        i = 0
        while events[i].type != 0:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                name = bytes(event.id.string).split(b"\0", 1)[0].decode("utf-8", "replace")
                self._phones.append((event.sample, name))
            i += 1
        return 1 if self._cancel is not None and self._cancel.is_set() else 0

    def list_voices(self) -> list[tuple[str, tuple[str, ...], int]]:
        """(identifier, languages, gender) of every voice file, variants and MBROLA voices included."""
        spec = _VoiceSpec()
        with self.lock:
            array = self._lib.espeak_ListVoices(ctypes.byref(spec))
            out, i = [], 0
            while array[i]:
                v = array[i].contents
                out.append((v.identifier.decode(), _languages_of(v.languages), v.gender))
                i += 1
        return out

    def synth(self, text: str, voice: str, prosody: Prosody, end_pause: bool,
              cancel: threading.Event | None) -> tuple[np.ndarray, list[tuple[int, str]]]:
        """int16 samples at `sample_rate` and (sample offset, IPA phone) events; "" marks a pause."""
        data = text.encode("utf-8") + b"\0"
        with self.lock:
            if self._lib.espeak_SetVoiceByName(voice.encode("utf-8")) != 0:
                raise TtsError(f"espeak-ng cannot load voice {voice!r}")
            wpm = int(np.clip(RATE_NORMAL_WPM * prosody.rate, RATE_MIN_WPM, RATE_MAX_WPM))
            self._lib.espeak_SetParameter(_PARAM_RATE, wpm, 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, int(np.clip(50 * prosody.pitch, 0, 100)), 0)
            self._lib.espeak_SetParameter(_PARAM_VOLUME, int(round(100 * prosody.volume)), 0)
            self._chunks, self._phones, self._cancel = [], [], cancel
            self._lib.espeak_SetSynthCallback(self._callback)  # other code in the process may have set its own
            flags = _CHARS_UTF8 | (_ENDPAUSE if end_pause else 0)
            status = self._lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, flags, None, None)
            chunks, phones, self._cancel = self._chunks, self._phones, None
        if cancel is not None and cancel.is_set():
            raise SynthesisCancelled()
        if status != 0:
            raise RuntimeError(f"espeak_Synth failed with status {status}")
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return samples, phones


@lru_cache(maxsize=1)
def _library() -> _Library:
    return _Library()


def _voice_name(identifier: str) -> str:
    return identifier.rsplit("/", 1)[-1]


def _mbrola_installed(name: str) -> bool:
    """espeak-ng voice mb-us1 needs the mbrola program and /usr/share/mbrola/us1."""
    return shutil.which("mbrola") is not None and (MBROLA_DIR / name.removeprefix("mb-").split("-")[0]).exists()


def with_stop_closures(phones: list[PhoneSegment], samples: np.ndarray, rate: int) -> list[PhoneSegment]:
    """Give each voiceless stop its closure back.

    espeak-ng reports a voiceless stop (p, t, k, ph, tɕ, ...) at its burst and counts the
    silent closure before it as the end of the previous phone, yet the lips or tongue are
    already shut during that silence. The boundary moves back to where the silence starts
    (at most half the previous phone), so a /p/ closes the lips for its whole closure.
    """
    hop = max(1, int(CLOSURE_HOP_S * rate))
    out = list(phones)
    for i in range(1, len(out)):
        phone, before = out[i], out[i - 1]
        if not phone.phone.startswith(VOICELESS_STOPS) or before.viseme == "sil":
            continue
        start = int(round(phone.start_s * rate))
        limit = int(round((before.start_s + before.end_s) / 2 * rate))
        onset = start
        while onset - hop >= limit and np.abs(samples[onset - hop:onset]).max(initial=0.0) < CLOSURE_SILENCE:
            onset -= hop
        if onset < start:
            moved = onset / rate
            out[i - 1] = PhoneSegment(before.phone, before.start_s, moved, before.viseme)
            out[i] = PhoneSegment(phone.phone, moved, phone.end_s, phone.viseme)
    return out


class EspeakEngine:
    """eSpeak NG: about 100 languages, Mandarin and Cantonese included, with exact phone timings."""

    name = "espeak"

    def __init__(self) -> None:
        self._lib = _library()
        variants, voices = [], []
        for identifier, languages, gender in self._lib.list_voices():
            if identifier.startswith("!v/"):
                variants.append(_voice_name(identifier))
            elif not identifier.startswith("mb/") or _mbrola_installed(_voice_name(identifier)):
                voices.append(Voice(name=_voice_name(identifier), engine=self.name, language=languages[0],
                                    languages=languages, gender=_GENDERS.get(gender, ""),
                                    description=f"espeak-ng {identifier}"))
        self._voices = voices
        self._by_name = {v.name.lower(): v for v in voices}
        self._variants = {v.lower() for v in variants}

    def languages(self) -> tuple[str, ...]:
        tags = {lang for v in self._voices for lang in v.languages}
        return tuple(sorted(tags | {"zh-cn", "zh-tw", "zh-hk"}))

    def voices(self, language: str = "") -> list[Voice]:
        if not language:
            return list(self._voices)
        tag = language.lower()
        if is_chinese(tag):
            first = self._by_name[self._chinese_voice(tag).lower()]
            rest = [v for v in self._voices if v is not first and any(is_chinese(l) for l in v.languages)]
            return [first, *rest]
        primary = tag.split("-")[0]

        def rank(voice: Voice) -> int:
            if tag in (voice.name.lower(), voice.language):
                return 0
            if tag in voice.languages:
                return 1
            if primary == voice.name.lower():
                return 2
            return 3 if any(lang.split("-")[0] == primary for lang in voice.languages) else 4

        return sorted((v for v in self._voices if rank(v) < 4), key=rank)

    def default_voice(self, language: str) -> Voice:
        candidates = self.voices(language or ENGLISH_VOICE)
        if not candidates:
            raise TtsError(f"language {language!r} is not spoken by espeak-ng; ListVoices names the languages")
        return candidates[0]

    @staticmethod
    def _chinese_voice(tag: str) -> str:
        parts = tag.lower().split("-")
        cantonese = parts[0] == "yue" or "yue" in parts or "hk" in parts or "mo" in parts
        return CANTONESE_VOICE if cantonese else MANDARIN_VOICE

    def find_voice(self, name: str) -> Voice:
        """The voice called `name` (case-insensitive; "VOICE+VARIANT" picks an espeak-ng variant such as "en-US+f3")."""
        base, _, variant = name.partition("+")
        voice = self._by_name.get(base.lower())
        if voice is None:
            raise TtsError(f"unknown voice {name!r}; ListVoices names the voices")
        if variant and variant.lower() not in self._variants:
            raise TtsError(f"unknown voice variant {variant!r}; try f1..f5 or m1..m8")
        return voice

    def synthesize(self, text: str, voice: str, rate: float = 1.0, pitch: float = 1.0, volume: float = 1.0,
                   sample_rate: int = 16_000, cancel: threading.Event | None = None) -> Synthesis:
        prosody = Prosody(rate, pitch, volume)
        check_sample_rate(sample_rate)
        chosen = self.find_voice(voice)
        variant = voice.partition("+")[2]
        suffix = f"+{variant}" if variant else ""
        if any(is_chinese(lang) for lang in chosen.languages):
            native = self._chinese_voice(chosen.language) if chosen.name.lower() == "cmn" else chosen.name
            runs = [(ENGLISH_VOICE if run.script == "latin" else native, run.text) for run in script_runs(text)]
        else:
            runs = [(chosen.name, text)]
        pieces: list[np.ndarray] = []
        starts: list[tuple[float, str]] = []
        offset = 0
        for index, (run_voice, run_text) in enumerate(runs):
            samples, events = self._lib.synth(run_text, run_voice + suffix, prosody,
                                              end_pause=index == len(runs) - 1, cancel=cancel)
            starts += [((offset + sample) / self._lib.sample_rate, phone) for sample, phone in events]
            pieces.append(samples)
            offset += len(samples)
        native_audio = np.concatenate(pieces).astype(np.float32) / 32768.0 if pieces else np.zeros(0, np.float32)
        duration = len(native_audio) / self._lib.sample_rate
        phones = with_stop_closures(phones_from_starts(starts, duration, ipa_viseme), native_audio,
                                    self._lib.sample_rate)
        audio = Audio(resample(native_audio, self._lib.sample_rate, sample_rate), sample_rate)
        return Synthesis(audio, phones)

