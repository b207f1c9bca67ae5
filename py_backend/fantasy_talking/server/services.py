"""The services each listener serves. Add a service with one line here.

Every module listed exposes `add_to_server(server: grpc.Server, ctx: ServerContext) -> list[str]`
and returns the full names of the services it registered (for health, reflection and InfoService).
"""
from __future__ import annotations

SERVICE_MODULES: list[str] = [
    "fantasy_talking.server.animation_service",
    "fantasy_talking.server.info_service",
    "fantasy_talking.server.speech_service",
    "fantasy_talking.server.head_service",
]
