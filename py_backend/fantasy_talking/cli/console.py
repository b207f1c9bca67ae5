"""`ftalk console`: the web console on http://127.0.0.1:8080, a client of the gRPC service.

    ftalk console                              # starts its own gRPC service in this process
    ftalk console --server 127.0.0.1:50051     # uses a running `ftalk serve`
    FTALK_TOKEN=secret ftalk console --host 0.0.0.0

The same token (`--token` or $FTALK_TOKEN) guards the console's API and is sent to the gRPC service.
"""
from __future__ import annotations

import argparse
import socket
from pathlib import Path

from fantasy_talking.cli.errors import CliError

DEFAULT_PORT = 8080
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("console", help="the web console: try a photo and a voice in the browser",
                              description="Serve the web console (photo → 3D head, text or audio → a talking "
                                          "head, downloads) as a client of the gRPC service.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--server", metavar="HOST:PORT",
                   help="gRPC service to use; without it the console starts one in this process on a free port")
    p.add_argument("--token", help="bearer token for the console and the gRPC service (or set $FTALK_TOKEN)")
    p.add_argument("--tls-ca", type=Path, metavar="CA.pem", help="trust this certificate for a TLS --server")
    p.add_argument("--max-photo-mb", type=float, default=15.0, help="largest photo upload in MiB (default 15)")
    p.add_argument("--max-audio-mb", type=float, default=25.0, help="largest audio upload in MiB (default 25)")
    p.add_argument("--max-audio-seconds", type=float, default=120.0, help="longest audio upload (default 120)")
    p.set_defaults(func=run)
    return p


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise CliError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _start_engine(token: str | None) -> tuple[str, object]:
    """A gRPC service in this process on a free loopback port: (address, listener)."""
    from fantasy_talking.server.app import ListenerSpec, start_listeners
    from fantasy_talking.server.config import ConfigError, ServerConfig

    try:
        listener = start_listeners(ServerConfig(host="127.0.0.1", port=0, token=token), [ListenerSpec(0)])[0]
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    return listener.address, listener


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from fantasy_talking.console.app import ConsoleSettings, create_app
    from fantasy_talking.console.engine import EngineAddress
    from fantasy_talking.server.config import ConfigError, token_from_env

    try:
        token = token_from_env(args.token)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    for name in ("max_photo_mb", "max_audio_mb", "max_audio_seconds"):
        if not getattr(args, name) > 0:
            raise CliError(f"--{name.replace('_', '-')} must be positive")
    if args.tls_ca is not None and not args.tls_ca.is_file():
        raise CliError(f"{args.tls_ca}: no such file; give the PEM certificate that signed the server's")
    if not 0 <= args.port <= 65535:
        raise CliError(f"--port must be 0..65535, got {args.port}")
    sock = _listen(args.host, args.port)
    listener = None
    if args.server:
        target = args.server
    else:
        target, listener = _start_engine(token)
    settings = ConsoleSettings(engine=EngineAddress(target, token, args.tls_ca), token=token,
                               max_photo_bytes=int(args.max_photo_mb * 1048576),
                               max_audio_bytes=int(args.max_audio_mb * 1048576),
                               max_audio_seconds=args.max_audio_seconds)
    if not (settings.web_dir / "node_modules" / "three" / "build").is_dir():
        print("ftalk console: warning: three.js is not installed in "
              f"{settings.web_dir / 'node_modules'}; run tools/setup.sh (npm ci) or the viewer stays empty")
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"ftalk console: http://{shown}:{port}/ (gRPC service {target}"
          f"{', started here' if listener else ''}{', token required' if token else ''})", flush=True)
    if args.host not in LOCAL_HOSTS and not token:
        print("ftalk console: warning: reachable from the network without a token")
    level = "info" if args.verbose else "warning"
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level=level, access_log=bool(args.verbose),
                                           ws_max_size=1 << 20, timeout_graceful_shutdown=3))
    try:
        server.run(sockets=[sock])
    finally:
        if listener is not None:
            listener.stop(0).wait()
    return 0
