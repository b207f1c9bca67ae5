"""What a server listens on and the limits it enforces: one typed record built by `ftalk serve`."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 50051
TOKEN_ENV = "FTALK_TOKEN"


class ConfigError(ValueError):
    """The server cannot start with these settings; the message says which one to fix."""


@dataclass(frozen=True)
class ServerConfig:
    """Listening address, TLS, bearer token and limits.

    `port` 0 asks the OS for a free port (the bound port is reported by `build_server`).
    Localhost is the default so that nothing is exposed until asked for. `reuse_port` lets
    several worker processes listen on one port (SO_REUSEPORT); `max_concurrent_streams` is
    then the limit of one worker.
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    tls_cert: Path | None = None
    tls_key: Path | None = None
    token: str | None = None
    max_message_bytes: int = 4 * 1024 * 1024
    max_concurrent_streams: int = 64
    max_clip_seconds: float = 600.0
    grace_seconds: float = 3.0
    reuse_port: bool = False

    def __post_init__(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ConfigError("TLS needs both --tls-cert and --tls-key")
        for path in (self.tls_cert, self.tls_key):
            if path is not None and not Path(path).is_file():
                raise ConfigError(f"TLS file not found: {path}")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be 0..65535, got {self.port}")
        if self.token is not None and not self.token.strip():
            raise ConfigError("the token is empty; give a non-empty token or none")
        if self.max_message_bytes < 64 * 1024:
            raise ConfigError("max message size must be at least 64 KiB")
        if self.max_concurrent_streams < 1:
            raise ConfigError("max concurrent streams must be at least 1")
        if self.max_clip_seconds <= 0:
            raise ConfigError("max clip seconds must be positive")

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def tls_key_pair(self) -> tuple[bytes, bytes]:
        """(private key, certificate chain) as PEM bytes, the shape grpc wants."""
        assert self.tls_cert is not None and self.tls_key is not None
        return Path(self.tls_key).read_bytes(), Path(self.tls_cert).read_bytes()


def token_from_env(explicit: str | None) -> str | None:
    """The token given on the command line, else $FTALK_TOKEN, else none (auth off)."""
    return explicit if explicit else (os.environ.get(TOKEN_ENV) or None)
