"""The container's configuration: environment variables, checked before anything starts.

`SETTINGS` is the one table of variables (the README's table is this list). `from_env` turns the
environment into a `ContainerSettings` or raises `SettingsError` with one line naming the variable,
the value and what is allowed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

GPU_MODES = ("OFF", "AUTO", "SEQUENTIAL", "PARALLEL")
LOG_LEVELS = ("debug", "info", "warning")


class SettingsError(ValueError):
    """One bad environment value; the message is the one line the container prints before exiting."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


SETTINGS: tuple[Variable, ...] = (
    Variable("FTALK_WORKERS", "1", "gRPC server processes sharing the port; 0 = one per CPU core"),
    Variable("FTALK_MAX_STREAMS", "64", "most concurrent StreamAnimation calls (split between workers)"),
    Variable("FTALK_TOKEN", "", "bearer token required by gRPC (except health) and by the console; empty = none"),
    Variable("FTALK_TOKEN_FILE", "", "read the token from this file instead (Docker/Compose secrets)"),
    Variable("FTALK_TLS_CERT", "", "PEM certificate chain: serve gRPC over TLS (needs FTALK_TLS_KEY)"),
    Variable("FTALK_TLS_KEY", "", "PEM private key of FTALK_TLS_CERT"),
    Variable("FTALK_HOST", "0.0.0.0", "address the services listen on inside the container"),
    Variable("FTALK_GRPC_PORT", "50051", "gRPC port (AnimationService, SpeechService, HeadService, InfoService, health)"),
    Variable("FTALK_A2F_PORT", "", "also serve the Audio2Face-3D compatible API on this port (NIM uses 52000); empty = off"),
    Variable("FTALK_CONSOLE_PORT", "8080", "web console port; `off` = no console"),
    Variable("FTALK_MAX_MESSAGE_MB", "4", "largest gRPC request in MiB"),
    Variable("FTALK_MAX_CLIP_SECONDS", "600", "longest audio AnimateClip accepts"),
    Variable("FTALK_LOG_LEVEL", "warning", "debug, info or warning (structured lines on stderr)"),
    Variable("GPU_MODE", "OFF", "OFF, AUTO, SEQUENTIAL or PARALLEL; accepted, but this build has no GPU path: "
                                "every mode runs on the CPU"),
)


@dataclass(frozen=True)
class ContainerSettings:
    host: str
    workers: int
    max_streams: int
    token: str | None
    tls_cert: Path | None
    tls_key: Path | None
    grpc_port: int
    a2f_port: int | None
    console_port: int | None
    max_message_mb: float
    max_clip_seconds: float
    log_level: str
    gpu_mode: str

    def serve_args(self) -> list[str]:
        """`ftalk serve` arguments (the token travels in the environment, not on the command line)."""
        args = ["serve", "--host", self.host, "--port", str(self.grpc_port), "--workers", str(self.workers),
                "--max-streams", str(self.max_streams), "--max-message-mb", f"{self.max_message_mb:g}",
                "--max-clip-seconds", f"{self.max_clip_seconds:g}"]
        if self.tls_cert:
            args += ["--tls-cert", str(self.tls_cert), "--tls-key", str(self.tls_key)]
        if self.a2f_port is not None:
            args += ["--a2f-port", str(self.a2f_port)]
        return self._verbosity() + args

    @property
    def local_host(self) -> str:
        """How processes inside the container reach the services."""
        return "localhost" if self.host in ("0.0.0.0", "::", "[::]") else self.host

    def console_args(self) -> list[str]:
        args = ["console", "--host", self.host, "--port", str(self.console_port),
                "--server", f"{self.local_host}:{self.grpc_port}"]
        if self.tls_cert:
            args += ["--tls-ca", str(self.tls_cert)]
        return self._verbosity() + args

    def _verbosity(self) -> list[str]:
        return {"debug": ["-vv"], "info": ["-v"]}.get(self.log_level, [])


