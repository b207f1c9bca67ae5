"""`ftalk bake --ray ADDRESS` on a real two-node Ray cluster on loopback: same bytes as the local bake.

The cluster is a head (`ray start --head`) and one more node (`ray start --address`), one CPU each,
in a private temporary folder, so the test touches no other Ray on the machine. Both are started
with `--block` and stopped by signalling them; anything left whose command line names the private
folder is killed by its process id.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import espeak_wav
from fantasy_talking.farm import bake

ray = pytest.importorskip("ray", reason="Ray is optional: pip install 'fantasy-talking[ray]' (tools/setup.sh does)")

START_TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ours(marker: str) -> list[int]:
    """Process ids whose command line names our private Ray folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _wait_for_nodes(address: str, count: int, env: dict, deadline: float) -> None:
    script = (f"import ray, time\nray.init(address={address!r}, logging_level='ERROR')\n"
              f"while len([n for n in ray.nodes() if n['Alive']]) < {count}: time.sleep(0.5)\n")
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=max(5.0, deadline - time.time()),
                   capture_output=True)


@dataclass(frozen=True)
class Cluster:
    address: str
    folder: str
    """The cluster's private temporary folder: every process of ours names it, or descends from one that does."""
    workers: tuple[subprocess.Popen, ...] = ()
    """The `ray start --address` process of each worker node."""


@contextmanager
def _cluster(head_cpus: int, workers: int, env_extra: dict | None = None):
    """A head with `head_cpus` CPUs and `workers` one-CPU worker nodes, on loopback, in a private folder."""
    ray_bin = Path(sys.executable).with_name("ray")
    if not ray_bin.exists():
        pytest.skip("the `ray` command is missing from this environment")
    folder = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # Unix socket paths must stay short
    port = _free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", **(env_extra or {})}
    common = ["--node-ip-address", "127.0.0.1", "--disable-usage-stats", "--block",
              "--object-store-memory", str(100 * 1024 * 1024)]
    head = [str(ray_bin), "start", "--head", "--port", str(port), "--temp-dir", folder, "--include-dashboard",
            "false", "--ray-client-server-port", str(_free_port()), "--num-cpus", str(head_cpus), *common]
    worker = [str(ray_bin), "start", "--address", f"127.0.0.1:{port}", "--num-cpus", "1", *common]
    processes: list[subprocess.Popen] = []
    previous = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # this driver joins the loopback cluster the same way
    try:
        deadline = time.time() + START_TIMEOUT_S
        processes.append(subprocess.Popen(head, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        _wait_for_nodes(f"127.0.0.1:{port}", 1, env, deadline)
        for count in range(2, 2 + workers):  # one at a time: nodes joining together can time out on 2 busy cores
            processes.append(subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL, start_new_session=True))
            _wait_for_nodes(f"127.0.0.1:{port}", count, env, deadline)
        yield Cluster(f"127.0.0.1:{port}", folder, tuple(processes[1:]))
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for pid in _ours(folder):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        shutil.rmtree(folder, ignore_errors=True)
        if previous is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = previous


@pytest.fixture(scope="module")
def ray_cluster():
    with _cluster(head_cpus=1, workers=1) as cluster:
        yield cluster


def test_ray_bake_on_two_nodes_equals_the_local_bake_byte_for_byte(ray_cluster, tmp_path):
    address = ray_cluster.address
    vo = tmp_path / "vo"
    vo.mkdir()
    sentences = ["Hello there, how are you today?", "The quick brown fox jumps over the lazy dog.",
                 "Please call Stella and ask her to bring these things.", "Maybe the bold moon will pop up."]
    for i, text in enumerate(sentences):
        espeak_wav(vo / f"line{i}.wav", text)
    manifest = tmp_path / "lines.csv"
    manifest.write_text("audio,text,language,name\n"
                        + "".join(f"vo/line{i}.wav,,en-US,\n" for i in range(len(sentences)))
                        + ",Bonjour tout le monde.,fr-FR,spoken/fr\n"
                        + "vo/missing.wav,,,\n", encoding="utf-8")

    local = bake(manifest, tmp_path / "local", jobs=1, formats="csv,json,png")
    on_ray = bake(manifest, tmp_path / "ray", ray=address, formats="csv,json,png")

    assert (on_ray.done, on_ray.failed) == (local.done, local.failed) == (5, 1)
    assert on_ray.backend == f"ray {address} (2 CPUs)"
    assert [line.reason for line in on_ray.lines] == [line.reason for line in local.lines]

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and p.name != "report.json"}

    assert files(tmp_path / "ray") == files(tmp_path / "local")
    workers = {line.worker for line in on_ray.lines if line.status == "done"}
    assert len(workers) >= 2, f"both nodes should have baked lines, got {workers}"

    again = bake(manifest, tmp_path / "ray", ray=address, formats="csv,json,png")
    assert (again.done, again.skipped) == (0, 5)


