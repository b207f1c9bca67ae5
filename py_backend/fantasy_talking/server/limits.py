"""Admission control for long-lived streams: a fixed number of slots, refused (not queued) when full.

Refusing at once lets a client retry elsewhere instead of waiting behind a stream that may
last for minutes. The slots belong to one process: with `ftalk serve --workers N` each worker
holds ceil(max_streams / N) of them (see workers.py), since each worker is one core's worth of
capacity.
"""
from __future__ import annotations

import threading

import grpc


class StreamSlots:
    """A counter of open streams with a ceiling."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._open = 0
        self._lock = threading.Lock()

    @property
    def open(self) -> int:
        return self._open

    def try_acquire(self) -> "StreamSlot | None":
        """A slot, or None when all `capacity` slots are taken."""
        with self._lock:
            if self._open >= self.capacity:
                return None
            self._open += 1
        return StreamSlot(self)

    async def admit(self, context: grpc.aio.ServicerContext) -> "StreamSlot":
        """A slot for this call, released when the call ends; aborts with RESOURCE_EXHAUSTED when full."""
        slot = self.try_acquire()
        if slot is None:
            await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED,
                                f"too many concurrent streams ({self.capacity}); retry later")
        context.add_done_callback(lambda _context: slot.release())
        return slot

    def _release(self) -> None:
        with self._lock:
            self._open -= 1


class StreamSlot:
    """One held slot; `release` is idempotent so both the RPC-done callback and `finally` may call it."""

    def __init__(self, slots: StreamSlots) -> None:
        self._slots = slots
        self._held = True
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if not self._held:
                return
            self._held = False
        self._slots._release()