def _integer(env: Mapping[str, str], name: str, default: str, low: int, high: int) -> int:
    raw = env.get(name, "").strip() or default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number; use {low}..{high}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is out of range; use {low}..{high}")
    return value


def _number(env: Mapping[str, str], name: str, default: str, low: float) -> float:
    raw = env.get(name, "").strip() or default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if not value >= low:
        raise SettingsError(f"{name}={raw} must be at least {low:g}")
    return value


def _file(env: Mapping[str, str], name: str) -> Path | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not path.is_file():
        raise SettingsError(f"{name}={raw}: no such file (mount it into the container)")
    if not os.access(path, os.R_OK):
        raise SettingsError(f"{name}={raw}: not readable by the container's user")
    return path


def _token(env: Mapping[str, str]) -> str | None:
    token, token_file = env.get("FTALK_TOKEN", ""), _file(env, "FTALK_TOKEN_FILE")
    if token and token_file:
        raise SettingsError("set FTALK_TOKEN or FTALK_TOKEN_FILE, not both")
    if token_file:
        token = token_file.read_text(encoding="utf-8").strip()
        if not token:
            raise SettingsError(f"FTALK_TOKEN_FILE={token_file} is empty")
    if token and (token != token.strip() or any(c.isspace() for c in token)):
        raise SettingsError("FTALK_TOKEN contains spaces or line breaks; use a token without whitespace")
    return token or None


def from_env(env: Mapping[str, str]) -> ContainerSettings:
    """Every variable checked; the first bad one raises SettingsError."""
    cert, key = _file(env, "FTALK_TLS_CERT"), _file(env, "FTALK_TLS_KEY")
    if (cert is None) != (key is None):
        raise SettingsError("TLS needs both FTALK_TLS_CERT and FTALK_TLS_KEY")
    grpc_port = _integer(env, "FTALK_GRPC_PORT", "50051", 1, 65535)
    a2f_port = _integer(env, "FTALK_A2F_PORT", "0", 1, 65535) if env.get("FTALK_A2F_PORT", "").strip() else None
    console_raw = env.get("FTALK_CONSOLE_PORT", "").strip().lower()
    console_port = None if console_raw == "off" else _integer(env, "FTALK_CONSOLE_PORT", "8080", 1, 65535)
    ports = [p for p in (grpc_port, a2f_port, console_port) if p is not None]
    if len(set(ports)) != len(ports):
        raise SettingsError(f"FTALK_GRPC_PORT, FTALK_A2F_PORT and FTALK_CONSOLE_PORT must differ, got {ports}")
    log_level = (env.get("FTALK_LOG_LEVEL", "").strip() or "warning").lower()
    if log_level not in LOG_LEVELS:
        raise SettingsError(f"FTALK_LOG_LEVEL={log_level!r} is not one of {', '.join(LOG_LEVELS)}")
    gpu_mode = (env.get("GPU_MODE", "").strip() or "OFF").upper()
    if gpu_mode not in GPU_MODES:
        raise SettingsError(f"GPU_MODE={gpu_mode!r} is not one of {', '.join(GPU_MODES)}")
    host = env.get("FTALK_HOST", "").strip() or "0.0.0.0"
    if any(c.isspace() for c in host) or "/" in host:
        raise SettingsError(f"FTALK_HOST={host!r} is not an address; use 0.0.0.0, 127.0.0.1 or an interface address")
    return ContainerSettings(
        host=host, workers=_integer(env, "FTALK_WORKERS", "1", 0, 256),
        max_streams=_integer(env, "FTALK_MAX_STREAMS", "64", 1, 100_000),
        token=_token(env), tls_cert=cert, tls_key=key, grpc_port=grpc_port, a2f_port=a2f_port,
        console_port=console_port, max_message_mb=_number(env, "FTALK_MAX_MESSAGE_MB", "4", 0.0625),
        max_clip_seconds=_number(env, "FTALK_MAX_CLIP_SECONDS", "600", 0.001), log_level=log_level,
        gpu_mode=gpu_mode)
