"""What every service on one listener shares: the config, the stream slots and what is served.

Service modules register themselves with `add_to_server(server, ctx) -> list[str]` and may
describe the engines they bring in `ctx.engines`, so InfoService reports them without knowing
the modules.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import AsyncIterator, TypeVar

from fantasy_talking.server.config import ServerConfig
from fantasy_talking.server.limits import StreamSlots

log = logging.getLogger(__name__)

Request = TypeVar("Request")


class StreamShutDown(Exception):
    """The listener is shutting down: the stream reads no more, animates what it has received and
    closes with a final status."""


async def _next(requests: AsyncIterator[Request]) -> Request | None:
    return await anext(requests, None)


class OpenStream:
    """What the listener knows of one open stream: when its current write began, and how to end it.

    A stream's writes wait for the client to read (HTTP/2 flow control). A client that stops
    reading (hung, frozen, gone without a FIN) would hold its slot for ever; the listener's
    watchdog ends a stream whose write has waited longer than the write timeout. At shutdown the
    listener asks each stream to close with a final status (`shutting_down`).

    Shutdown interrupts only a pending read (`read`), never a write or the engine: a write cut off
    by cancellation leaves the call in a state gRPC does not define, and the final status after it
    could be lost. The write-timeout watchdog, which ends a stream for good, cancels the whole task.
    """

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.writing_since: float | None = None
        self.shutting_down = False
        self._reading: asyncio.Task | None = None

    async def read(self, requests: AsyncIterator[Request]) -> Request | None:
        """The client's next request; None after its last one. Raises StreamShutDown once the
        listener shuts down, at once if the stream is waiting for the client then."""
        if self.shutting_down:
            raise StreamShutDown
        self._reading = asyncio.ensure_future(_next(requests))
        try:
            return await self._reading
        except asyncio.CancelledError:
            # Our own task cancelled (the client left, the watchdog) stays a cancellation.
            if self.shutting_down and not asyncio.current_task().cancelling():
                raise StreamShutDown from None
            raise
        finally:
            self._reading = None

    def begin_write(self) -> None:
        self.writing_since = time.monotonic()

    def end_write(self) -> None:
        self.writing_since = None

    def shut_down(self) -> None:
        """Stop reading requests: the stream writes what it has and a final status, then ends."""
        self.shutting_down = True
        if self._reading is not None:
            self._reading.cancel()


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
    open_streams: set[OpenStream] = field(default_factory=set)

    @classmethod
    def create(cls, config: ServerConfig) -> "ServerContext":
        return cls(config=config, stream_slots=StreamSlots(config.max_concurrent_streams))

    def add_engine(self, engine: EngineDescription) -> None:
        if all(e.name != engine.name for e in self.engines):
            self.engines.append(engine)

    def watch_writes(self) -> None:
        """End every stream whose pending write is older than `config.write_timeout_s` (a client
        that stopped reading). Called by the listener's watchdog a few times a second."""
        limit = self.config.write_timeout_s
        now = time.monotonic()
        for stream in list(self.open_streams):
            if stream.writing_since is not None and now - stream.writing_since > limit and stream.task:
                log.warning("stream ended: the client read nothing for %.1f s (write timeout)", limit)
                stream.writing_since = None
                stream.task.cancel()
