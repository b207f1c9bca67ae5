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

Supervision: a worker that dies is restarted in its slot, never at the cost of the others. A
slot that keeps dying soon after starting (a crash loop) is restarted with exponential back-off
(0.5 s doubling to 30 s; a worker that has served MIN_UPTIME_S resets it). Every death and
restart is a warning in the log, and every worker's health service reports the pool under the
name `ftalk.workers`: SERVING while every slot serves, NOT_SERVING while one is down (the port
still answers: the other workers serve).
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import time
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Sequence

from grpc_health.v1 import health_pb2

from fantasy_talking.server.app import ListenerSpec, RunningServer, start_listeners
from fantasy_talking.server.config import ConfigError, ServerConfig
from fantasy_talking.server.event_loop import server_loop

log = logging.getLogger(__name__)

MAX_WORKERS = 64
START_TIMEOUT_S = 180.0
"""How long a worker may take to import and bind before the start counts as failed."""
STOP_MARGIN_S = 10.0
"""Time beyond the stop grace before a worker that has not exited is killed."""
MIN_UPTIME_S = 10.0
"""A worker that served this long before dying is restarted at once; one that died sooner is in a
crash loop and waits for its back-off."""
FIRST_BACKOFF_S, MAX_BACKOFF_S = 0.5, 30.0
POOL_HEALTH = "ftalk.workers"
"""Health service name under which every worker reports the whole pool."""
POOL_HEALTH_PERIOD_S = 0.5


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


@dataclass
class _Slot:
    """One worker position in the pool and its restart history."""

    process: BaseProcess | None = None
    report: Connection | None = None   # open while the worker is starting
    started_at: float = 0.0
    ready_at: float | None = None
    quick_deaths: int = 0
    restarts: int = 0
    restart_at: float | None = None
    history: list[str] = field(default_factory=list)


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


