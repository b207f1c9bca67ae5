"""Build a gRPC listener: services from a module list, plus health, reflection, auth and limits.

`build_server` is reusable: `start_listeners` calls it once for the core API and again for any
extra listener (such as the Audio2Face-3D compatible port) with the same TLS, token and limits.
`ftalk serve` runs `start_listeners` in its own process, or in each worker process (workers.py).
"""
from __future__ import annotations

import importlib
import logging
import threading
from concurrent import futures
from dataclasses import dataclass
from typing import Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from fantasy_talking.server.auth import BearerTokenInterceptor
from fantasy_talking.server.config import ConfigError, ServerConfig
from fantasy_talking.server.context import ServerContext
from fantasy_talking.server.services import SERVICE_MODULES

log = logging.getLogger(__name__)

SPARE_WORKERS = 16
"""Threads beyond one per stream slot, for unary calls, health and reflection."""


@dataclass(frozen=True)
class ListenerSpec:
    """One port to serve and the service modules on it (`port` None means `config.port`)."""

    port: int | None = None
    service_modules: tuple[str, ...] = tuple(SERVICE_MODULES)


@dataclass
class RunningServer:
    """A started listener and what it serves."""

    server: grpc.Server
    host: str
    port: int
    context: ServerContext
    health: health.HealthServicer

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def services(self) -> list[str]:
        return list(self.context.services)

    def stop(self, grace: float | None = None) -> threading.Event:
        """Report NOT_SERVING, refuse new calls, and give open calls `grace` seconds to finish."""
        self.health.enter_graceful_shutdown()
        return self.server.stop(self.context.config.grace_seconds if grace is None else grace)


def _channel_options(config: ServerConfig) -> list[tuple[str, int]]:
    return [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", -1),
        ("grpc.so_reuseport", int(config.reuse_port)),
    ]


def _bind(server: grpc.Server, config: ServerConfig, host: str, port: int) -> int:
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
    context = ServerContext.create(config)
    interceptors = [BearerTokenInterceptor(config.token)] if config.token else []
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.max_concurrent_streams + SPARE_WORKERS,
                                   thread_name_prefix="ftalk-rpc"),
        interceptors=interceptors,
        options=_channel_options(config),
    )
    for module_name in service_modules:
        module = importlib.import_module(module_name)
        context.services.extend(module.add_to_server(server, context))

    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    context.services.extend([health.SERVICE_NAME, reflection.SERVICE_NAME])
    reflection.enable_server_reflection(context.services, server)

    bound = _bind(server, config, config.host, config.port if port is None else port)
    server.start()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    for name in context.services:
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("listening address=%s:%d tls=%s auth=%s services=%s", config.host, bound,
             config.tls, bool(config.token), ",".join(context.services))
    return RunningServer(server=server, host=config.host, port=bound, context=context, health=health_servicer)


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
