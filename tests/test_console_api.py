"""The web console's HTTP and WebSocket API against a real gRPC service: answers, statuses, downloads.

The console app runs in FastAPI's TestClient; the gRPC service it talks to is a real server on a
free loopback port, so every request crosses gRPC exactly as in production.
"""
from __future__ import annotations

import io
import json
import socket
import time

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from starlette.websockets import WebSocketDisconnect

from fantasy_talking.console.app import ConsoleSettings, create_app
from fantasy_talking.console.engine import EngineAddress
from fantasy_talking.formats.json_frames import read_json_frames
from fantasy_talking.formats.livelink_csv import read_livelink_csv
from fantasy_talking.head.glb import read_glb
from fantasy_talking.server.app import ListenerSpec, start_listeners
from fantasy_talking.server.config import ServerConfig

TOKEN = "console-secret"


@pytest.fixture(scope="module")
def engine():
    listener = start_listeners(ServerConfig(host="127.0.0.1", port=0), [ListenerSpec(0)])[0]
    yield listener.address
    listener.stop(0).wait()


@pytest.fixture(scope="module")
def client(engine):
    with TestClient(create_app(ConsoleSettings(engine=EngineAddress(engine)))) as c:
        yield c


def _png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


def _wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def _speak(client: TestClient, request: dict) -> list[dict]:
    with client.websocket_connect("/api/speak") as ws:
        ws.send_text(json.dumps(request))
        messages = []
        while True:
            message = json.loads(ws.receive_text())
            messages.append(message)
            if message["type"] in ("done", "error"):
                return messages


def test_page_and_local_three_js(client):
    page = client.get("/")
    assert page.status_code == 200 and "importmap" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    three = client.get("/vendor/three/build/three.module.js")
    assert three.status_code == 200 and "WebGLRenderer" in three.text
    assert client.get("/vendor/three/addons/loaders/GLTFLoader.js").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_health_and_info(client):
    assert client.get("/api/health").json()["engine"] == "serving"
    info = client.get("/api/info").json()
    assert any(v["name"] == "en-US" for v in info["voices"])
    assert "joy" in info["emotions"] and info["rigs"] == ["arkit52", "tongue", "visemes"]


def test_photo_errors(client):
    text = client.post("/api/heads", content=b"just some notes\n")
    assert text.status_code == 415 and "not a photo" in text.json()["error"]
    assert client.post("/api/heads", content=b"").status_code == 422
    noise = np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8)
    noface = client.post("/api/heads", content=_png(noise))
    assert noface.status_code == 422 and "no usable face" in noface.json()["error"]
    corrupt = client.post("/api/heads", content=_png(noise)[:200])
    assert corrupt.status_code == 422 and corrupt.json()["error"].startswith("cannot use this photo"), corrupt.text
    assert client.get("/api/heads/nope.glb").status_code == 404


def test_upload_limits(engine):
    settings = ConsoleSettings(engine=EngineAddress(engine), max_photo_bytes=64 * 1024, max_audio_bytes=64 * 1024,
                               max_audio_seconds=1.0)
    with TestClient(create_app(settings)) as small:
        big = small.post("/api/heads", content=b"\xff\xd8\xff" + bytes(70 * 1024))
        assert big.status_code == 413 and "limit" in big.json()["error"]
        long = small.post("/api/audio", content=_wav(0.3 * np.sin(np.arange(24000) * 0.1)))
        assert long.status_code == 413 and "1 s" in long.json()["error"]
        assert small.get("/api/health").status_code == 200  # still serving


def test_audio_errors(client):
    assert client.post("/api/audio", content=b"%PDF-1.4 ...").status_code == 415
    corrupt = client.post("/api/audio", content=b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(4000))
    assert corrupt.status_code == 422 and "corrupt" in corrupt.json()["error"]
    silent = client.post("/api/audio", content=_wav(np.zeros(32000)))
    assert silent.status_code == 422 and "silent" in silent.json()["error"]