async def _report_pool_health(listeners: list[RunningServer], serving) -> None:
    """Mirror the parent's view of the pool (one flag per slot, shared memory) into health."""
    last = None
    while True:
        status = (health_pb2.HealthCheckResponse.SERVING if all(serving[:])
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        if status != last:
            for listener in listeners:
                await listener.health.set(POOL_HEALTH, status)
            last = status
        await asyncio.sleep(POOL_HEALTH_PERIOD_S)


def _worker_main(spec: WorkerSpec, index: int, report: Connection, serving=None) -> None:
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
        if serving is not None:
            asyncio.run_coroutine_threadsafe(_report_pool_health(listeners, serving), server_loop())
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
    """N worker processes serving one `WorkerSpec`; restarts any worker that dies, stops them all on request."""

    def __init__(self, spec: WorkerSpec, count: int) -> None:
        self._spec = spec
        self._context = multiprocessing.get_context("spawn")
        self._slots = [_Slot() for _ in range(count)]
        self.serving = self._context.Array("b", count, lock=False)
        """1 for each slot whose worker listens, shared with the workers for their health service."""

    @property
    def _processes(self) -> list[BaseProcess | None]:
        return [slot.process for slot in self._slots]

    def start(self) -> list[ListenerInfo]:
        """Start every worker and wait until each listens; on failure stop them all and raise.

        A worker that cannot start at all is a configuration problem (TLS files, a port), so here
        the whole server fails: ConfigError with the worker's own message, or WorkerError.
        """
        try:
            for index in range(len(self._slots)):
                self._spawn(index)
            listening = [self._await_ready(index) for index in range(len(self._slots))]
        except BaseException:
            self.stop()
            raise
        return listening[0]

    def supervise(self) -> None:
        """Block, restarting any worker that exits, until interrupted (the caller's Ctrl-C/SIGTERM).
        Never returns otherwise: however often a slot dies, the other workers keep serving."""
        while True:
            now = time.monotonic()
            for index, slot in enumerate(self._slots):
                if slot.restart_at is not None and now >= slot.restart_at:
                    slot.restart_at = None
                    slot.restarts += 1
                    log.warning("worker restarting index=%d restart=%d", index, slot.restarts)
                    self._spawn(index)
            events: dict[object, tuple[str, int]] = {}
            for index, slot in enumerate(self._slots):
                if slot.process is not None:
                    events[slot.process.sentinel] = ("exit", index)
                if slot.report is not None:
                    events[slot.report] = ("report", index)
            deadlines = [s.restart_at for s in self._slots if s.restart_at is not None]
            deadlines += [s.started_at + START_TIMEOUT_S for s in self._slots if s.report is not None]
            timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            for ready in wait(list(events), timeout):
                kind, index = events[ready]
                if kind == "report":
                    self._on_report(index)
            exits = {slot.process.sentinel: index for index, slot in enumerate(self._slots) if slot.process}
            for ready in wait(list(exits), 0):
                self._on_exit(exits[ready])
            for index, slot in enumerate(self._slots):
                if slot.report is not None and time.monotonic() > slot.started_at + START_TIMEOUT_S:
                    log.warning("worker did not start listening within %g s index=%d; killing it",
                                START_TIMEOUT_S, index)
                    slot.process.kill()

    def _on_report(self, index: int) -> None:
        slot = self._slots[index]
        try:
            message = slot.report.recv()
        except EOFError:
            message = None   # it died before reporting: its sentinel says how
        slot.report.close()
        slot.report = None
        if isinstance(message, list):
            slot.ready_at = time.monotonic()
            self.serving[index] = 1
            log.warning("worker serving again index=%d pid=%d after %d restart(s)", index,
                        slot.process.pid, slot.restarts)
        elif isinstance(message, str):
            log.warning("worker could not start index=%d: %s", index, message)

    def _on_exit(self, index: int) -> None:
        """A worker ended: record it, and schedule its restart after the slot's back-off."""
        slot = self._slots[index]
        ended = _how_it_ended(slot.process)
        now = time.monotonic()
        if slot.report is not None:
            slot.report.close()
            slot.report = None
        self.serving[index] = 0
        served = now - slot.ready_at if slot.ready_at is not None else 0.0
        slot.quick_deaths = 0 if served >= MIN_UPTIME_S else slot.quick_deaths + 1
        delay = 0.0 if slot.quick_deaths == 0 else min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** (slot.quick_deaths - 1))
        slot.process, slot.ready_at, slot.restart_at = None, None, now + delay
        slot.history.append(ended)
        log.warning("worker ended index=%d: it %s after %.1f s of serving; restarting it in %.1f s "
                    "(%d quick death(s) in a row); the other workers keep serving",
                    index, ended, served, delay, slot.quick_deaths)

    def stop(self) -> None:
        """SIGTERM every worker (each drains and stops its listeners with the config's grace),
        then kill stragglers."""
        alive = [p for p in self._processes if p is not None and p.is_alive()]
        for process in alive:
            process.terminate()
        config = self._spec.config
        deadline = time.monotonic() + config.drain_seconds + config.grace_seconds + STOP_MARGIN_S
        for process in alive:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker pid=%d did not stop in time; killing it", process.pid)
                process.kill()
                process.join()

    def _spawn(self, index: int) -> None:
        receive, send = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_worker_main, args=(self._spec, index, send, self.serving),
                                        name=f"ftalk-worker-{index}", daemon=True)
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            process.start()
        finally:
            signal.signal(signal.SIGINT, previous)
        send.close()
        slot = self._slots[index]
        slot.process, slot.report, slot.started_at, slot.ready_at = process, receive, time.monotonic(), None

    def _await_ready(self, index: int) -> list[ListenerInfo]:
        slot = self._slots[index]
        process, report = slot.process, slot.report
        assert process is not None and report is not None
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
            slot.report = None
        if isinstance(message, str):
            raise ConfigError(message)
        slot.ready_at = time.monotonic()
        self.serving[index] = 1
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
