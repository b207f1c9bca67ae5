"""`ftalk serve --workers`: several processes on one port, real connections, real signals, /proc checks."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from conftest import default_sigint
from fantasy_talking.cli.main import main
from fantasy_talking.server.client import stream_samples
from fantasy_talking.server.workers import MIN_UPTIME_S, POOL_HEALTH, streams_per_worker, worker_count
from fantasytalking.v1 import animation_pb2_grpc, common_pb2, info_pb2, info_pb2_grpc

FTALK = [sys.executable, "-m", "fantasy_talking.cli.main"]
CONNECTIONS = 12
"""Separate TCP connections; the chance that the kernel puts all of them on one of two workers is 2⁻¹¹."""
START_TIMEOUT_S = 120


def children(pid: int) -> list[int]:
    """Live child processes of `pid`, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def workers_of(pid: int) -> list[int]:
    """The ftalk worker processes of a server (multiprocessing's resource tracker is not one)."""
    return [c for c in children(pid)
            if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def established_on(pid: int, port: int) -> int:
    """How many established TCP connections process `pid` holds on local `port`."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:
                count += 1
    return count


def start_serve(*args: str) -> tuple[subprocess.Popen, list[str]]:
    """`ftalk serve` in its own session (so a group Ctrl-C reaches only it); returns it and its addresses."""
    process = subprocess.Popen([*FTALK, "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=default_sigint)
    expected = 2 if "--a2f-port" in args else 1
    addresses = []
    deadline = time.monotonic() + START_TIMEOUT_S
    while len(addresses) < expected and time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"listening on (\S+:\d+)", line)
        if match is None:
            process.kill()
            pytest.fail(f"ftalk serve did not start: {line!r} {process.stderr.read()!r}")
        addresses.append(match.group(1))
    return process, addresses


def channel_to(address: str) -> grpc.Channel:
    """A channel with its own TCP connection (gRPC otherwise shares one between equal channels)."""
    return grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])


def health_status(channel: grpc.Channel) -> int:
    return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=30).status


@pytest.fixture(scope="module")
def two_workers():
    """A 2-worker server with an A2F port; yields (process, [address, a2f address], time it was ready)."""
    process, addresses = start_serve("--workers", "2", "--max-streams", "63", "--a2f-port", "0")
    yield process, addresses, time.monotonic()
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_worker_count_and_stream_share():
    assert worker_count(3) == 3
    assert worker_count(0) == len(os.sched_getaffinity(0))
    assert [streams_per_worker(64, n) for n in (1, 2, 3, 64)] == [64, 32, 22, 1]


@pytest.mark.parametrize("args, hint", [
    (["--workers", "-1"], "--workers must be 0"),
    (["--workers", "65"], "--workers must be 0"),
    (["--workers", "2", "--port", "1", "--host", "256.1.1.1"], "cannot resolve host"),
    (["--workers", "2", "--a2f-port", "70000"], "--a2f-port must be"),
])
def test_bad_worker_settings_are_one_line_and_exit_2(args, hint, capsys):
    assert main(["serve", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and hint in err


def test_a_busy_port_fails_before_any_worker_starts(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["serve", "--workers", "2", "--port", str(busy.getsockname()[1])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot listen" in err
    assert workers_of(os.getpid()) == []


def test_two_workers_share_the_port_and_answer_every_connection(two_workers, speech_audio):
    process, (address, a2f_address), _ = two_workers
    port = int(address.rsplit(":", 1)[1])
    workers = workers_of(process.pid)
    assert len(workers) == 2
    channels = [channel_to(address) for _ in range(CONNECTIONS)]
    try:
        assert all(health_status(c) == health_pb2.HealthCheckResponse.SERVING for c in channels)
        per_worker = [established_on(pid, port) for pid in workers]
        assert sum(per_worker) == CONNECTIONS and all(per_worker), per_worker

        info = info_pb2_grpc.InfoServiceStub(channels[0]).GetServerInfo(info_pb2.GetServerInfoRequest(), timeout=30)
        assert info.limits.max_concurrent_streams == 32  # --max-streams 63 over 2 workers, rounded up

        samples = speech_audio.samples[: 2 * 16_000]
        options = common_pb2.AnimationOptions(fps=30, lookahead_ms=100)

        def stream(channel: grpc.Channel):
            return stream_samples(animation_pb2_grpc.AnimationServiceStub(channel), samples, options,
                                  realtime=False, timeout=90)

        with ThreadPoolExecutor(CONNECTIONS) as pool:
            results = list(pool.map(stream, channels))
    finally:
        for c in channels:
            c.close()
    assert all(r.status.code == common_pb2.StreamStatus.CODE_OK for r in results)
    weights = [np.array([f.blendshapes for f in r.frames]) for r in results]
    assert len(weights[0]) == int(np.ceil(len(samples) / 16_000 * 30))
    for other in weights[1:]:
        np.testing.assert_array_equal(other, weights[0])
    with channel_to(a2f_address) as a2f:
        assert health_status(a2f) == health_pb2.HealthCheckResponse.SERVING


def test_a_worker_that_dies_is_replaced(two_workers):
    process, (address, _), ready_at = two_workers
    time.sleep(max(0.0, ready_at + MIN_UPTIME_S + 0.5 - time.monotonic()))
    first, survivor = workers_of(process.pid)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + START_TIMEOUT_S
    workers = [first, survivor]
    while (first in workers or len(workers) < 2) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
        workers = workers_of(process.pid)
    assert survivor in workers and first not in workers and len(workers) == 2
    replacement = next(pid for pid in workers if pid != survivor)
    port = int(address.rsplit(":", 1)[1])
    channels = [channel_to(address) for _ in range(CONNECTIONS)]
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while established_on(replacement, port) == 0 and time.monotonic() < deadline:
            for c in channels:
                assert health_status(c) == health_pb2.HealthCheckResponse.SERVING
            if established_on(replacement, port) == 0:
                for c in channels:
                    c.close()
                time.sleep(0.5)
                channels = [channel_to(address) for _ in range(CONNECTIONS)]
        assert established_on(replacement, port) > 0
    finally:
        for c in channels:
            c.close()
    assert process.poll() is None


def test_ctrl_c_stops_every_worker(two_workers):
    process, _, _ = two_workers
    workers = workers_of(process.pid)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends: the whole process group
    assert process.wait(timeout=60) == 0
    assert "stopping" in process.stdout.read()
    assert "Traceback" not in process.stderr.read()
    assert not any(alive(pid) for pid in workers)


def test_sigterm_stops_every_worker():
    process, _ = start_serve("--workers", "2")
    workers = workers_of(process.pid)
    assert len(workers) == 2
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert not any(alive(pid) for pid in workers)


def pool_health(channel: grpc.Channel) -> int:
    return health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=POOL_HEALTH), timeout=30).status


def answered(address: str) -> int:
    """Health of a new connection. One that the kernel had queued on a worker at the moment it was
    killed is reset (SO_REUSEPORT gives each worker its own queue); a client's retry lands on a
    live worker, so one retry is allowed."""
    for attempt in range(2):
        with channel_to(address) as probe:
            try:
                return health_status(probe)
            except grpc.RpcError as exc:
                if attempt or exc.code() != grpc.StatusCode.UNAVAILABLE:
                    raise
        time.sleep(0.1)


def test_a_crash_looping_slot_never_stops_the_healthy_worker(speech_audio):
    """Kill a worker 3 s after start and its replacement right after it starts: the other worker's
    streams run on, the port keeps answering, health says the pool is degraded, then whole again."""
    process, (address,) = start_serve("--workers", "2", "--drain-seconds", "0")
    ready_at = time.monotonic()
    port = int(address.rsplit(":", 1)[1])
    try:
        first, survivor = workers_of(process.pid)
        channels = [channel_to(address) for _ in range(CONNECTIONS)]
        for c in channels:
            assert health_status(c) == health_pb2.HealthCheckResponse.SERVING
        on_survivor = established_on(survivor, port)
        assert on_survivor > 0, "the kernel put every connection on one worker (p = 2^-11)"
        samples = speech_audio.samples[:16_000 * 3]
        samples = np.concatenate([samples, samples, samples])   # 9 s in real time

        def stream(channel):
            try:
                result = stream_samples(animation_pb2_grpc.AnimationServiceStub(channel), samples,
                                        common_pb2.AnimationOptions(), timeout=60)
                return result.status.code == common_pb2.StreamStatus.CODE_OK
            except grpc.RpcError as exc:
                assert exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED), exc
                return False

        with ThreadPoolExecutor(CONNECTIONS) as pool:
            streams = [pool.submit(stream, c) for c in channels]
            time.sleep(max(0.0, ready_at + 3.0 - time.monotonic()))
            os.kill(first, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while (replacements := [p for p in workers_of(process.pid) if p not in (first, survivor)]) == [] \
                    and time.monotonic() < deadline:
                time.sleep(0.05)
            assert replacements, "no replacement was started"
            with channel_to(address) as probe:
                assert pool_health(probe) == health_pb2.HealthCheckResponse.NOT_SERVING
            time.sleep(0.5)
            os.kill(replacements[0], signal.SIGKILL)   # a crash loop: the replacement dies at once too
            for _ in range(5):   # the port keeps answering, from the survivor
                assert answered(address) == health_pb2.HealthCheckResponse.SERVING
                time.sleep(0.2)
            completed = sum(s.result() for s in streams)
        assert completed >= on_survivor, "every stream on the healthy worker ran to its end"
        assert process.poll() is None and alive(survivor)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with channel_to(address) as probe:
                if pool_health(probe) == health_pb2.HealthCheckResponse.SERVING:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("the slot never served again")
        assert len(workers_of(process.pid)) == 2 and survivor in workers_of(process.pid)
        for c in channels:
            c.close()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    err = process.stderr.read()
    assert len(re.findall(r"worker ended index=\d: it was killed by SIGKILL", err)) == 2, err
    assert "restarting it in" in err and "Traceback" not in err


def test_workers_stop_when_the_parent_is_killed():
    process, _ = start_serve("--workers", "2")
    workers = workers_of(process.pid)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers)