def test_text_speaks_and_downloads(client, tmp_path):
    messages = _speak(client, {"text": "Maybe the bold moon will pop up.", "voice": "en-US+f3",
                               "params": {"fps": 25, "emotion": "joy", "rig": "visemes"}})
    kinds = [m["type"] for m in messages]
    assert kinds[0] == "header" and kinds[-1] == "done", messages[-1]
    header, done = messages[0], messages[-1]
    assert header["fps"] == 25 and "viseme_aa" in header["curves"]
    frames = [f for m in messages if m["type"] == "frames" for f in m["frames"]]
    audio_s = sum(len(m["pcm"]) * 3 / 4 / 2 for m in messages if m["type"] == "audio") / header["sample_rate"]
    assert abs(len(frames) - audio_s * 25) <= 2
    assert [f["i"] for f in frames] == list(range(len(frames)))
    jaw = np.array([f["w"][header["curves"].index("JawOpen")] for f in frames])
    assert jaw.max() - jaw.min() > 0.3
    take = done["take"]
    csv = client.get(f"/api/takes/{take}.csv")
    assert csv.status_code == 200
    (tmp_path / "take.csv").write_bytes(csv.content)
    parsed = read_livelink_csv(tmp_path / "take.csv", fps=25)
    assert len(parsed.times) == len(frames)
    (tmp_path / "take.json").write_bytes(client.get(f"/api/takes/{take}.json").content)
    clip = read_json_frames(tmp_path / "take.json")
    assert np.allclose(clip.curve("JawOpen"), jaw, atol=1e-3)
    assert client.get(f"/api/takes/{take}.wav").content[:4] == b"RIFF"
    assert client.get(f"/api/takes/{take}.glb").status_code == 409  # no head
    assert client.get(f"/api/takes/{take}.mp4").status_code == 409
    assert client.get(f"/api/takes/{take}.exe").status_code == 404


def test_audio_streams_and_bad_params(client, speech_wav):
    upload = client.post("/api/audio", content=speech_wav.read_bytes(), headers={"x-filename": "speech.wav"})
    assert upload.status_code == 201
    messages = _speak(client, {"audio_id": upload.json()["id"], "params": {"fps": 30, "lookahead_ms": 60}})
    assert messages[-1]["type"] == "done", messages[-1]
    header = messages[0]
    assert header["lookahead_ms"] == 60 and header["engine"] == "acoustic"
    frames = [f for m in messages if m["type"] == "frames" for f in m["frames"]]
    assert abs(len(frames) - upload.json()["duration_s"] * 30) <= 2
    jaw = np.array([f["w"][header["curves"].index("JawOpen")] for f in frames])
    assert jaw.max() > 0.2
    for bad, words in (({"text": "hi", "params": {"fps": 500}}, "fps"),
                       ({"text": "hi", "params": {"emotion": "boredom"}}, "emotion"),
                       ({"text": "hi", "audio_id": "x"}, "type some text"),
                       ({"audio_id": "unknown"}, "no longer here")):
        error = _speak(client, bad)[-1]
        assert error["type"] == "error" and words in error["message"], error
    assert _speak(client, {"text": "Still here."})[-1]["type"] == "done"


def test_page_leaving_mid_utterance_stops_it(client, speech_wav):
    upload = client.post("/api/audio", content=speech_wav.read_bytes()).json()
    with client.websocket_connect("/api/speak") as ws:
        ws.send_text(json.dumps({"audio_id": upload["id"]}))
        assert json.loads(ws.receive_text())["type"] == "header"
    assert _speak(client, {"audio_id": upload["id"]})[-1]["type"] == "done"


