"""SpeechService against a real in-process server on a free port, with a real client."""
from __future__ import annotations

import importlib.util
import threading

import grpc
import numpy as np
import pytest

from fantasy_talking.animation.rig import ARKIT_52, JOINTS, VISEME_CURVES
from fantasy_talking.server.app import build_server
from fantasy_talking.server.config import ServerConfig
from fantasy_talking.pipeline import speak as speak_module
from fantasy_talking.speech.tts.base import SynthesisCancelled
from fantasy_talking.speech.tts.registry import TtsRegistry, installed_engines
from fantasy_talking.speech.tts.text import MAX_TEXT_CHARS
from fantasytalking.v1 import (
    animation_pb2, animation_pb2_grpc, common_pb2, info_pb2, info_pb2_grpc, speech_pb2, speech_pb2_grpc,
)

PARAGRAPH = ("The first sentence arrives early. The second one follows it. A third sentence keeps going. "
             "Then there is a fourth. The fifth is nearly the end. The sixth and last sentence closes the text.")
GATE_SECONDS = 30.0


@pytest.fixture(scope="module")
def engines():
    engines = installed_engines()
    if not engines or engines[0].name != "espeak":
        pytest.skip("espeak-ng is not installed (tools/setup.sh installs it)")
    return engines


@pytest.fixture(scope="module")
def server(engines):
    running = build_server(ServerConfig(port=0, max_concurrent_streams=4))
    yield running
    running.stop(0).wait()


@pytest.fixture(scope="module")
def channel(server):
    with grpc.insecure_channel(server.address) as ch:
        yield ch


@pytest.fixture(scope="module")
def stub(channel):
    return speech_pb2_grpc.SpeechServiceStub(channel)


def speak_all(stub, **fields) -> list[speech_pb2.SpeakResponse]:
    return list(stub.Speak(speech_pb2.SpeakRequest(**fields), timeout=60))


def kinds(responses) -> list[str]:
    return [r.WhichOneof("response") for r in responses]


def pcm(chunk: speech_pb2.SpeechChunk, encoding: int) -> np.ndarray:
    if encoding == common_pb2.AUDIO_ENCODING_PCM_F32LE:
        return np.frombuffer(chunk.audio, "<f4")
    return np.frombuffer(chunk.audio, "<i2").astype(np.float32) / 32768.0


class SpyEngine:
    """Wraps the real espeak engine: logs each sentence's synthesis and can hold one until a gate opens."""

    def __init__(self, engine, hold_sentence: int, log: list[str]) -> None:
        self._engine = engine
        self.name = engine.name
        self.hold_sentence = hold_sentence
        self.expect_cancel = False
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.cancel_seen = threading.Event()
        self.held_done = threading.Event()
        self.log = log
        self._calls = 0

    def __getattr__(self, name):
        return getattr(self._engine, name)

    def synthesize(self, text, voice, rate=1.0, pitch=1.0, volume=1.0, sample_rate=16000, cancel=None):
        index, self._calls = self._calls, self._calls + 1
        self.log.append(f"synth start {index}")
        held = index == self.hold_sentence
        if held:
            self.entered.set()
            self.gate.wait(GATE_SECONDS)
            if self.expect_cancel and cancel is not None and cancel.wait(GATE_SECONDS):
                self.cancel_seen.set()
        try:
            return self._engine.synthesize(text, voice, rate, pitch, volume, sample_rate, cancel)
        except SynthesisCancelled:
            self.log.append(f"synth cancelled {index}")
            raise
        finally:
            if held:
                self.held_done.set()


@pytest.fixture
def spy(engines, monkeypatch):
    log: list[str] = []
    spy = SpyEngine(engines[0], hold_sentence=5, log=log)
    registry = TtsRegistry([spy, *engines[1:]])
    monkeypatch.setattr(speak_module, "default_registry", lambda: registry)
    return spy


