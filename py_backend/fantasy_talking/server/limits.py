"""Admission control for long-lived streams: a fixed number of slots, refused (not queued) when full.

Refusing at once lets a client retry elsewhere instead of waiting behind a stream that may
last for minutes. The slots belong to one process: with `ftalk serve --workers N` each worker
holds ceil(max_streams / N) of them (see workers.py), since each worker is one core's worth of
capacity.
"""
from __future__ import annotations

import threading

import grpc

MAX_CHUNK_SECONDS = 10.0
"""Most audio one stream message may carry (StreamAnimation's `audio`, A2F's `audio_buffer`).
Real-time clients send 10-100 ms; this bounds what one message can cost the worker."""
MAX_EMOTION_KEYFRAMES = 100
"""Most time-coded emotion keyframes one Audio2Face-3D message may carry."""
MAX_EMOTION_KEYFRAMES_PER_STREAM = 10_000
"""Most emotion keyframes one Audio2Face-3D stream may carry in all (they are kept for the stream)."""
SLICE_SECONDS = 0.1
"""Large messages are animated in slices of this much input audio, with the event loop given back
between slices, so one stream holds the loop for a few milliseconds at a time, never for a whole
10 s chunk (head-of-line blocking of every other stream on the worker)."""


def slices(data: bytes, bytes_per_second: int, frame_bytes: int) -> list[bytes]:
    """`data` cut into SLICE_SECONDS pieces on sample-frame boundaries (one piece when it is small)."""
    step = max(frame_bytes, int(bytes_per_second * SLICE_SECONDS) // frame_bytes * frame_bytes)
    if len(data) <= step:
        return [data]
    view = memoryview(data)
    return [bytes(view[i:i + step]) for i in range(0, len(data), step)]


def chunk_error(data_bytes: int, bytes_per_second: int) -> str | None:
    """Why a chunk of `data_bytes` is too long, or None."""
    seconds = data_bytes / bytes_per_second
    if seconds <= MAX_CHUNK_SECONDS:
        return None
    return (f"an audio chunk holds {seconds:.2f} s of audio, more than the {MAX_CHUNK_SECONDS:g} s limit "
            "per message; send smaller chunks (10-100 ms suit real time)")


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

    def admit(self, context: grpc.aio.ServicerContext) -> "StreamSlot | None":
        """A slot for this call, or None, with the call's status set to RESOURCE_EXHAUSTED, when full
        (the handler then returns). The handler releases the slot in a `finally`; not through
        `context.add_done_callback`, whose callback grpc.aio keeps in a reference cycle with the call."""
        slot = self.try_acquire()
        if slot is None:
            context.set_code(grpc.StatusCode.RESOURCE_EXHAUSTED)
            context.set_details(f"too many concurrent streams ({self.capacity}); retry later")
        return slot

    def _release(self) -> None:
        with self._lock:
            self._open -= 1


class StreamSlot:
    """One held slot; `release` is idempotent."""

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
