"""`ftalk serve`: run the gRPC API until Ctrl-C, then stop gracefully.

With `--workers N` (N > 1, or 0 for one per CPU core) this process only supervises: N worker
processes serve the same port(s) (see server/workers.py).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import signal
import sys
from pathlib import Path

from fantasy_talking.cli.errors import CliError
from fantasy_talking.server.app import ListenerSpec, start_listeners
from fantasy_talking.server.config import (
    DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV, ConfigError, ServerConfig, token_from_env,
)
from fantasy_talking.server.workers import (
    ListenerInfo, WorkerError, WorkerPool, reserve_port, worker_count, worker_spec,
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
    p.add_argument("--workers", type=int, default=1,
                   help="server processes sharing the port(s), so that every core serves streams "
                        "(default 1; 0 = one per CPU core); each connection stays with one worker")
    p.add_argument("--tls-cert", type=Path, help="PEM certificate chain; serve TLS (needs --tls-key)")
    p.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    p.add_argument("--token", help=f"require 'authorization: Bearer TOKEN' on every call (or set ${TOKEN_ENV}; "
                   "a token on the command line shows in the process list, prefer --token-file)")
    p.add_argument("--token-file", type=Path, help="read the token from this file (one line)")
    p.add_argument("--max-message-mb", type=float, default=4.0, help="largest request in MiB (default 4)")
    p.add_argument("--max-streams", type=int, default=64,
                   help="most concurrent StreamAnimation calls (default 64); with several workers each "
                        "takes an equal share, rounded up")
    p.add_argument("--max-clip-seconds", type=float, default=600.0,
                   help="longest audio AnimateClip accepts (default 600)")
    p.add_argument("--drain-seconds", type=float, default=2.0,
                   help="on SIGTERM/Ctrl-C, report NOT_SERVING but keep serving this long, so load balancers "
                        "stop sending first (default 2)")
    p.add_argument("--grace-seconds", type=float, default=3.0,
                   help="then refuse new calls and give open ones this long; streams still open end with a "
                        "final StreamStatus (CODE_SHUTDOWN) (default 3)")
    p.add_argument("--keepalive-seconds", type=float, default=5.0,
                   help="ping a connection quiet for this long (default 5)")
    p.add_argument("--keepalive-timeout-seconds", type=float, default=5.0,
                   help="close a connection whose ping is unanswered this long: a frozen or vanished client "
                        "frees its slot (default 5)")
    p.add_argument("--write-timeout-seconds", type=float, default=10.0,
                   help="end a stream whose client has read nothing for this long (default 10)")
    if _a2f_available():
        p.add_argument("--a2f-port", type=int, help="also serve the NVIDIA Audio2Face-3D compatible API on this port "
                       "(NIM uses 52000; off unless given)")
    p.set_defaults(func=run)


def _config(args: argparse.Namespace) -> ServerConfig:
    try:
        return ServerConfig(
            host=args.host, port=args.port, tls_cert=args.tls_cert, tls_key=args.tls_key,
            token=token_from_env(args.token, args.token_file),
            max_message_bytes=int(args.max_message_mb * 1024 * 1024),
            max_concurrent_streams=args.max_streams, max_clip_seconds=args.max_clip_seconds,
            drain_seconds=args.drain_seconds, grace_seconds=args.grace_seconds,
            keepalive_s=args.keepalive_seconds, keepalive_timeout_s=args.keepalive_timeout_seconds,
            write_timeout_s=args.write_timeout_seconds)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc


def _listener_specs(config: ServerConfig, args: argparse.Namespace) -> list[ListenerSpec]:
    specs = [ListenerSpec(config.port)]
    a2f_port = getattr(args, "a2f_port", None)
    if a2f_port is not None:
        if not 0 <= a2f_port <= 65535:
            raise CliError(f"--a2f-port must be 0..65535, got {a2f_port}")
        if a2f_port == config.port and a2f_port != 0:
            raise CliError(f"--a2f-port must differ from --port ({a2f_port})")
        specs.append(ListenerSpec(a2f_port, (A2F_MODULE,)))
    return specs


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _announce(config: ServerConfig, listening: list[ListenerInfo], workers: int) -> None:
    security = ("TLS" if config.tls else "insecure") + (", token required" if config.token else ", no token")
    if workers > 1:
        security += f", {workers} workers"
    for listener in listening:
        print(f"ftalk serve: listening on {listener.address} ({security}): {', '.join(listener.services)}",
              flush=True)
    if config.host not in LOCAL_HOSTS and not (config.tls and config.token):
        print("ftalk serve: warning: reachable from the network without TLS and a token", file=sys.stderr)


def _serve_here(config: ServerConfig, specs: list[ListenerSpec]) -> int:
    try:
        listeners = start_listeners(config, specs)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    try:
        _announce(config, [ListenerInfo(listener.address, tuple(listener.services)) for listener in listeners], 1)
        listeners[0].wait_for_termination()
    except KeyboardInterrupt:
        print("ftalk serve: stopping", flush=True)
        for event in [listener.stop() for listener in listeners]:
            event.wait()
    return 0


def _serve_workers(config: ServerConfig, specs: list[ListenerSpec], workers: int) -> int:
    """Hold the port(s), start the workers, supervise them until Ctrl-C/SIGTERM, then stop them all."""
    with contextlib.ExitStack() as held_ports:
        try:
            ports = [held_ports.enter_context(reserve_port(config.host, spec.port)).getsockname()[1]
                     for spec in specs]
        except ConfigError as exc:
            raise CliError(str(exc)) from exc
        concrete = [ListenerSpec(port, spec.service_modules) for port, spec in zip(ports, specs)]
        pool = WorkerPool(worker_spec(config, concrete, workers), workers)
        try:
            _announce(config, pool.start(), workers)
            pool.supervise()
        except ConfigError as exc:
            raise CliError(str(exc)) from exc
        except WorkerError as exc:
            print(f"ftalk serve: error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("ftalk serve: stopping", flush=True)
        finally:
            pool.stop()
    return 0


def run(args: argparse.Namespace) -> int:
    config = _config(args)
    specs = _listener_specs(config, args)
    try:
        workers = worker_count(args.workers)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    signal.signal(signal.SIGTERM, _raise_interrupt)
    if workers == 1:
        return _serve_here(config, specs)
    return _serve_workers(config, specs, workers)
