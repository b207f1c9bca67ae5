"""`ftalk bake` through object storage, as a farm without a shared file system runs it: `s3://` through
s3fs against a real S3-compatible HTTP server (moto), and `gs://` through gcsfs against a real GCS
JSON-API server (gcp-storage-emulator), each in its own process on a loopback port chosen by the OS.

The manifest, the audio it names, the head GLB and every output live in a bucket; the outputs must
equal a local bake's byte for byte, with one process and with a pool; the report lands in the bucket,
and a rerun skips every line.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import espeak_wav
from fantasy_talking.farm import bake

fsspec = pytest.importorskip("fsspec", reason="URLs need fsspec: pip install 'fantasy-talking[ray]' "
                                              "(tools/setup.sh does)")

S3_SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the test closes our stdin
server.stop()
"""

GCS_SERVER = """
import sys
from gcp_storage_emulator.server import create_server
server = create_server("127.0.0.1", 0, in_memory=True)
server.start()
print(server._api._httpd.server_address[1], flush=True)
sys.stdin.read()  # serve until the test closes our stdin
server.stop()
"""


@contextmanager
def _server(script: str, environment: dict[str, str]):
    """Run a storage server in a child process; set `environment` (with {port}) while it serves."""
    server = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    saved = {key: os.environ.get(key) for key in environment}
    try:
        port = int(server.stdout.readline())
        os.environ.update({key: value.format(port=port) for key, value in environment.items()})
        yield port
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _local_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "report.json"}


def _bake_through(url: str, tmp_path: Path) -> None:
    """Upload a small episode to `url` (a bucket), bake it there and compare with the local bake."""
    from test_farm_bake import tiny_head_glb  # a mesh with ARKit-named targets and neck/head joints

    local = tmp_path / "local"
    (local / "vo").mkdir(parents=True)
    espeak_wav(local / "vo" / "hello.wav", "Hello there, how are you today?")
    espeak_wav(local / "vo" / "fox.wav", "The quick brown fox jumps over the lazy dog.")
    (local / "head.glb").write_bytes(tiny_head_glb())
    (local / "lines.csv").write_text("audio,text,language,name\n"
                                     "vo/hello.wav,,en-US,\n"
                                     "vo/fox.wav,,en-US,takes/fox\n"
                                     ",Bonjour tout le monde.,fr-FR,spoken/fr\n"
                                     "vo/missing.wav,,,\n", encoding="utf-8")

    fs, bucket = fsspec.core.url_to_fs(url)
    fs.mkdir(bucket)
    fs.put(str(local) + "/", f"{bucket}/episode/", recursive=True)
    assert fs.isfile(f"{bucket}/episode/vo/hello.wav")

    def stored(prefix: str) -> dict[str, bytes]:
        fs.invalidate_cache()
        keys = sorted(fs.find(f"{bucket}/episode/{prefix}"))
        return {key.split(f"/{prefix}/", 1)[1]: fs.cat_file(key) for key in keys}

    options = dict(jobs=1, formats="csv,json,png")
    on_disk = bake(local / "lines.csv", tmp_path / "baked", head=local / "head.glb", **options)
    remote = dict(source=f"{url}/episode/lines.csv", head=f"{url}/episode/head.glb")
    started = time.perf_counter()
    in_bucket = bake(remote["source"], f"{url}/episode/baked", head=remote["head"], **options)
    assert time.perf_counter() - started < 120

    assert (in_bucket.done, in_bucket.failed) == (on_disk.done, on_disk.failed) == (3, 1)
    assert "no such file" in in_bucket.lines[3].reason
    expected = _local_files(tmp_path / "baked")
    assert {"vo/hello.glb", "takes/fox.png", "spoken/fr.wav", "spoken/fr.bake.json"} <= set(expected)
    files = stored("baked")
    assert files.pop("report.json")
    assert files == expected

    again = bake(remote["source"], f"{url}/episode/baked", head=remote["head"], **options)
    assert (again.done, again.skipped, again.failed) == (0, 3, 1)

    # The pool's workers reach the store too, with the credentials and endpoint set after this process's
    # fork server may have started (earlier bakes in the same process).
    pooled = bake(remote["source"], f"{url}/episode/pooled", head=remote["head"], formats="csv,json,png", jobs=2)
    assert (pooled.done, pooled.failed, pooled.backend) == (3, 1, "pool of 2")
    files = stored("pooled")
    files.pop("report.json")
    assert files == expected


def test_bake_reads_and_writes_s3_and_equals_the_local_bake_byte_for_byte(tmp_path):
    s3fs = pytest.importorskip("s3fs", reason="s3:// needs s3fs: pip install 'fantasy-talking[ray]'")
    pytest.importorskip("moto.server", reason="the S3 test server is moto[s3] with flask (dev dependencies)")
    environment = {"AWS_ENDPOINT_URL": "http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "farm-test",
                   "AWS_SECRET_ACCESS_KEY": "farm-test", "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    with _server(S3_SERVER, environment):
        s3fs.S3FileSystem.clear_instance_cache()
        try:
            _bake_through("s3://farm-test-bucket", tmp_path)
        finally:
            s3fs.S3FileSystem.clear_instance_cache()


def test_bake_reads_and_writes_gcs_and_equals_the_local_bake_byte_for_byte(tmp_path):
    gcsfs = pytest.importorskip("gcsfs", reason="gs:// needs gcsfs: pip install 'fantasy-talking[gcs]' "
                                                "(tools/setup.sh does)")
    pytest.importorskip("gcp_storage_emulator", reason="the GCS test server is gcp-storage-emulator (dev)")
    # The emulator takes no credentials; gcsfs talks to it anonymously when STORAGE_EMULATOR_HOST is set.
    with _server(GCS_SERVER, {"STORAGE_EMULATOR_HOST": "http://127.0.0.1:{port}"}):
        gcsfs.GCSFileSystem.clear_instance_cache()
        try:
            _bake_through("gs://farm-test-bucket", tmp_path)
        finally:
            gcsfs.GCSFileSystem.clear_instance_cache()
