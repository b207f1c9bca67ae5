"""Festival (Debian `festival` + `festvox-kallpc16k`), driven as a subprocess: a second, unrelated synthesiser.

Each sentence runs one `festival --pipe` process that synthesises the utterance, writes the
wave to a temporary file and prints the utterance's Segment relation: every phone with its
end time in seconds, straight from Festival's own duration model. Phones are ARPAbet-like
(radio phone set, "pau" for pauses), so they map through `arpabet_viseme`.

Processes are independent, so this engine is thread-safe; cancelling kills the process.
English only (the kal diphone voice, US English).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from fantasy_talking.audio.decode import SAMPLE_RATE, Audio, decode_file, resample
from fantasy_talking.speech.phonemes import arpabet_viseme
from fantasy_talking.speech.tts.base import (
    Prosody, Synthesis, SynthesisCancelled, TtsError, Voice, check_sample_rate, phones_from_starts,
)

VOICES_DIR = Path("/usr/share/festival/voices/english")
KAL_F0_MEAN_HZ, KAL_F0_STD_HZ = 105, 14
PAUSE = "pau"
POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 60.0


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class FestivalEngine:
    """Festival with its installed English diphone voices (kal_diphone on Debian)."""

    name = "festival"

    def __init__(self) -> None:
        self._program = shutil.which("festival")
        names = sorted(p.name for p in VOICES_DIR.glob("*_diphone")) if VOICES_DIR.is_dir() else []
        self._voices = [Voice(name=n, engine=self.name, language="en-us", languages=("en-us", "en"),
                              gender="male", description=f"Festival {n} (US English diphones)") for n in names]

    @property
    def available(self) -> bool:
        return self._program is not None and bool(self._voices)

    def languages(self) -> tuple[str, ...]:
        return ("en", "en-us") if self.available else ()

    def voices(self, language: str = "") -> list[Voice]:
        if not language or language.lower().split("-")[0] == "en":
            return list(self._voices) if self.available else []
        return []

    def default_voice(self, language: str) -> Voice:
        voices = self.voices(language or "en-us")
        if not voices:
            raise TtsError(f"Festival does not speak {language!r}; it speaks US English")
        return voices[0]

    def find_voice(self, name: str) -> Voice:
        for voice in self.voices():
            if voice.name.lower() == name.lower():
                return voice
        raise TtsError(f"unknown Festival voice {name!r}; ListVoices names the voices")

    def _script(self, text: str, voice: str, prosody: Prosody, wave: Path) -> str:
        return "\n".join([
            f"(voice_{voice})",
            f"(Parameter.set 'Duration_Stretch {1.1 / prosody.rate:.4f})",
            f"(set! int_lr_params '((target_f0_mean {KAL_F0_MEAN_HZ * prosody.pitch:.1f}) "
            f"(target_f0_std {KAL_F0_STD_HZ * prosody.pitch:.1f}) (model_f0_mean 170) (model_f0_std 34)))",
            f"(set! utt (utt.synth (Utterance Text {_scheme_string(text)})))",
            f"(utt.save.wave utt {_scheme_string(str(wave))} 'riff)",
            '(utt.save.segs utt "-")',
            "",
        ])

    def synthesize(self, text: str, voice: str, rate: float = 1.0, pitch: float = 1.0, volume: float = 1.0,
                   sample_rate: int = 16_000, cancel: threading.Event | None = None) -> Synthesis:
        prosody = Prosody(rate, pitch, volume)
        check_sample_rate(sample_rate)
        voice = self.find_voice(voice).name
        with tempfile.TemporaryDirectory(prefix="ftalk-festival-") as tmp:
            wave = Path(tmp) / "speech.wav"
            segments = self._run(self._script(text, voice, prosody, wave), Path(tmp), cancel)
            audio = decode_file(wave)
        ends = []
        for line in segments.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0].replace(".", "", 1).isdigit():
                ends.append((float(parts[0]), parts[2]))
        starts = [(start, "" if phone == PAUSE else phone)
                  for start, (_, phone) in zip([0.0] + [e for e, _ in ends], ends)]
        phones = phones_from_starts(starts, audio.duration_s, arpabet_viseme)
        samples = resample(audio.samples * prosody.volume, SAMPLE_RATE, sample_rate).clip(-1.0, 1.0)
        return Synthesis(Audio(samples, sample_rate), phones)

    def _run(self, script: str, workdir: Path, cancel: threading.Event | None) -> str:
        """Run one Festival process on `script`; its output goes to files, so no pipe can fill up and block."""
        out_path, err_path = workdir / "stdout.txt", workdir / "stderr.txt"
        with open(out_path, "w") as out, open(err_path, "w") as err:
            process = subprocess.Popen([self._program, "--pipe"], stdin=subprocess.PIPE, stdout=out, stderr=err,
                                       text=True)
            assert process.stdin is not None
            process.stdin.write(script)
            process.stdin.close()
            waited = 0.0
            while process.poll() is None:
                if cancel is not None and cancel.is_set():
                    process.kill()
                    process.wait()
                    raise SynthesisCancelled()
                try:
                    process.wait(POLL_SECONDS)
                except subprocess.TimeoutExpired:
                    waited += POLL_SECONDS
                    if waited > TIMEOUT_SECONDS:
                        process.kill()
                        process.wait()
                        raise RuntimeError("festival did not finish within a minute")
        stdout, stderr = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
        if process.returncode != 0 or "SIOD ERROR" in stderr or "SIOD ERROR" in stdout:
            raise RuntimeError(f"festival failed: {stderr.strip() or stdout.strip()}")
        return stdout