def test_stream_is_header_chunks_status_on_one_clock(stub):
    responses = speak_all(stub, text="Hello there, my friend. This is the second sentence of the test.",
                          language="en-US", sample_rate_hz=24000, encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE,
                          options=common_pb2.AnimationOptions(fps=50, rig=common_pb2.RIG_PROFILE_ARKIT_52_VISEMES))
    order = kinds(responses)
    assert order[0] == "header" and order[-1] == "status"
    assert set(order[1:-1]) == {"chunk"} and len(order) >= 5
    header = responses[0].header
    assert header.audio_format.sample_rate_hz == 24000 and header.audio_format.channels == 1
    assert header.audio_format.encoding == common_pb2.AUDIO_ENCODING_PCM_F32LE
    assert list(header.animation.blendshape_names) == list(ARKIT_52 + VISEME_CURVES)
    assert list(header.animation.joint_names) == list(JOINTS)
    assert (header.animation.fps, header.animation.engine) == (50, "tts")
    assert (header.voice, header.tts_engine, header.sentences) == ("en-US", "espeak", 2)

    chunks = [r.chunk for r in responses[1:-1]]
    next_sample = next_frame = 0
    for chunk in chunks:
        samples = pcm(chunk, header.audio_format.encoding)
        assert chunk.start_sample == next_sample
        assert chunk.start_s == pytest.approx(next_sample / 24000)
        next_sample += len(samples)
        assert chunk.end_s == pytest.approx(next_sample / 24000)
        for frame in chunk.frames:
            assert frame.index == next_frame
            assert frame.time_s == pytest.approx(next_frame / 50)
            assert chunk.start_s - 1e-9 <= frame.time_s < chunk.end_s
            assert len(frame.blendshapes) == len(ARKIT_52 + VISEME_CURVES) and len(frame.joints) == len(JOINTS)
            next_frame += 1
    audio = np.concatenate([pcm(c, header.audio_format.encoding) for c in chunks])
    assert np.sqrt(np.mean(audio ** 2)) > 0.01
    status = responses[-1].status
    assert status.code == common_pb2.StreamStatus.CODE_OK
    assert status.frames == next_frame == int(np.ceil(len(audio) / 24000 * 50 - 1e-6))
    assert status.audio_seconds == pytest.approx(len(audio) / 24000)
    assert [c.text for c in chunks if c.text] == ["Hello there, my friend.", "This is the second sentence of the test."]
    assert {v.phoneme for c in chunks for v in c.visemes} >= {"h", "m", "ð"}


def test_chunk_audio_concatenates_to_the_whole_utterance(stub, engines):
    text = "Sentences join without a gap. Every sample is kept."
    responses = speak_all(stub, text=text, language="en-US")
    audio = np.concatenate([pcm(r.chunk, common_pb2.AUDIO_ENCODING_PCM_S16LE) for r in responses[1:-1]])
    whole = np.concatenate([engines[0].synthesize(s, "en-US").audio.samples
                            for s in ("Sentences join without a gap.", "Every sample is kept.")])
    assert len(audio) == pytest.approx(len(whole), abs=0.01 * len(whole))
    assert len(audio) / 16000 == pytest.approx(responses[-1].status.audio_seconds)


def test_first_chunk_arrives_before_the_last_sentence_is_synthesised(stub, spy):
    responses = []
    for response in stub.Speak(speech_pb2.SpeakRequest(text=PARAGRAPH, language="en-US"), timeout=90):
        if response.WhichOneof("response") == "chunk" and not spy.gate.is_set():
            spy.log.append("client got first chunk")
            spy.gate.set()
        responses.append(response)
    assert responses[0].header.sentences == 6
    assert kinds(responses)[-1] == "status"
    log = spy.log
    assert log.index("client got first chunk") < log.index("synth start 5")
    assert log.index("synth start 0") < log.index("client got first chunk")


def test_cancelling_the_call_stops_synthesis(stub, spy):
    """The client cancels while the server synthesises sentence 1: that synthesis aborts and no later one starts."""
    spy.hold_sentence, spy.expect_cancel = 1, True
    call = stub.Speak(speech_pb2.SpeakRequest(text=PARAGRAPH, language="en-US"), timeout=90)
    assert next(call).WhichOneof("response") == "header"
    assert spy.entered.wait(GATE_SECONDS)
    call.cancel()
    spy.gate.set()
    with pytest.raises(grpc.RpcError) as error:
        list(call)
    assert error.value.code() == grpc.StatusCode.CANCELLED
    assert spy.cancel_seen.wait(GATE_SECONDS)
    assert spy.held_done.wait(GATE_SECONDS)
    assert "synth cancelled 1" in spy.log
    assert not any(line.startswith(("synth start 2", "synth start 3")) for line in spy.log)


def test_mandarin_speaks_mandarin(stub):
    responses = speak_all(stub, text="你好，欢迎光临！我有3个苹果。", language="zh-CN")
    header = responses[0].header
    assert (header.voice, header.sentences) == ("cmn-Latn-pinyin", 2)
    chunks = [r.chunk for r in responses[1:-1]]
    audio = np.concatenate([pcm(c, common_pb2.AUDIO_ENCODING_PCM_S16LE) for c in chunks])
    assert np.sqrt(np.mean(audio ** 2)) > 0.01
    phonemes = [v.phoneme for c in chunks for v in c.visemes]
    assert {"χ", "ɑu", "s", "a", "n"} <= set(phonemes)
    assert "θ" not in phonemes
    assert [c.text for c in chunks if c.text] == ["你好, 欢迎光临!", "我有三个苹果."]


