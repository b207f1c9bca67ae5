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
import time
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
        yield f"127.0.0.1:{port}"
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
    on_ray = bake(manifest, tmp_path / "ray", ray=ray_cluster, formats="csv,json,png")

    assert (on_ray.done, on_ray.failed) == (local.done, local.failed) == (5, 1)
    assert on_ray.backend == f"ray {ray_cluster} (2 CPUs)"
    assert [line.reason for line in on_ray.lines] == [line.reason for line in local.lines]

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
                if p.is_file() and p.name != "report.json"}

    assert files(tmp_path / "ray") == files(tmp_path / "local")
    workers = {line.worker for line in on_ray.lines if line.status == "done"}
    assert len(workers) >= 2, f"both nodes should have baked lines, got {workers}"

    again = bake(manifest, tmp_path / "ray", ray=ray_cluster, formats="csv,json,png")
    assert (again.done, again.skipped) == (0, 5)
