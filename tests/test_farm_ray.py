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


@pytest.fixture(scope="module")
def ray_cluster():
    ray_bin = Path(sys.executable).with_name("ray")
    if not ray_bin.exists():
        pytest.skip("the `ray` command is missing from this environment")
    folder = tempfile.mkdtemp(prefix="rt", dir="/tmp")  # Unix socket paths must stay short
    port = _free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--num-cpus", "1", "--node-ip-address", "127.0.0.1", "--disable-usage-stats", "--block",
              "--object-store-memory", str(100 * 1024 * 1024)]
    head = [str(ray_bin), "start", "--head", "--port", str(port), "--temp-dir", folder, "--include-dashboard",
            "false", "--ray-client-server-port", str(_free_port()), *common]
    worker = [str(ray_bin), "start", "--address", f"127.0.0.1:{port}", *common]
    processes: list[subprocess.Popen] = []
    previous = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # this driver joins the loopback cluster the same way
    try:
        deadline = time.time() + START_TIMEOUT_S
        processes.append(subprocess.Popen(head, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        _wait_for_nodes(f"127.0.0.1:{port}", 1, env, deadline)
        processes.append(subprocess.Popen(worker, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True))
        _wait_for_nodes(f"127.0.0.1:{port}", 2, env, deadline)
        yield Cluster(f"127.0.0.1:{port}", folder)
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
    for pid in _descendants(_ours(cluster.folder)):
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


def test_a_ray_worker_killed_mid_task_is_retried_and_the_bake_still_equals_the_local_one(ray_cluster, tmp_path):
    """One line's audio is a named pipe, so the task baking it blocks mid-task until the test writes
    the audio: the test kills that worker process there (SIGKILL, as the OOM killer or a lost node
    would), Ray retries the task on a fresh worker, and the bake completes with the local bytes."""
    vo = tmp_path / "vo"
    vo.mkdir()
    for i, text in enumerate(["Hello there, how are you today?", "Please call Stella and ask her to bring these.",
                              "Maybe the bold moon will pop up tonight."]):
        espeak_wav(vo / f"line{i}.wav", text)
    slow = espeak_wav(tmp_path / "slow-source.wav", "The quick brown fox jumps over the lazy dog.").read_bytes()
    manifest = tmp_path / "lines.csv"
    manifest.write_text("audio,language\n" + "".join(f"vo/line{i}.wav,en-US\n" for i in range(3))
                        + "vo/slow.wav,en-US\n", encoding="utf-8")
    (vo / "slow.wav").write_bytes(slow)
    local = bake(manifest, tmp_path / "local", jobs=1, formats="csv,json,png")
    assert local.done == 4

    (vo / "slow.wav").unlink()
    os.mkfifo(vo / "slow.wav")
    # Held open for writing (O_RDWR never blocks on a FIFO), so a worker's open succeeds and its read
    # blocks with the pipe among its open files, where the test can see it.
    pipe = os.open(vo / "slow.wav", os.O_RDWR)
    outcome: dict = {}
    baking = threading.Thread(target=lambda: outcome.update(report=bake(manifest, tmp_path / "ray",
                                                                        ray=ray_cluster.address,
                                                                        formats="csv,json,png")))
    baking.start()
    try:
        deadline = time.time() + 60
        victim = _wait_for_reader(ray_cluster, vo / "slow.wav", set(), deadline)
        os.kill(victim, signal.SIGKILL)  # mid-task: it is blocked reading the line's audio
        _wait_for_reader(ray_cluster, vo / "slow.wav", {victim}, deadline)
        os.write(pipe, slow)  # the retry is reading: it gets the audio, then end-of-file when we close
    finally:
        os.close(pipe)  # (on a failure above, a reader gets end-of-file and the bake ends)
        baking.join(timeout=120)
    assert not baking.is_alive(), "the bake did not finish after the retried task got its audio"

    report = outcome["report"]
    # Lines of the killed task that it had already written are skipped by the retry (their stamps match).
    assert (report.done + report.skipped, report.failed) == (4, 0), report.summary()
    slow_line = next(line for line in report.lines if line.name == "vo/slow")
    assert not slow_line.worker.endswith(f":{victim}"), "the killed worker cannot have finished the line"

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and p.name != "report.json"}

    assert files(tmp_path / "ray") == files(tmp_path / "local")
