"""`ftalk serve`: run the gRPC API until Ctrl-C, then stop gracefully."""
from __future__ import annotations

import argparse
import importlib.util
import signal
import sys
from pathlib import Path

from fantasy_talking.cli.errors import CliError
from fantasy_talking.server.app import RunningServer, build_server
from fantasy_talking.server.config import (
    DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV, ConfigError, ServerConfig, token_from_env,
)

A2F_MODULE = "fantasy_talking.server.a2f_service"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def _a2f_available() -> bool:
    return importlib.util.find_spec(A2F_MODULE) is not None


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="run the gRPC server",
        description="Serve AnimationService, InfoService, health and reflection (and every service "
                    "listed in server/services.py) until Ctrl-C.")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}; "
                   "0.0.0.0 exposes the server to the network)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--tls-cert", type=Path, help="PEM certificate chain; serve TLS (needs --tls-key)")
    p.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    p.add_argument("--token", help=f"require 'authorization: Bearer TOKEN' on every call (or set ${TOKEN_ENV})")
    p.add_argument("--max-message-mb", type=float, default=4.0, help="largest request in MiB (default 4)")
    p.add_argument("--max-streams", type=int, default=64, help="most concurrent StreamAnimation calls (default 64)")
    p.add_argument("--max-clip-seconds", type=float, default=600.0,
                   help="longest audio AnimateClip accepts (default 600)")
    if _a2f_available():
        p.add_argument("--a2f-port", type=int, help="also serve the NVIDIA Audio2Face-3D compatible API on this port "
                       "(NIM uses 52000; off unless given)")
    p.set_defaults(func=run)


def _config(args: argparse.Namespace) -> ServerConfig:
    try:
        return ServerConfig(
            host=args.host, port=args.port, tls_cert=args.tls_cert, tls_key=args.tls_key,
            token=token_from_env(args.token), max_message_bytes=int(args.max_message_mb * 1024 * 1024),
            max_concurrent_streams=args.max_streams, max_clip_seconds=args.max_clip_seconds)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


def _start(config: ServerConfig, args: argparse.Namespace) -> list[RunningServer]:
    listeners: list[RunningServer] = []
    try:
        listeners.append(build_server(config))
        a2f_port = getattr(args, "a2f_port", None)
        if a2f_port is not None:
            listeners.append(build_server(config, a2f_port, [A2F_MODULE]))
    except ConfigError as exc:
        for listener in listeners:
            listener.stop(0)
        raise CliError(str(exc)) from exc
    return listeners


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    config = _config(args)
    listeners = _start(config, args)
    security = ("TLS" if config.tls else "insecure") + (", token required" if config.token else ", no token")
    for listener in listeners:
        print(f"ftalk serve: listening on {listener.address} ({security}): {', '.join(listener.services)}",
              flush=True)
    if config.host not in LOCAL_HOSTS and not (config.tls and config.token):
        print("ftalk serve: warning: reachable from the network without TLS and a token", file=sys.stderr)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        listeners[0].server.wait_for_termination()
    except KeyboardInterrupt:
        print("ftalk serve: stopping", flush=True)
        for event in [listener.stop() for listener in listeners]:
            event.wait()
    return 0
