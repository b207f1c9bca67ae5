"""One utterance, from the browser's request to the frames it plays: text through SpeechService.Speak,
uploaded or recorded audio through AnimationService.StreamAnimation.

Both paths yield the same messages for the browser's WebSocket, in this order: `header` (names,
fps, audio format), then `audio` (PCM, base64) and `frames` messages interleaved, then `done`
with the take's id. The browser plays the audio on its own clock and samples the curves at that
clock, so the frames only need to arrive before their time. The console forwards what the server
computes; it holds no animation logic.
"""
from __future__ import annotations

import asyncio
import base64
import math
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

import grpc
import numpy as np

from fantasy_talking.animation.clip import AnimationClip, Frame, VisemeEvent
from fantasy_talking.animation.emotions import EMOTIONS
from fantasy_talking.console.engine import EngineClient, EngineError
from fantasy_talking.console.store import Store, Take, Upload
from fantasytalking.v1 import animation_pb2, common_pb2, speech_pb2

RIGS = {"arkit52": common_pb2.RIG_PROFILE_ARKIT_52, "tongue": common_pb2.RIG_PROFILE_ARKIT_52_TONGUE,
        "visemes": common_pb2.RIG_PROFILE_ARKIT_52_VISEMES}
TTS_SAMPLE_RATE = 24_000
STREAM_CHUNK_S = 0.04
STREAM_LEAD_S = 0.5
"""Uploaded audio reaches the server this far ahead of real time, so frames beat the playback clock."""
AUDIO_MESSAGE_S = 0.5
MAX_TEXT_CHARS = 1000


class ParamError(ValueError):
    """A live parameter outside its range; the message names it and the range."""


def _number(raw: dict, name: str, default: float, low: float, high: float, integer: bool = False) -> float:
    value = raw.get(name, default)
    if value is None or value == "":
        value = default
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ParamError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(value) or not low <= value <= high or (integer and value != int(value)):
        kind = "a whole number" if integer else "a number"
        raise ParamError(f"{name} must be {kind} from {low:g} to {high:g}, got {value:g}")
    return int(value) if integer else value


@dataclass(frozen=True)
class LiveParams:
    """The page's live parameters; each utterance takes the values current when Speak is clicked."""

    fps: int = 30
    lookahead_ms: int = 100
    head_motion: float = 1.0
    blink: float = 1.0
    expression: float = 1.0
    emotion: str = ""
    emotion_strength: float = 0.7
    rig: str = "arkit52"
    seed: int = 0

    @classmethod
    def from_json(cls, raw: dict | None) -> "LiveParams":
        raw = raw or {}
        if not isinstance(raw, dict):
            raise ParamError("params must be an object")
        emotion = str(raw.get("emotion") or "")
        if emotion and emotion not in EMOTIONS:
            raise ParamError(f"unknown emotion {emotion!r}; choose one of {', '.join(EMOTIONS)} or none")
        rig = str(raw.get("rig") or "arkit52")
        if rig not in RIGS:
            raise ParamError(f"unknown rig profile {rig!r}; choose one of {', '.join(RIGS)}")
        return cls(fps=_number(raw, "fps", 30, 1, 120, integer=True),
                   lookahead_ms=_number(raw, "lookahead_ms", 100, 0, 500, integer=True),
                   head_motion=_number(raw, "head_motion", 1.0, 0, 2), blink=_number(raw, "blink", 1.0, 0, 2),
                   expression=_number(raw, "expression", 1.0, 0, 2), emotion=emotion,
                   emotion_strength=_number(raw, "emotion_strength", 0.7, 0, 1), rig=rig,
                   seed=_number(raw, "seed", 0, 0, 2**31 - 1, integer=True))

    def to_proto(self) -> common_pb2.AnimationOptions:
        options = common_pb2.AnimationOptions(fps=self.fps, lookahead_ms=self.lookahead_ms,
                                              head_motion=self.head_motion, blink=self.blink,
                                              expression=self.expression, rig=RIGS[self.rig], seed=self.seed)
        if self.emotion:
            options.emotions[self.emotion] = self.emotion_strength
        return options


@dataclass
class SpeakRequest:
    """What the browser asked for: text (with language and voice) or an uploaded audio id."""

    params: LiveParams
    text: str = ""
    language: str = ""
    voice: str = ""
    audio_id: str = ""
    head_id: str = ""

    @classmethod
    def from_json(cls, raw: Any) -> "SpeakRequest":
        if not isinstance(raw, dict):
            raise ParamError("send a JSON object with text or audio_id")
        request = cls(params=LiveParams.from_json(raw.get("params")), text=str(raw.get("text") or "").strip(),
                      language=str(raw.get("language") or ""), voice=str(raw.get("voice") or ""),
                      audio_id=str(raw.get("audio_id") or ""), head_id=str(raw.get("head_id") or ""))
        if bool(request.text) == bool(request.audio_id):
            raise ParamError("type some text, or upload or record audio, then press Speak")
        if len(request.text) > MAX_TEXT_CHARS:
            raise ParamError(f"the text has {len(request.text)} characters; the console speaks at most {MAX_TEXT_CHARS}")
        return request


def _pcm_message(samples: np.ndarray, start_s: float, sample_rate: int) -> dict:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
    return {"type": "audio", "start_s": start_s, "sample_rate": sample_rate, "pcm": base64.b64encode(pcm).decode()}


def _frame_json(frame: common_pb2.AnimationFrame) -> dict:
    return {"i": frame.index, "t": round(frame.time_s, 5), "w": [round(v, 4) for v in frame.blendshapes],
            "j": [[round(q.x, 5), round(q.y, 5), round(q.z, 5), round(q.w, 5)] for q in frame.joints],
            "a": [round(v, 5) for v in frame.angles], "idle": frame.idle}