def test_a_festival_voice_streams_through_the_same_service(stub, engines):
    if not any(e.name == "festival" for e in engines):
        pytest.skip("Festival is not installed (tools/setup.sh installs festival and festvox-kallpc16k)")
    responses = speak_all(stub, text="Bob met Pam. They talked.", voice="kal_diphone")
    assert (responses[0].header.tts_engine, responses[0].header.sentences) == ("festival", 2)
    assert kinds(responses)[-1] == "status"
    phonemes = [v.phoneme for r in responses[1:-1] for v in r.chunk.visemes]
    assert {"b", "aa", "m", "p", "ae"} <= set(phonemes)


@pytest.mark.parametrize("fields, message", [
    (dict(text=""), "empty"),
    (dict(text="   "), "empty"),
    (dict(text="x" * (MAX_TEXT_CHARS + 1)), "limit"),
    (dict(text="ring\x07"), "control character"),
    (dict(text="Hi.", language="xx-YY"), "no voice speaks"),
    (dict(text="Hi.", language="english please"), "BCP-47"),
    (dict(text="Hi.", voice="nobody"), "unknown voice"),
    (dict(text="Hi.", voice="en-US", language="zh-CN"), "not zh-CN"),
    (dict(text="Hi.", rate=3.0), "rate"),
    (dict(text="Hi.", pitch=0.1), "pitch"),
    (dict(text="Hi.", volume=-1.0), "volume"),
    (dict(text="Hi.", sample_rate_hz=4000), "sample rate"),
    (dict(text="Hi.", encoding=7), "encoding"),
    (dict(text="Hi.", options=common_pb2.AnimationOptions(fps=500)), "fps"),
])
def test_bad_requests_are_invalid_argument_and_the_server_keeps_serving(stub, fields, message):
    with pytest.raises(grpc.RpcError) as error:
        speak_all(stub, **fields)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert message in error.value.details()
    assert kinds(speak_all(stub, text="Still here.")) [-1] == "status"


def test_list_voices_and_server_info(stub, channel):
    voices = stub.ListVoices(speech_pb2.ListVoicesRequest(language="zh-CN")).voices
    assert voices[0].name == "cmn-Latn-pinyin" and voices[0].engine == "espeak"
    assert len(stub.ListVoices(speech_pb2.ListVoicesRequest()).voices) > 50
    with pytest.raises(grpc.RpcError) as error:
        stub.ListVoices(speech_pb2.ListVoicesRequest(language="not a tag"))
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(info_pb2.GetServerInfoRequest())
    assert "fantasytalking.v1.SpeechService" in info.services
    espeak = next(e for e in info.engines if e.name == "espeak")
    assert "cmn" in espeak.languages and espeak.streaming


def test_speak_and_animate_clip_agree_on_the_same_audio(stub, channel):
    """AnimateClip on Speak's own audio (with the transcript when forced alignment is installed) moves the jaw alike."""
    text = "Peter Piper picked a peck of pickled peppers. Bob bought a big map of Bombay."
    transcript = text if importlib.util.find_spec("fantasy_talking.speech.sphinx") else ""
    options = common_pb2.AnimationOptions(seed=7)
    responses = speak_all(stub, text=text, language="en-US", options=options)
    chunks = [r.chunk for r in responses[1:-1]]
    speak_frames = np.array([f.blendshapes for c in chunks for f in c.frames])
    audio = b"".join(c.audio for c in chunks)
    clip = animation_pb2_grpc.AnimationServiceStub(channel).AnimateClip(animation_pb2.AnimateClipRequest(
        pcm=animation_pb2.RawAudio(format=common_pb2.AudioFormat(
            encoding=common_pb2.AUDIO_ENCODING_PCM_S16LE, sample_rate_hz=16000, channels=1), data=audio),
        options=common_pb2.AnimationOptions(seed=7, language="en-US", transcript=transcript)), timeout=120)
    clip_frames = np.array([f.blendshapes for f in clip.frames])
    n = min(len(speak_frames), len(clip_frames))
    assert abs(len(speak_frames) - len(clip_frames)) <= 1
    # Speak animates the synthesiser's own phones; AnimateClip the sound (the words engine, its jaw
    # the acoustic engine's, when the text is given): two engines, one clock, the same syllables.
    jaw = ARKIT_52.index("JawOpen")
    correlation = np.corrcoef(speak_frames[:n, jaw], clip_frames[:n, jaw])[0, 1]
    print(f"JawOpen correlation Speak vs AnimateClip ({clip.header.engine}): {correlation:.3f}")
    assert clip.header.engine == ("words" if transcript else "acoustic")
    assert correlation > 0.4
    shifted = np.corrcoef(speak_frames[:n - 6, jaw], clip_frames[6:n, jaw])[0, 1]
    assert shifted < correlation - 0.1, "200 ms apart they should agree less: the clocks are one"
