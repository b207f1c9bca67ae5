"""Blocking work from the server loop: run it on a worker thread, hand its results to a coroutine.

Synthesis and head fitting hold the CPU for a while; running them on the loop would stall every
stream's frames. Their results come back through an asyncio queue, so the handler can stream
them as they appear.
"""
from __future__ import annotations

import asyncio
import threading
from typing import AsyncIterator, Callable, Iterator, TypeVar

T = TypeVar("T")

_DONE = object()


async def iterate_in_thread(make_iterator: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    """Yield the items of a blocking iterator, which runs on a thread of its own.
    An exception in the iterator is raised here, after the items before it."""
    loop = asyncio.get_running_loop()
    items: asyncio.Queue = asyncio.Queue()

    def run() -> None:
        try:
            for item in make_iterator():
                loop.call_soon_threadsafe(items.put_nowait, item)
            loop.call_soon_threadsafe(items.put_nowait, _DONE)
        except BaseException as exc:
            loop.call_soon_threadsafe(items.put_nowait, exc)

    threading.Thread(target=run, name="ftalk-blocking", daemon=True).start()
    while (item := await items.get()) is not _DONE:
        if isinstance(item, BaseException):
            raise item
        yield item
