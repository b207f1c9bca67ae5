"""Several server processes on one port, so that every core serves streams.

One grpcio process is held to about one core by the GIL. `WorkerPool` starts N worker processes;
each runs `start_listeners` with SO_REUSEPORT on the same port(s), and the kernel spreads new
connections over them. A connection, and every stream multiplexed on it, stays with one worker.

Workers are started with the `spawn` context: a fresh interpreter inherits no gRPC state,
threads or locks from the parent (gRPC forbids using a channel or server created before a
fork), and it behaves the same wherever Python runs. The price is the imports, once per worker
at start-up (a few seconds on a loaded machine).

Limits are per worker: `--max-streams` is split evenly, rounded up, and each worker enforces its
share. The total holds when connections spread evenly; when the kernel's hash puts more
connections on one worker, that worker refuses (RESOURCE_EXHAUSTED) a little before the total.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Sequence

from fantasy_talking.server.app import ListenerSpec, RunningServer, start_listeners
from fantasy_talking.server.config import ConfigError, ServerConfig

log = logging.getLogger(__name__)

MAX_WORKERS = 64
START_TIMEOUT_S = 180.0
"""How long a worker may take to import and bind before the start counts as failed."""
STOP_MARGIN_S = 10.0
"""Time beyond the stop grace before a worker that has not exited is killed."""
MIN_UPTIME_S = 10.0
"""A worker that dies sooner than this after starting is not restarted: it would only die again."""


class WorkerError(RuntimeError):
    """A worker process died and could not be replaced."""


class _Stop(Exception):
    """Raised in a worker by SIGTERM: stop the listeners gracefully."""


@dataclass(frozen=True)
class ListenerInfo:
    """What one listener of a ready worker serves."""

    address: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker runs: the per-worker config (concrete ports, its share of the stream limit)
    and the listeners, plus the parent's log settings (a spawned interpreter starts unconfigured)."""

    config: ServerConfig
    listeners: tuple[ListenerSpec, ...]
    log_level: int = logging.WARNING
    log_formatter: logging.Formatter | None = None


