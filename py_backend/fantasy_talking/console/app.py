"""The web console's ASGI app: the page, its JSON API and the speaking WebSocket.

The console is a client of the gRPC service (console/engine.py) and holds no animation logic:
photos go to HeadService, text to SpeechService, audio to AnimationService, and downloads come
from the library's encoders (console/downloads.py).

HTTP API (JSON errors are `{"error": message}`):

| route | answer |
|---|---|
| `GET /api/session` | whether a token is needed and given (always open) |
| `POST /api/login` | `{"token"}` → a cookie for the page (401 when wrong) |
| `GET /api/health` | 200 when the gRPC service answers SERVING, else 503 (always open) |
| `GET /api/info` | version, languages, voices, emotions, rig profiles, upload limits |
| `POST /api/heads?hair=auto` | body: a JPEG, PNG or WebP photo → 201 with the head's id and quality report; `hair`: auto, none or a style (`/api/info`) |
| `GET /api/heads/{id}.glb` | the head |
| `POST /api/audio` | body: an audio or video file → 201 with its id and duration |
| `WS /api/speak` | one JSON request → header, audio, frames …, done (see console/speak.py) |
| `GET /api/takes/{id}.{csv,json,glb,mp4,wav}` | downloads of a finished take |

Statuses: 401 no or wrong token, 404 unknown id, 409 a download that needs a head, 413 too large,
415 not a photo / not audio, 422 unusable content (no face, corrupt or silent audio, bad
parameter), 429 server busy, 502 server error, 503 server down or restarting.
"""
from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from fantasy_talking import __version__
from fantasy_talking.console import downloads
from fantasy_talking.console.engine import EngineAddress, EngineClient, EngineError
from fantasy_talking.console.speak import RIGS, ParamError, SpeakRequest, speak_audio, speak_text
from fantasy_talking.console.store import Head, Store, Upload
from fantasy_talking.head.options import HAIR_CHOICES

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent / "web"
COOKIE = "ftalk_token"
SILENCE_PEAK = 10 ** (-50 / 20)
"""Below -50 dBFS peak there is nothing to lip-sync."""


@dataclass(frozen=True)
class ConsoleSettings:
    """Where the engine is, the token that guards the console, and the upload limits."""

    engine: EngineAddress
    token: str | None = None
    max_photo_bytes: int = 15 * 1024 * 1024
    max_audio_bytes: int = 25 * 1024 * 1024
    max_audio_seconds: float = 120.0
    web_dir: Path = field(default=WEB_DIR)


