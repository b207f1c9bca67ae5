"""Blocking work from the server loop: run it on a worker thread, hand its results to a coroutine.

Synthesis and head fitting hold the CPU for a while; running them on the loop would stall every
stream's frames. Their results come back through an asyncio queue, so the handler can stream
them as they appear.
"""
from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
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


def _libc_malloc_trim():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None   # not glibc: nothing to trim


_malloc_trim = _libc_malloc_trim()


def release_memory() -> None:
    """Give freed heap memory back to the OS after a large job (a long clip, an alignment).

    glibc keeps freed blocks in its arenas, so a process that once aligned a long clip would
    otherwise keep that peak for ever; malloc_trim returns the free pages.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)
