"""What a server listens on and the limits it enforces: one typed record built by `ftalk serve`."""
from __future__ import annotations

import os
import ssl
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

    Shutdown: health turns NOT_SERVING, new calls are still served for `drain_seconds` (so load
    balancers stop sending first), then the listener closes and open calls get `grace_seconds`;
    streams still open then end with a final StreamStatus (CODE_SHUTDOWN).

    Dead peers: the server pings every connection after `keepalive_s` without activity and
    closes it when the ping is not answered in `keepalive_timeout_s` (a frozen or vanished
    client); a stream whose write has waited `write_timeout_s` for a client that stopped reading
    is ended. Either way its slot is free again within seconds.
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
    drain_seconds: float = 2.0
    keepalive_s: float = 5.0
    keepalive_timeout_s: float = 5.0
    write_timeout_s: float = 10.0
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
        for name, low in (("grace_seconds", 0.0), ("drain_seconds", 0.0), ("keepalive_s", 0.5),
                          ("keepalive_timeout_s", 0.5), ("write_timeout_s", 0.5)):
            if not getattr(self, name) >= low:
                raise ConfigError(f"{name.replace('_', '-')} must be at least {low:g}, got {getattr(self, name)}")
        if self.tls_cert is not None:
            check_tls_pair(Path(self.tls_cert), Path(self.tls_key))

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    def tls_key_pair(self) -> tuple[bytes, bytes]:
        """(private key, certificate chain) as PEM bytes, the shape grpc wants."""
        assert self.tls_cert is not None and self.tls_key is not None
        return Path(self.tls_key).read_bytes(), Path(self.tls_cert).read_bytes()


def check_tls_pair(cert: Path, key: Path) -> None:
    """ConfigError unless `cert` is a PEM certificate chain and `key` its PEM private key.

    gRPC would only say that it "failed to bind"; OpenSSL says what is wrong with the pair."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile=str(cert), keyfile=str(key))
    except ssl.SSLError as exc:
        reason = exc.reason or str(exc)
        if reason == "KEY_VALUES_MISMATCH":
            raise ConfigError(f"the TLS key {key} does not belong to the certificate {cert}; "
                              "give the private key the certificate was issued for") from None
        if "PEM" in reason or "NO_START_LINE" in reason or reason.startswith("[SSL]"):
            raise ConfigError(f"cannot read the TLS certificate {cert} or key {key} as PEM ({reason})") from None
        raise ConfigError(f"the TLS certificate {cert} and key {key} cannot be used: {reason}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read the TLS files: {exc.strerror or exc}") from None


def token_from_env(explicit: str | None, token_file: Path | None = None) -> str | None:
    """The token given on the command line, else read from `token_file`, else $FTALK_TOKEN,
    else none (auth off). A file keeps the secret out of the process list (`ps` shows argv)."""
    if explicit:
        return explicit
    if token_file is not None:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the token file {token_file}: "
                              f"{getattr(exc, 'strerror', None) or exc}") from None
        if not token or any(c.isspace() for c in token):
            raise ConfigError(f"the token file {token_file} must hold one token on one line")
        return token
    return os.environ.get(TOKEN_ENV) or None
