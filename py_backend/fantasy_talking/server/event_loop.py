"""The server loop: one asyncio event loop per process, on a daemon thread of its own.

Every listener of the process runs on it, and every stream is a coroutine on it. Callers outside
the loop (the CLI, tests, worker processes' main threads) reach it through `run_on_loop`.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Coroutine, TypeVar

T = TypeVar("T")

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def server_loop() -> asyncio.AbstractEventLoop:
    """The process's server event loop, started the first time it is needed."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="ftalk-server-loop", daemon=True).start()
        return _loop


def run_on_loop(coroutine: Coroutine[object, object, T]) -> T:
    """Run `coroutine` on the server loop and wait for its result from this (other) thread."""
    return asyncio.run_coroutine_threadsafe(coroutine, server_loop()).result()
