"""The image's HEALTHCHECK: the gRPC service answers grpc.health.v1 with SERVING and, when the
console runs, its /api/health says the same. Exit 0 when healthy, 1 with one line when not.

    python -m fantasy_talking.container.healthcheck
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fantasy_talking.container.settings import SettingsError, from_env

TIMEOUT_S = 4.0


def grpc_serving(host: str, port: int, tls_cert: str | None = None) -> bool:
    target = f"{host}:{port}"
    if tls_cert:
        with open(tls_cert, "rb") as f:
            channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=f.read()))
    else:
        channel = grpc.insecure_channel(target)
    with channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
        except grpc.RpcError:
            return False
    return answer.status == health_pb2.HealthCheckResponse.SERVING


def console_healthy(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/api/health", timeout=TIMEOUT_S) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def main() -> int:
    try:
        settings = from_env(os.environ)
    except SettingsError as exc:
        print(f"unhealthy: {exc}")
        return 1
    if not grpc_serving(settings.local_host, settings.grpc_port, str(settings.tls_cert) if settings.tls_cert else None):
        print(f"unhealthy: gRPC health on port {settings.grpc_port} is not SERVING")
        return 1
    if settings.console_port is not None and not console_healthy(settings.local_host, settings.console_port):
        print(f"unhealthy: the console on port {settings.console_port} does not answer /api/health")
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
