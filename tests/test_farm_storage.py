"""`ftalk bake` through object storage: a real S3-compatible HTTP server (moto, in its own process, on
a loopback port chosen by the OS) and s3fs, as a farm without a shared file system runs it.

The manifest, the audio it names, the head GLB and every output live in a bucket; the outputs must
equal a local bake's byte for byte, the report lands in the bucket, and a rerun skips every line.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import espeak_wav
from fantasy_talking.farm import bake

s3fs = pytest.importorskip("s3fs", reason="s3:// needs s3fs: pip install 'fantasy-talking[ray]' (tools/setup.sh does)")
pytest.importorskip("moto.server", reason="the S3 test server is moto[s3] with flask (dev dependencies)")

SERVER = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the test closes our stdin
"""


@pytest.fixture(scope="module")
def s3_endpoint():
    """An S3 endpoint on 127.0.0.1 in a child process; the AWS_* variables point s3fs (botocore) at it."""
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(server.stdout.readline())
        endpoint = f"http://127.0.0.1:{port}"
        saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                               "AWS_DEFAULT_REGION", "AWS_CONFIG_FILE",
                                               "AWS_SHARED_CREDENTIALS_FILE")}
        os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="farm-test", AWS_SECRET_ACCESS_KEY="farm-test",
                          AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                          AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        s3fs.S3FileSystem.clear_instance_cache()
        yield endpoint
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        s3fs.S3FileSystem.clear_instance_cache()
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _local_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "report.json"}


def test_bake_reads_and_writes_s3_and_equals_the_local_bake_byte_for_byte(s3_endpoint, tmp_path):
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

    fs = s3fs.S3FileSystem()
    fs.mkdir("farm-test-bucket")
    fs.put(str(local) + "/", "farm-test-bucket/episode/", recursive=True)
    assert fs.isfile("farm-test-bucket/episode/vo/hello.wav")

    options = dict(jobs=1, formats="csv,json,png")
    on_disk = bake(local / "lines.csv", tmp_path / "baked", head=local / "head.glb", **options)
    started = time.perf_counter()
    on_s3 = bake("s3://farm-test-bucket/episode/lines.csv", "s3://farm-test-bucket/episode/baked",
                 head="s3://farm-test-bucket/episode/head.glb", **options)
    assert time.perf_counter() - started < 120

    assert (on_s3.done, on_s3.failed) == (on_disk.done, on_disk.failed) == (3, 1)
    assert "no such file" in on_s3.lines[3].reason
    expected = _local_files(tmp_path / "baked")
    assert {"vo/hello.glb", "takes/fox.png", "spoken/fr.wav", "spoken/fr.bake.json"} <= set(expected)
    fs.invalidate_cache()
    keys = sorted(fs.find("farm-test-bucket/episode/baked"))
    stored = {key.split("/baked/", 1)[1]: fs.cat_file(key) for key in keys}
    assert "report.json" in stored
    stored.pop("report.json")
    assert stored == expected

    again = bake("s3://farm-test-bucket/episode/lines.csv", "s3://farm-test-bucket/episode/baked",
                 head="s3://farm-test-bucket/episode/head.glb", **options)
    assert (again.done, again.skipped, again.failed) == (0, 3, 1)

    # The pool's workers reach the store too, with the credentials and endpoint set after this process's
    # fork server may have started (earlier bakes in the same process).
    pooled = bake("s3://farm-test-bucket/episode/lines.csv", "s3://farm-test-bucket/episode/pooled",
                  head="s3://farm-test-bucket/episode/head.glb", formats="csv,json,png", jobs=2)
    assert (pooled.done, pooled.failed, pooled.backend) == (3, 1, "pool of 2")
    fs.invalidate_cache()
    pooled_files = {key.split("/pooled/", 1)[1]: fs.cat_file(key)
                    for key in fs.find("farm-test-bucket/episode/pooled") if not key.endswith("/report.json")}
    assert pooled_files == expected