@dataclass
class _Recorder:
    """Collects what went to the browser so the take can be downloaded afterwards."""

    header: common_pb2.AnimationHeader | None = None
    frames: list[Frame] = field(default_factory=list)
    visemes: list[VisemeEvent] = field(default_factory=list)
    audio: list[np.ndarray] = field(default_factory=list)

    def header_message(self, header: common_pb2.AnimationHeader, sample_rate: int, **extra) -> dict:
        self.header = header
        return {"type": "header", "curves": list(header.blendshape_names), "joints": list(header.joint_names),
                "fps": header.fps, "engine": header.engine, "lookahead_ms": header.lookahead_ms,
                "sample_rate": sample_rate, **extra}

    def frames_message(self, frames) -> dict:
        for f in frames:
            self.frames.append(Frame(int(f.index), float(f.time_s), np.asarray(f.blendshapes, np.float32),
                                     np.array([[q.x, q.y, q.z, q.w] for q in f.joints], np.float32),
                                     np.asarray(f.angles, np.float32), bool(f.idle)))
        return {"type": "frames", "frames": [_frame_json(f) for f in frames]}

    def viseme(self, v: common_pb2.VisemeEvent) -> None:
        self.visemes.append(VisemeEvent(v.viseme_id, v.viseme, v.start_s, v.end_s, v.phoneme))

    def take(self, sample_rate: int, head_id: str) -> Take:
        header = self.header
        samples = np.concatenate(self.audio) if self.audio else np.zeros(0, np.float32)
        clip = AnimationClip.from_frames(self.frames, tuple(header.blendshape_names), int(header.fps),
                                         self.visemes, len(samples) / sample_rate, header.engine)
        return Take(clip=clip, samples=samples, sample_rate=sample_rate, head_id=head_id or None)


def _done(store: Store, recorder: _Recorder, sample_rate: int, request: SpeakRequest, started: float) -> dict:
    if recorder.header is None or not recorder.frames:
        raise EngineError(502, "the animation server sent no frames; try again")
    take_id = store.takes.add(recorder.take(sample_rate, request.head_id))
    return {"type": "done", "take": take_id, "frames": len(recorder.frames),
            "duration_s": round(sum(len(a) for a in recorder.audio) / sample_rate, 3),
            "server_s": round(time.monotonic() - started, 3), "has_head": bool(request.head_id)}


async def speak_text(engine: EngineClient, store: Store, request: SpeakRequest) -> AsyncIterator[dict]:
    """Text → SpeechService.Speak: each chunk's audio and its frames, as they are synthesised."""
    started = time.monotonic()
    recorder = _Recorder()
    call = engine.speak(speech_pb2.SpeakRequest(
        text=request.text, language=request.language, voice=request.voice, sample_rate_hz=TTS_SAMPLE_RATE,
        encoding=common_pb2.AUDIO_ENCODING_PCM_S16LE, options=request.params.to_proto()))
    try:
        async for response in call:
            kind = response.WhichOneof("response")
            if kind == "header":
                h = response.header
                yield recorder.header_message(h.animation, h.audio_format.sample_rate_hz, voice=h.voice,
                                              language=h.language, source="tts")
            elif kind == "chunk":
                chunk = response.chunk
                samples = np.frombuffer(chunk.audio, "<i2").astype(np.float32) / 32768.0
                recorder.audio.append(samples)
                for v in chunk.visemes:
                    recorder.viseme(v)
                yield {**_pcm_message(samples, chunk.start_s, TTS_SAMPLE_RATE)}
                if chunk.frames:
                    yield recorder.frames_message(chunk.frames)
    except grpc.RpcError as exc:
        raise engine.error(exc) from None
    finally:
        call.cancel()
    yield _done(store, recorder, TTS_SAMPLE_RATE, request, started)


async def speak_audio(engine: EngineClient, store: Store, request: SpeakRequest, upload: Upload
                      ) -> AsyncIterator[dict]:
    """Uploaded audio → AnimationService.StreamAnimation, fed STREAM_LEAD_S ahead of real time."""
    started = time.monotonic()
    recorder = _Recorder()
    samples, rate = upload.samples, upload.sample_rate
    recorder.audio.append(samples)
    step = int(rate * STREAM_CHUNK_S)

    async def requests() -> AsyncIterator[animation_pb2.StreamAnimationRequest]:
        yield animation_pb2.StreamAnimationRequest(config=animation_pb2.StreamConfig(
            audio_format=common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE,
                                                sample_rate_hz=rate, channels=1),
            options=request.params.to_proto(), idle_after_ms=10_000))
        begin = time.monotonic()
        for k, start in enumerate(range(0, len(samples), step)):
            due = begin + k * STREAM_CHUNK_S - STREAM_LEAD_S
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            yield animation_pb2.StreamAnimationRequest(audio=samples[start:start + step].astype("<f4").tobytes())
        yield animation_pb2.StreamAnimationRequest(end=animation_pb2.EndOfAudio())

    call = engine.stream(requests())
    try:
        async for response in call:
            kind = response.WhichOneof("response")
            if kind == "header":
                yield recorder.header_message(response.header, rate, source="audio", name=upload.name)
                per = int(rate * AUDIO_MESSAGE_S)
                for start in range(0, len(samples), per):
                    yield _pcm_message(samples[start:start + per], start / rate, rate)
            elif kind == "frame":
                yield recorder.frames_message([response.frame])
            elif kind == "viseme":
                recorder.viseme(response.viseme)
    except grpc.RpcError as exc:
        raise engine.error(exc) from None
    finally:
        call.cancel()
    yield _done(store, recorder, rate, request, started)
