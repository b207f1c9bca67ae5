"""What every service on one listener shares: the config, the stream slots and what is served.

Service modules register themselves with `add_to_server(server, ctx) -> list[str]` and may
describe the engines they bring in `ctx.engines`, so InfoService reports them without knowing
the modules.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fantasy_talking.server.config import ServerConfig
from fantasy_talking.server.limits import StreamSlots


@dataclass(frozen=True)
class EngineDescription:
    """One speech engine as InfoService reports it."""

    name: str
    description: str
    languages: tuple[str, ...] = ("*",)
    streaming: bool = False


@dataclass
class ServerContext:
    """Shared state of one listener. `services` is filled in by `build_server` after registration."""

    config: ServerConfig
    stream_slots: StreamSlots
    services: list[str] = field(default_factory=list)
    engines: list[EngineDescription] = field(default_factory=list)

    @classmethod
    def create(cls, config: ServerConfig) -> "ServerContext":
        return cls(config=config, stream_slots=StreamSlots(config.max_concurrent_streams))

    def add_engine(self, engine: EngineDescription) -> None:
        if all(e.name != engine.name for e in self.engines):
            self.engines.append(engine)