def worker_count(requested: int) -> int:
    """`requested` workers, or one per CPU core this process may run on when it is 0."""
    if not 0 <= requested <= MAX_WORKERS:
        raise ConfigError(f"--workers must be 0 (one per CPU core) to {MAX_WORKERS}, got {requested}")
    if requested:
        return requested
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def streams_per_worker(total: int, workers: int) -> int:
    """Each worker's share of `total` concurrent streams, rounded up."""
    return -(-total // workers)


def reserve_port(host: str, port: int) -> socket.socket:
    """Hold `host:port` for the workers: fail now if it is taken, pick a free one when `port` is 0.

    The returned socket is bound with SO_REUSEPORT but never listens, so it takes no connections;
    keeping it open keeps the port for this server while workers start and restart. Close it
    when the workers have stopped.
    """
    if not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigError("several workers need SO_REUSEPORT (Linux); use --workers 1 on this system")
    try:
        family, _, _, _, address = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve host {host}: {exc.strerror}") from exc
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
        port = probe.getsockname()[1]
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    finally:
        probe.close()
    held = socket.socket(family, socket.SOCK_STREAM)
    try:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        held.bind((address[0], port, *address[2:]))
    except OSError as exc:
        held.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    return held


def _how_it_ended(process: BaseProcess) -> str:
    """'exited with code N' or 'was killed by SIGNAME', once the process is reaped."""
    process.join(5.0)
    code = process.exitcode
    if code is not None and code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def _raise_stop(signum, frame) -> None:
    raise _Stop


def _configure_logging(spec: WorkerSpec) -> None:
    root = logging.getLogger()
    root.setLevel(spec.log_level)
    if spec.log_formatter is not None:
        handler = logging.StreamHandler()
        handler.setFormatter(spec.log_formatter)
        root.addHandler(handler)


def _worker_main(spec: WorkerSpec, index: int, report: Connection) -> None:
    """A worker: serve until SIGTERM (graceful stop) or until the parent is gone (immediate stop).

    Ctrl-C reaches the whole process group; only the parent acts on it, and it stops the workers.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _raise_stop)
    _configure_logging(spec)
    listeners: list[RunningServer] = []
    grace: float | None = None
    try:
        try:
            listeners = start_listeners(spec.config, spec.listeners)
        except ConfigError as exc:
            report.send(str(exc))
            return
        report.send([ListenerInfo(listener.address, tuple(listener.services)) for listener in listeners])
        log.info("worker ready index=%d pid=%d", index, os.getpid())
        parent = multiprocessing.parent_process()
        if parent is not None:
            wait([parent.sentinel])
        log.warning("worker orphaned index=%d; the parent is gone, stopping now", index)
        grace = 0.0
    except _Stop:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for event in [listener.stop(grace) for listener in listeners]:
        event.wait()
    log.info("worker stopped index=%d", index)


class WorkerPool:
    """N worker processes serving one `WorkerSpec`; replaces a worker that dies, stops them all on request."""

    def __init__(self, spec: WorkerSpec, count: int) -> None:
        self._spec = spec
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[BaseProcess | None] = [None] * count
        self._started_at = [0.0] * count

    def start(self) -> list[ListenerInfo]:
        """Start every worker and wait until each listens; on failure stop them all and raise.

        Raises ConfigError with the worker's own message (such as a TLS or port problem) or
        WorkerError when a worker died without one.
        """
        try:
            reports = [self._spawn(index) for index in range(len(self._processes))]
            listening = [self._await_ready(index, report) for index, report in enumerate(reports)]
        except BaseException:
            self.stop()
            raise
        return listening[0]

    def supervise(self) -> None:
        """Block, replacing any worker that exits, until interrupted (the caller's Ctrl-C/SIGTERM)."""
        while True:
            by_sentinel = {p.sentinel: index for index, p in enumerate(self._processes) if p is not None}
            for sentinel in wait(list(by_sentinel)):
                index = by_sentinel[sentinel]
                ended = _how_it_ended(self._processes[index])
                uptime = time.monotonic() - self._started_at[index]
                if uptime < MIN_UPTIME_S:
                    raise WorkerError(f"worker {index} {ended} {uptime:.0f} s after starting; "
                                      "run with -v to see its log")
                log.warning("worker ended index=%d exitcode=%s; starting a replacement", index,
                            self._processes[index].exitcode)
                self._await_ready(index, self._spawn(index))

    def stop(self) -> None:
        """SIGTERM every worker (each stops its listeners with the config's grace), then kill stragglers."""
        alive = [p for p in self._processes if p is not None and p.is_alive()]
        for process in alive:
            process.terminate()
        deadline = time.monotonic() + self._spec.config.grace_seconds + STOP_MARGIN_S
        for process in alive:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker pid=%d did not stop in time; killing it", process.pid)
                process.kill()
                process.join()

    def _spawn(self, index: int) -> Connection:
        receive, send = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_worker_main, args=(self._spec, index, send),
                                        name=f"ftalk-worker-{index}", daemon=True)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            process.start()
        finally:
            signal.signal(signal.SIGINT, previous)
        send.close()
        self._processes[index] = process
        self._started_at[index] = time.monotonic()
        return receive

    def _await_ready(self, index: int, report: Connection) -> list[ListenerInfo]:
        process = self._processes[index]
        assert process is not None
        try:
            if not wait([report, process.sentinel], timeout=START_TIMEOUT_S):
                raise WorkerError(f"worker {index} did not start listening within {START_TIMEOUT_S:g} s")
            try:
                message = report.recv()
            except EOFError:
                raise WorkerError(f"worker {index} {_how_it_ended(process)} before listening; "
                                  "run with -v to see its log") from None
        finally:
            report.close()
        if isinstance(message, str):
            raise ConfigError(message)
        return message


def worker_spec(config: ServerConfig, listeners: Sequence[ListenerSpec], workers: int) -> WorkerSpec:
    """The spec every worker runs: `config` with its share of the stream limit and reuse_port on.

    Every listener port must already be concrete (see `reserve_port`).
    """
    root = logging.getLogger()
    formatter = root.handlers[0].formatter if root.handlers else None
    return WorkerSpec(
        config=replace(config, reuse_port=True,
                       max_concurrent_streams=streams_per_worker(config.max_concurrent_streams, workers)),
        listeners=tuple(listeners), log_level=root.level, log_formatter=formatter)
