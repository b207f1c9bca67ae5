"""Build a gRPC listener: services from a module list, plus health, reflection, auth and limits.

`build_server` is reusable: `start_listeners` calls it once for the core API and again for any
extra listener (such as the Audio2Face-3D compatible port) with the same TLS, token and limits.
`ftalk serve` runs `start_listeners` in its own process, or in each worker process (workers.py).

Listeners are grpc.aio servers on the process's server loop (event_loop.py), so callers (the CLI,
tests, workers) keep a plain blocking API. A stream is a coroutine, not a thread: with dozens of
real-time streams per process, thread wake-ups and GIL hand-offs would cost more than the
animation itself. Blocking work (decoding a file, synthesis, head fitting) goes to worker threads
so the loop keeps every stream on time.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from dataclasses import dataclass
from typing import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from fantasy_talking.server.auth import BearerTokenInterceptor
from fantasy_talking.server.config import ConfigError, ServerConfig
from fantasy_talking.server.context import ServerContext
from fantasy_talking.server.event_loop import run_on_loop, server_loop
from fantasy_talking.server.request_guard import MalformedRequestInterceptor
from fantasy_talking.server.services import SERVICE_MODULES

log = logging.getLogger(__name__)

HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name
FINAL_STATUS_S = 1.0
"""Time streams get, after the grace period, to write their last frames and final status."""
WATCHDOG_PERIOD_S = 0.25


@dataclass(frozen=True)
class ListenerSpec:
    """One port to serve and the service modules on it (`port` None means `config.port`)."""

    port: int | None = None
    service_modules: tuple[str, ...] = tuple(SERVICE_MODULES)


@dataclass
class RunningServer:
    """A started listener and what it serves."""

    server: grpc.aio.Server
    host: str
    port: int
    context: ServerContext
    health: health_aio.HealthServicer
    watchdog: asyncio.Task | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def services(self) -> list[str]:
        return list(self.context.services)

    def stop(self, grace: float | None = None, drain: float | None = None) -> threading.Event:
        """Report NOT_SERVING, keep serving for `drain` seconds, then refuse new calls and give open
        calls `grace` seconds; streams still open then close with a final CODE_SHUTDOWN status.
        Without arguments the config's drain and grace apply; a caller giving `grace` (0: stop
        now) skips the drain unless it gives one too. Returns at once; the event is set when the
        listener has stopped."""
        stopped = threading.Event()
        config = self.context.config
        seconds = config.grace_seconds if grace is None else grace
        drain_s = (config.drain_seconds if grace is None else 0.0) if drain is None else drain

        async def stop() -> None:
            try:
                await self.health.enter_graceful_shutdown()
                if drain_s > 0:
                    log.info("draining for %.1f s: health reports NOT_SERVING", drain_s)
                    await asyncio.sleep(drain_s)
                stopping = asyncio.ensure_future(self.server.stop(seconds + FINAL_STATUS_S))
                if seconds > 0:
                    await asyncio.wait([stopping], timeout=seconds)
                for stream in list(self.context.open_streams):
                    stream.shut_down()
                await stopping
            finally:
                if self.watchdog is not None:
                    self.watchdog.cancel()
                stopped.set()

        asyncio.run_coroutine_threadsafe(stop(), server_loop())
        return stopped

    def wait_for_termination(self) -> None:
        """Block until the listener has stopped."""
        run_on_loop(self.server.wait_for_termination())


def _channel_options(config: ServerConfig) -> list[tuple[str, int]]:
    """Message limits, SO_REUSEPORT, and keepalive: the server pings every connection that has been
    quiet for `keepalive_s` (with or without calls) and drops it when a ping goes unanswered for
    `keepalive_timeout_s`, so a frozen or vanished client frees its streams in seconds, not after
    the kernel's TCP timeouts (minutes). Clients may ping every 5 s themselves."""
    return [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", -1),
        ("grpc.so_reuseport", int(config.reuse_port)),
        ("grpc.keepalive_time_ms", int(config.keepalive_s * 1000)),
        ("grpc.keepalive_timeout_ms", int(config.keepalive_timeout_s * 1000)),
        # gRPC also times every ping out after grpc.http2.ping_timeout_ms (60 s by default), and that
        # is the timer a keepalive ping gets: without this a frozen client held its slot ~50 s.
        ("grpc.http2.ping_timeout_ms", int(config.keepalive_timeout_s * 1000)),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.http2.min_ping_interval_without_data_ms", 5000),
    ]


async def _watch_writes(context: ServerContext) -> None:
    """End streams whose client stopped reading (see ServerContext.watch_writes)."""
    while True:
        await asyncio.sleep(WATCHDOG_PERIOD_S)
        context.watch_writes()


def _bind(server: grpc.aio.Server, config: ServerConfig, host: str, port: int) -> int:
    target = f"{host}:{port}"
    try:
        if config.tls:
            bound = server.add_secure_port(target, grpc.ssl_server_credentials([config.tls_key_pair()]))
        else:
            bound = server.add_insecure_port(target)
    except RuntimeError as exc:
        raise ConfigError(f"cannot listen on {target}: {exc}") from exc
    if bound == 0:
        raise ConfigError(f"cannot listen on {target}: the address is in use or not available")
    return bound


def build_server(config: ServerConfig, port: int | None = None,
                 service_modules: Sequence[str] = SERVICE_MODULES) -> RunningServer:
    """Create, bind and start a listener on `config.host:port` (default `config.port`)."""
    return run_on_loop(_build_server(config, port, service_modules))


async def _build_server(config: ServerConfig, port: int | None,
                        service_modules: Sequence[str]) -> RunningServer:
    context = ServerContext.create(config)
    # The token check runs first (outermost); the malformed-request guard caches per method.
    interceptors = [BearerTokenInterceptor(config.token)] if config.token else []
    interceptors.append(MalformedRequestInterceptor())
    server = grpc.aio.server(interceptors=interceptors, options=_channel_options(config))
    for module_name in service_modules:
        module = importlib.import_module(module_name)
        context.services.extend(module.add_to_server(server, context))

    health_servicer = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    context.services.extend([HEALTH_SERVICE, reflection.SERVICE_NAME])
    reflection.enable_server_reflection(context.services, server)

    bound = _bind(server, config, config.host, config.port if port is None else port)
    await server.start()
    await health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    for name in context.services:
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("listening address=%s:%d tls=%s auth=%s services=%s", config.host, bound,
             config.tls, bool(config.token), ",".join(context.services))
    return RunningServer(server=server, host=config.host, port=bound, context=context, health=health_servicer,
                         watchdog=asyncio.get_running_loop().create_task(_watch_writes(context)))


def start_listeners(config: ServerConfig, specs: Sequence[ListenerSpec]) -> list[RunningServer]:
    """Start every listener in `specs`, or none: on any error the ones already started are stopped."""
    listeners: list[RunningServer] = []
    try:
        for spec in specs:
            listeners.append(build_server(config, spec.port, spec.service_modules))
    except BaseException:
        for listener in listeners:
            listener.stop(0)
        raise
    return listeners