class ConsoleError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _photo_type(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _audio_type(data: bytes) -> str | None:
    """The container of an audio or video file, from its first bytes (None: not a media file)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    if data[:4] == b"OggS":
        return "ogg"
    if data[:4] == b"fLaC":
        return "flac"
    if data[4:8] == b"ftyp":
        return "mp4"
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if data[:4] == b"FORM" and data[8:11] == b"AIF":
        return "aiff"
    return None


def _describe(data: bytes) -> str:
    if data[:4] == b"%PDF":
        return "a PDF document"
    if data[:2] == b"PK":
        return "a ZIP archive"
    if _photo_type(data):
        return "a photo"
    if _audio_type(data):
        return "an audio or video file"
    head = data[:512].decode("utf-8", "ignore")
    if head and all(c.isprintable() or c in "\r\n\t" for c in head):
        return "text"
    return "an unknown kind of file"


async def _read_body(request: Request, limit: int, what: str) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` (the Content-Length is checked first)."""
    megabytes = limit / (1024 * 1024)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ConsoleError(413, f"the {what} is {int(declared) / 1048576:.1f} MB; the limit is {megabytes:.0f} MB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ConsoleError(413, f"the {what} is larger than the {megabytes:.0f} MB limit")
    if not body:
        raise ConsoleError(422, f"the {what} is empty")
    return bytes(body)


def _decode_speech(data: bytes, max_seconds: float) -> tuple[np.ndarray, int]:
    from fantasy_talking.audio.decode import AudioError, decode_file

    try:
        audio = decode_file(data, max_seconds=max_seconds)
    except AudioError as exc:
        message = str(exc)
        if "longer than" in message:
            raise ConsoleError(413, message) from None
        if message.startswith(("cannot read the audio", "the audio is corrupt")):
            message = "the file is corrupt or truncated, or not audio FFmpeg can read"
        raise ConsoleError(422, f"cannot use this audio: {message}; send WAV, MP3, OGG, FLAC, M4A or WebM") from None
    samples = np.asarray(audio.samples, dtype=np.float32)
    if len(samples) < audio.sample_rate * 0.2:
        raise ConsoleError(422, "the audio is shorter than 0.2 s; record or upload a spoken sentence")
    if len(samples) > max_seconds * audio.sample_rate:
        raise ConsoleError(413, f"the audio is {len(samples) / audio.sample_rate:.0f} s long; the limit is "
                                f"{max_seconds:.0f} s")
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        level = "digital silence" if peak == 0 else f"peak {20 * np.log10(peak):.0f} dBFS"
        raise ConsoleError(422, f"the audio is silent ({level}); there is no speech to animate")
    return samples, audio.sample_rate


def _report(metadata) -> dict:
    q, pose = metadata.quality, metadata.pose
    return {
        "vertices": metadata.vertex_count, "morph_targets": len(metadata.morph_target_names),
        "joints": list(metadata.joint_names), "glb_bytes": metadata.glb_size, "hair_style": metadata.hair_style,
        "quality": {"face_width_px": round(q.face_width_px, 1), "inter_ocular_px": round(q.inter_ocular_px, 1),
                    "frontality": round(q.frontality, 3), "inferred_fraction": round(q.inferred_fraction, 3),
                    "face_inferred_fraction": round(q.face_inferred_fraction, 3),
                    "reprojection_error": round(q.reprojection_error, 4), "faces_found": q.faces_found},
        "warnings": list(q.warnings),
        "pose": {"yaw_deg": round(pose.yaw_deg, 1), "pitch_deg": round(pose.pitch_deg, 1),
                 "roll_deg": round(pose.roll_deg, 1)},
    }


def create_app(settings: ConsoleSettings) -> FastAPI:
    """The console app; its gRPC channel opens with the app's event loop and closes with it."""
    store = Store()
    state: dict[str, EngineClient] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        state["engine"] = EngineClient(settings.engine)
        try:
            yield
        finally:
            await state["engine"].close()

    app = FastAPI(title="FantasyTalking console", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs", openapi_url="/api/openapi.json", redoc_url=None)

    def engine() -> EngineClient:
        return state["engine"]

    def authorised(headers, cookies) -> bool:
        if not settings.token:
            return True
        given = cookies.get(COOKIE, "")
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            given = bearer[7:].strip()
        return hmac.compare_digest(given.encode(), settings.token.encode())

    @app.exception_handler(ConsoleError)
    async def _console_error(_request: Request, exc: ConsoleError):
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.exception_handler(EngineError)
    async def _engine_error(_request: Request, exc: EngineError):
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    @app.middleware("http")
    async def _guard(request: Request, call_next):
        path = request.url.path
        if path.startswith("/api/") and path not in ("/api/session", "/api/login", "/api/health") \
                and not authorised(request.headers, request.cookies):
            return JSONResponse({"error": "this console needs its access token: enter it on the page, or send "
                                          "'Authorization: Bearer TOKEN'"}, status_code=401)
        return await call_next(request)

    @app.get("/api/session")
    async def session(request: Request) -> dict:
        return {"token_required": bool(settings.token), "authorised": authorised(request.headers, request.cookies)}

    @app.post("/api/login")
    async def login(request: Request) -> Response:
        try:
            token = str((await request.json()).get("token", ""))
        except (ValueError, AttributeError):
            raise ConsoleError(422, 'send {"token": "..."}') from None
        if not settings.token or not hmac.compare_digest(token.encode(), settings.token.encode()):
            raise ConsoleError(401, "wrong token")
        response = JSONResponse({"authorised": True})
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.get("/api/health")
    async def health() -> Response:
        serving = await engine().serving()
        return JSONResponse({"console": "ok", "engine": "serving" if serving else "unreachable",
                             "server": settings.engine.target}, status_code=200 if serving else 503)

    @app.get("/api/info")
    async def info() -> dict:
        from fantasy_talking.animation.emotions import EMOTIONS

        server, voices = await asyncio.gather(engine().server_info(), engine().voices())
        return {
            "version": server.version, "server": settings.engine.target, "languages": list(server.languages),
            "voices": [{"name": v.name, "language": v.language, "gender": v.gender, "engine": v.engine,
                        "description": v.description} for v in voices],
            "emotions": list(EMOTIONS), "rigs": list(RIGS), "hair": list(HAIR_CHOICES),
            "limits": {"photo_bytes": settings.max_photo_bytes, "audio_bytes": settings.max_audio_bytes,
                       "audio_seconds": settings.max_audio_seconds, "max_fps": server.limits.max_fps,
                       "max_lookahead_ms": server.limits.max_lookahead_ms},
        }

    @app.post("/api/heads", status_code=201)
    async def create_head(request: Request, hair: str = "auto") -> dict:
        if hair not in HAIR_CHOICES:
            raise ConsoleError(422, f"unknown hair {hair!r}; choose from {', '.join(HAIR_CHOICES)}")
        data = await _read_body(request, settings.max_photo_bytes, "photo")
        if _photo_type(data) is None:
            raise ConsoleError(415, f"this file is {_describe(data)}, not a photo; use a JPEG, PNG or WebP portrait")
        try:
            metadata, glb = await engine().create_head(data, hair=hair)
        except EngineError as exc:
            if exc.status == 422:
                reason = "no usable face" if "face" in exc.message else "cannot use this photo"
                exc.message = f"{reason}: {exc.message}"
            raise
        report = _report(metadata)
        head_id = store.heads.add(Head(glb=glb, report=report))
        return {"id": head_id, "glb_url": f"/api/heads/{head_id}.glb", **report}

    @app.get("/api/heads/{head_id}.glb")
    async def head_glb(head_id: str) -> Response:
        head = store.heads.get(head_id)
        if head is None:
            raise ConsoleError(404, "unknown head (the console keeps the last 16); upload the photo again")
        return Response(head.glb, media_type="model/gltf-binary")

    @app.post("/api/audio", status_code=201)
    async def upload_audio(request: Request) -> dict:
        data = await _read_body(request, settings.max_audio_bytes, "audio file")
        if _audio_type(data) is None:
            raise ConsoleError(415, f"this file is {_describe(data)}, not audio; use WAV, MP3, OGG, FLAC, M4A or WebM")
        samples, rate = await run_in_threadpool(_decode_speech, data, settings.max_audio_seconds)
        name = request.headers.get("x-filename", "speech")[:120]
        audio_id = store.uploads.add(Upload(samples=samples, sample_rate=rate, name=name))
        return {"id": audio_id, "duration_s": round(len(samples) / rate, 3), "name": name}

    @app.get("/api/takes/{take_id}.{kind}")
    async def download(take_id: str, kind: str) -> Response:
        if kind not in downloads.KINDS:
            raise ConsoleError(404, f"no such download .{kind}; choose one of {', '.join(downloads.KINDS)}")
        take = store.takes.get(take_id)
        if take is None:
            raise ConsoleError(404, "unknown take (the console keeps the last 32); speak again")
        head = store.heads.get(take.head_id) if take.head_id else None
        if kind in downloads.NEEDS_HEAD and head is None:
            raise ConsoleError(409, f"the .{kind} needs a head: upload a photo, then speak again")
        try:
            data = await run_in_threadpool(downloads.render, kind, take, head)
        except Exception as exc:  # an encoder failing must not take the console down
            log.exception("download failed kind=%s", kind)
            raise ConsoleError(500, f"could not make the .{kind}: {exc}") from None
        media_type, _ = downloads.KINDS[kind]
        return Response(data, media_type=media_type,
                        headers={"content-disposition": f'attachment; filename="ftalk-{take_id}.{kind}"'})

    @app.websocket("/api/speak")
    async def speak(socket: WebSocket) -> None:
        if not authorised(socket.headers, socket.cookies):
            await socket.close(code=4401, reason="token required")
            return
        await socket.accept()
        try:
            request = SpeakRequest.from_json(json.loads(await socket.receive_text()))
            if request.head_id and store.heads.get(request.head_id) is None:
                request.head_id = ""
            if request.audio_id:
                upload = store.uploads.get(request.audio_id)
                if upload is None:
                    raise ConsoleError(404, "that audio is no longer here; upload or record it again")
                messages = speak_audio(engine(), store, request, upload)
            else:
                messages = speak_text(engine(), store, request)
            async with contextlib.aclosing(messages):  # cancels the gRPC call when the page leaves or stops
                async for message in messages:
                    try:
                        await socket.send_text(json.dumps(message, separators=(",", ":")))
                    except (WebSocketDisconnect, RuntimeError):  # closed by the page: Stop, a new utterance, reload
                        return
        except WebSocketDisconnect:
            return
        except ParamError as exc:
            await _send_error(socket, 422, str(exc))
        except (ConsoleError, EngineError) as exc:
            await _send_error(socket, exc.status, exc.message)
        except json.JSONDecodeError:
            await _send_error(socket, 400, "send one JSON request")
        with contextlib.suppress(Exception):
            await socket.close()

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(settings.web_dir / "index.html", headers={"cache-control": "no-cache"})

    modules = settings.web_dir / "node_modules" / "three"
    app.mount("/vendor/three/build", StaticFiles(directory=modules / "build", check_dir=False), name="three")
    app.mount("/vendor/three/addons", StaticFiles(directory=modules / "examples" / "jsm", check_dir=False),
              name="three-addons")
    app.mount("/static", StaticFiles(directory=settings.web_dir / "static"), name="static")
    return app


async def _send_error(socket: WebSocket, status: int, message: str) -> None:
    with contextlib.suppress(Exception):
        await socket.send_text(json.dumps({"type": "error", "status": status, "message": message}))
