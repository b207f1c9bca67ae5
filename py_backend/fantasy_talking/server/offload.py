"""Work that holds Python's GIL for seconds runs in a helper process, so a worker's streams stay on time.

PocketSphinx decodes a whole utterance in one call that never releases the GIL: recognising the
words of a 30 s piece holds it for about 7 s. Run on a thread of the serving process, that stops
every stream of the process for as long (measured: a 15 s clip's words stalled the other threads
for 2.2 s). So the server hands such calls to one helper process of its own, started on first use
and kept: a plain subprocess (`python -m fantasy_talking.server.offload`), because a `--workers`
worker is a daemonic process and may not have multiprocessing children. Calls go one at a time
(that also bounds the CPU a client can take from the streams to one core per serving process),
as pickles over the helper's stdin and a duplicate of its stdout; the helper's fd 1 points at its
stderr, so nothing a library prints can corrupt the answers. An exception in the call is raised
in the caller; if the helper dies, the call fails with OffloadError and the next call starts a new one.
"""
from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class OffloadError(RuntimeError):
    """The helper process died or could not start; the call did not complete."""


class Helper:
    """One helper process and the lock that lets one call through at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the helper process (both must pickle; a module-level function does)."""
        with self._lock:
            process = self._started()
            try:
                pickle.dump((function, args), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                process.stdin.flush()
                ok, value = pickle.load(process.stdout)
            except (OSError, EOFError, pickle.UnpicklingError) as exc:
                self._stop()
                raise OffloadError(f"the helper process ended during {function.__qualname__}: {exc}") from None
        if not ok:
            raise value
        return value

    def _started(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            try:
                self._process = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                                 stdout=subprocess.PIPE, close_fds=True)
            except OSError as exc:
                raise OffloadError(f"cannot start the helper process: {exc}") from None
        return self._process

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def close(self) -> None:
        """End the helper (it also ends by itself when this process goes: its stdin closes)."""
        with self._lock:
            self._stop()


_helper = Helper()
atexit.register(_helper.close)


def run_apart(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in this process's helper process (see the module docstring)."""
    return _helper.call(function, *args)


def _serve() -> None:
    """The helper's loop: read a call, answer (True, result) or (False, exception), until stdin ends."""
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)   # anything printed to stdout now goes to stderr, not into the answers
    requests = sys.stdin.buffer
    while True:
        try:
            function, args = pickle.load(requests)
        except EOFError:
            return
        try:
            answer = (True, function(*args))
        except Exception as exc:   # handed to the caller, who raises it
            answer = (False, exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:   # an answer that does not pickle still gets an answer
            data = pickle.dumps((False, RuntimeError(f"unpicklable answer: {type(exc).__name__}: {exc}")))
        answers.write(data)
        answers.flush()


if __name__ == "__main__":
    _serve()