def test_token(engine):
    settings = ConsoleSettings(engine=EngineAddress(engine), token=TOKEN)
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/session").json() == {"token_required": True, "authorised": False}
        assert c.get("/api/info").status_code == 401
        assert c.post("/api/heads", content=b"x").status_code == 401
        assert c.get("/api/info", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
        with pytest.raises(WebSocketDisconnect) as refused:
            with c.websocket_connect("/api/speak") as ws:
                ws.receive_text()
        assert refused.value.code == 4401
        assert c.post("/api/login", json={"token": "wrong"}).status_code == 401
        assert c.post("/api/login", json={"token": TOKEN}).status_code == 200
        assert c.get("/api/info").status_code == 200  # the cookie now
        assert _speak(c, {"text": "Hello."})[-1]["type"] == "done"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_engine_down_then_back(speech_wav):
    port = _free_port()
    settings = ConsoleSettings(engine=EngineAddress(f"127.0.0.1:{port}"))
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/health").status_code == 503
        info = c.get("/api/info")
        assert info.status_code == 503 and "not reachable" in info.json()["error"]
        photo = c.post("/api/heads", content=_png(np.zeros((64, 64, 3), np.uint8)))
        assert photo.status_code == 503
        error = _speak(c, {"text": "Hello."})[-1]
        assert error["type"] == "error" and error["status"] == 503
        listener = start_listeners(ServerConfig(host="127.0.0.1", port=port), [ListenerSpec(port)])[0]
        try:
            deadline = time.monotonic() + 15
            while c.get("/api/info").status_code != 200:
                assert time.monotonic() < deadline, "the console did not reconnect"
                time.sleep(0.3)
            assert _speak(c, {"text": "Back again."})[-1]["type"] == "done"
        finally:
            listener.stop(0).wait()


def test_hair_choices_are_listed_and_checked(client):
    assert client.get("/api/info").json()["hair"][:2] == ["auto", "none"]
    bad = client.post("/api/heads?hair=mohawk", content=b"\xff\xd8\xff")
    assert bad.status_code == 422 and "unknown hair 'mohawk'" in bad.json()["error"]


@pytest.mark.samples
def test_the_photo_form_chooses_the_hair(client, samples_dir):
    photo = samples_dir / "images" / "woman_asian_512.jpg"
    head = client.post("/api/heads?hair=short04", content=photo.read_bytes())
    assert head.status_code == 201, head.text
    assert head.json()["hair_style"] == "short04"


@pytest.mark.samples
def test_photo_head_and_baked_downloads(client, samples_dir):
    photo = samples_dir / "images" / "woman_photo_1024.png"
    head = client.post("/api/heads", content=photo.read_bytes())
    assert head.status_code == 201, head.text
    body = head.json()
    assert body["morph_targets"] == 67 and body["quality"]["faces_found"] == 1
    glb = client.get(body["glb_url"])
    assert glb.status_code == 200 and glb.content[:4] == b"glTF"
    done = _speak(client, {"text": "Hello there.", "head_id": body["id"]})[-1]
    assert done["type"] == "done" and done["has_head"]
    baked = read_glb(client.get(f"/api/takes/{done['take']}.glb").content)
    assert baked.json["animations"][0]["name"] == "speech"
    mp4 = client.get(f"/api/takes/{done['take']}.mp4")
    assert mp4.status_code == 200 and mp4.headers["content-type"] == "video/mp4"
    with av.open(io.BytesIO(mp4.content)) as container:
        assert container.streams.audio and container.streams.video
        assert sum(1 for _ in container.decode(video=0)) == done["frames"]


@pytest.mark.parametrize("args, words", [
    (["--port", "70000"], "--port must be 0..65535"),
    (["--tls-ca", "/missing/ca.pem"], "no such file"),
    (["--max-photo-mb", "0"], "--max-photo-mb must be positive"),
])
def test_console_command_refuses_bad_arguments(args, words, capsys):
    from fantasy_talking.cli.main import main

    assert main(["console", "--server", "127.0.0.1:1", *args]) == 2
    assert words in capsys.readouterr().err