def _descendants(roots: list[int]) -> set[int]:
    """`roots` and every process below them."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = set(), list(roots)
    while stack:
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack += children.get(pid, [])
    return found


def _readers(cluster: Cluster, fifo: Path) -> set[int]:
    """Processes of our cluster that have `fifo` open: Ray workers blocked inside a bake task."""
    readers = set()
    for pid in _descendants(_ours(cluster.folder) + [node.pid for node in cluster.workers]):
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == str(fifo):
                    readers.add(pid)
            except OSError:
                pass
    return readers


def _wait_for_reader(cluster: Cluster, fifo: Path, other_than: set[int], deadline: float) -> int:
    while time.time() < deadline:
        readers = _readers(cluster, fifo) - other_than
        if readers:
            return min(readers)
        time.sleep(0.1)
    raise AssertionError(f"no Ray worker of ours opened {fifo} in time")


def _lines_with_a_pipe(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """Four audio lines baked locally into tmp_path/local; then line vo/slow.wav becomes a named pipe, so
    the task that bakes it blocks mid-task until the test writes the audio. Returns manifest, pipe, audio."""
    vo = tmp_path / "vo"
    vo.mkdir()
    for i, text in enumerate(["Hello there, how are you today?", "Please call Stella and ask her to bring these.",
                              "Maybe the bold moon will pop up tonight."]):
        espeak_wav(vo / f"line{i}.wav", text)
    slow = espeak_wav(vo / "slow.wav", "The quick brown fox jumps over the lazy dog.").read_bytes()
    manifest = tmp_path / "lines.csv"
    manifest.write_text("audio,language\n" + "".join(f"vo/line{i}.wav,en-US\n" for i in range(3))
                        + "vo/slow.wav,en-US\n", encoding="utf-8")
    assert bake(manifest, tmp_path / "local", jobs=1, formats="csv,json,png").done == 4
    (vo / "slow.wav").unlink()
    os.mkfifo(vo / "slow.wav")
    return manifest, vo / "slow.wav", slow


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "report.json"}


def _bake_in_background(manifest: Path, out: Path, address: str) -> tuple[threading.Thread, dict]:
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.update(report=bake(manifest, out, ray=address,
                                                                        formats="csv,json,png")))
    thread.start()
    return thread, outcome


def _check_retried_bake(report, victims: set[int], tmp_path: Path) -> None:
    # Lines of the lost task that it had already written are skipped by the retry (their stamps match).
    assert (report.done + report.skipped, report.failed) == (4, 0), report.summary()
    slow_line = next(line for line in report.lines if line.name == "vo/slow")
    assert int(slow_line.worker.rsplit(":", 1)[1]) not in victims, "a killed worker cannot have finished the line"
    assert _files(tmp_path / "ray") == _files(tmp_path / "local")


def test_a_ray_worker_killed_mid_task_is_retried_and_the_bake_still_equals_the_local_one(ray_cluster, tmp_path):
    """The task baking the piped line blocks reading its audio: the test kills that worker process there
    (SIGKILL, as the OOM killer would), Ray retries the task on a fresh worker, and the bake completes
    with the local bytes."""
    manifest, fifo, slow = _lines_with_a_pipe(tmp_path)
    # Held open for writing (O_RDWR never blocks on a FIFO), so a worker's open succeeds and its read
    # blocks with the pipe among its open files, where the test can see it.
    pipe = os.open(fifo, os.O_RDWR)
    baking, outcome = _bake_in_background(manifest, tmp_path / "ray", ray_cluster.address)
    try:
        deadline = time.time() + 60
        victim = _wait_for_reader(ray_cluster, fifo, set(), deadline)
        os.kill(victim, signal.SIGKILL)
        _wait_for_reader(ray_cluster, fifo, {victim}, deadline)
        os.write(pipe, slow)  # the retry is reading: it gets the audio, then end-of-file when we close
    finally:
        os.close(pipe)  # (on a failure above, a reader gets end-of-file and the bake ends)
        baking.join(timeout=120)
    assert not baking.is_alive(), "the bake did not finish after the retried task got its audio"
    _check_retried_bake(outcome["report"], {victim}, tmp_path)


FAST_NODE_FAILURE_DETECTION = {"RAY_health_check_period_ms": "1000", "RAY_health_check_timeout_ms": "1000",
                               "RAY_health_check_failure_threshold": "5"}
"""The head declares a silent node dead after ~5 s (Ray's default is ~30 s); not faster, or a node merely
slowed by a busy machine would be declared dead too."""


def test_a_worker_node_lost_mid_task_is_retried_on_the_other_node(tmp_path):
    """A head that only schedules and two worker nodes; the node whose task is blocked on the piped line
    is killed whole (its `ray start`, raylet and workers: a machine lost), and the task reruns on the
    other node."""
    manifest, fifo, slow = _lines_with_a_pipe(tmp_path)
    with _cluster(head_cpus=0, workers=2, env_extra=FAST_NODE_FAILURE_DETECTION) as cluster:
        pipe = os.open(fifo, os.O_RDWR)
        baking, outcome = _bake_in_background(manifest, tmp_path / "ray", cluster.address)
        try:
            deadline = time.time() + 90
            reader = _wait_for_reader(cluster, fifo, set(), deadline)
            lost = next(node for node in cluster.workers if reader in _descendants([node.pid]))
            victims = _descendants([lost.pid])
            for pid in victims:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            retry = _wait_for_reader(cluster, fifo, victims, deadline)
            survivor = next(node for node in cluster.workers if node is not lost)
            assert retry in _descendants([survivor.pid]), "the task must rerun on the surviving node"
            os.write(pipe, slow)
        finally:
            os.close(pipe)
            baking.join(timeout=150)
        assert not baking.is_alive(), "the bake did not finish after its node was lost"
    _check_retried_bake(outcome["report"], victims, tmp_path)
