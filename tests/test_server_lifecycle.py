"""Start-up checks, shutdown drain, and clients that freeze or stop reading: real servers, real sockets."""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fantasy_talking.cli.main import main
from fantasy_talking.server.app import build_server
from fantasy_talking.server.client import auth_metadata, open_channel
from fantasy_talking.server.config import ConfigError, ServerConfig, token_from_env
from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2, info_pb2, info_pb2_grpc

Req = animation_pb2.StreamAnimationRequest
F32_16K = common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000, channels=1)
TONE = (0.2 * np.sin(np.arange(16_000 * 60) * 0.07)).astype("<f4")
FTALK = [sys.executable, "-m", "fantasy_talking.cli.main"]


def make_pair(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def two_pairs(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("pairs")
    return make_pair(folder, "a"), make_pair(folder, "b")


def health(channel) -> int:
    return health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5).status


def info(channel, token: str | None = None):
    return info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(info_pb2.GetServerInfoRequest(),
                                                                metadata=auth_metadata(token), timeout=5)


# ---------------------------------------------------------------- TLS and token at start

def test_a_tls_key_of_another_certificate_is_named_at_start(two_pairs, tmp_path, capsys):
    (cert_a, key_a), (_, key_b) = two_pairs
    with pytest.raises(ConfigError, match="does not belong to the certificate"):
        ServerConfig(port=0, tls_cert=cert_a, tls_key=key_b)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a PEM file\n")
    with pytest.raises(ConfigError, match="cannot read the TLS certificate"):
        ServerConfig(port=0, tls_cert=garbage, tls_key=key_a)
    assert main(["serve", "--port", "0", "--tls-cert", str(cert_a), "--tls-key", str(key_b)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not belong" in err and "Failed to bind" not in err
    running = build_server(ServerConfig(port=0, tls_cert=cert_a, tls_key=key_a))   # the right pair serves
    running.stop(0).wait()


def test_the_token_can_come_from_a_file(tmp_path, capsys):
    token_file = tmp_path / "token"
    token_file.write_text("file-s3cret\n")
    assert token_from_env(None, token_file) == "file-s3cret"
    running = build_server(ServerConfig(port=0, token=token_from_env(None, token_file)))
    try:
        with open_channel(running.address) as channel:
            assert info(channel, "file-s3cret").version
            with pytest.raises(grpc.RpcError) as caught:
                info(channel, None)
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    finally:
        running.stop(0).wait()
    for content, hint in [("", "one token on one line"), ("two words\n", "one token on one line")]:
        token_file.write_text(content)
        with pytest.raises(ConfigError, match=hint):
            token_from_env(None, token_file)
    assert main(["serve", "--port", "0", "--token-file", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read the token file" in err


# ---------------------------------------------------------------- shutdown: drain, then a final status

def test_stop_drains_then_closes_open_streams_with_a_final_status():
    running = build_server(ServerConfig(port=0, drain_seconds=1.0, grace_seconds=1.0))
    received: list = []
    sending = threading.Event()
    done = threading.Event()

    def requests():
        yield Req(config=animation_pb2.StreamConfig(audio_format=F32_16K, idle_after_ms=10_000))
        for i in range(0, len(TONE), 320):
            sending.set()
            if done.wait(0.02):
                return
            yield Req(audio=TONE[i:i + 320].tobytes())

    with open_channel(running.address) as channel:
        stub = animation_pb2_grpc.AnimationServiceStub(channel)
        call = stub.StreamAnimation(requests())
        reader = threading.Thread(target=lambda: received.extend(call))
        reader.start()
        sending.wait(10)
        time.sleep(0.5)
        stopped = running.stop()
        started = time.monotonic()
        time.sleep(0.3)
        with open_channel(running.address) as probe:
            assert health(probe) == health_pb2.HealthCheckResponse.NOT_SERVING
            assert info(probe).version, "new calls are still served while draining"
        time.sleep(max(0.0, started + 1.3 - time.monotonic()))
        with open_channel(running.address) as late:
            with pytest.raises(grpc.RpcError) as caught:
                info(late)
            assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
        reader.join(10)
        done.set()
        assert stopped.wait(10)
    assert call.code() == grpc.StatusCode.OK
    kinds = [r.WhichOneof("response") for r in received]
    assert kinds[0] == "header" and kinds[-1] == "status"
    status = received[-1].status
    assert status.code == common_pb2.StreamStatus.CODE_SHUTDOWN and "shutting down" in status.message
    frames = [r.frame for r in received if r.WhichOneof("response") == "frame"]
    assert status.frames == len(frames) > 30
    assert abs(frames[-1].time_s - status.audio_seconds) < 0.05, "every frame of the audio received was sent"


def test_sigterm_on_ftalk_serve_drains_and_ends_streams_with_a_status():
    process = subprocess.Popen([*FTALK, "serve", "--port", "0", "--drain-seconds", "1", "--grace-seconds", "1"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        address = line.split("listening on ")[1].split()[0]
        with open_channel(address) as channel:
            stub = animation_pb2_grpc.AnimationServiceStub(channel)
            stop = threading.Event()

            def requests():
                yield Req(config=animation_pb2.StreamConfig(audio_format=F32_16K, idle_after_ms=10_000))
                for i in range(0, len(TONE), 320):
                    if stop.wait(0.02):
                        return
                    yield Req(audio=TONE[i:i + 320].tobytes())

            call = stub.StreamAnimation(requests())
            assert next(call).WhichOneof("response") == "header"
            process.send_signal(signal.SIGTERM)
            time.sleep(0.4)
            assert health(channel) == health_pb2.HealthCheckResponse.NOT_SERVING
            last = None
            for last in call:
                pass
            stop.set()
            assert last.WhichOneof("response") == "status"
            assert last.status.code == common_pb2.StreamStatus.CODE_SHUTDOWN
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# ---------------------------------------------------------------- frozen and non-reading clients

CLIENT = r"""
import sys, time, numpy as np, grpc
from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2
Req = animation_pb2.StreamAnimationRequest
fmt = common_pb2.AudioFormat(encoding=2, sample_rate_hz=16000, channels=1)
tone = (0.2 * np.sin(np.arange(320) * 0.07)).astype("<f4").tobytes()
def requests():
    yield Req(config=animation_pb2.StreamConfig(audio_format=fmt))
    while True:
        time.sleep(0.02)
        yield Req(audio=tone)
call = animation_pb2_grpc.AnimationServiceStub(grpc.insecure_channel(sys.argv[1])).StreamAnimation(requests())
next(call)
print("streaming", flush=True)
for _ in call:
    pass
"""


def wait_for_a_slot(stub, seconds: float) -> float:
    """Seconds until a new stream is admitted (the only slot is held by someone else until then)."""
    started = time.monotonic()
    while True:
        try:
            call = stub.StreamAnimation(iter([Req(config=animation_pb2.StreamConfig(audio_format=F32_16K)),
                                              Req(end=animation_pb2.EndOfAudio())]), timeout=10)
            assert list(call)[-1].status.code == common_pb2.StreamStatus.CODE_OK
            return time.monotonic() - started
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, exc.details()
            assert time.monotonic() - started < seconds, f"the slot was still held after {seconds} s"
            time.sleep(0.2)


def test_a_frozen_client_frees_its_slot_within_seconds():
    """A client process stopped with SIGSTOP keeps its TCP connection open but answers nothing;
    keepalive (1 s + 1 s here) closes the connection and frees the slot."""
    running = build_server(ServerConfig(port=0, max_concurrent_streams=1, keepalive_s=1.0, keepalive_timeout_s=1.0,
                                        write_timeout_s=30.0))
    client = subprocess.Popen([sys.executable, "-c", CLIENT, running.address], stdout=subprocess.PIPE, text=True)
    try:
        assert client.stdout.readline().strip() == "streaming"
        with open_channel(running.address) as channel:
            stub = animation_pb2_grpc.AnimationServiceStub(channel)
            with pytest.raises(grpc.RpcError) as caught:
                list(stub.StreamAnimation(iter([Req(config=animation_pb2.StreamConfig(audio_format=F32_16K))])))
            assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            client.send_signal(signal.SIGSTOP)
            waited = wait_for_a_slot(stub, 15.0)
        print(f"slot free {waited:.1f} s after the client froze")
    finally:
        client.kill()
        client.wait()
        running.stop(0).wait()


def test_a_client_that_stops_reading_loses_its_stream_after_the_write_timeout():
    """Its pings are answered (its gRPC threads run) but it reads nothing: flow control stalls the
    server's writes, and the write timeout (1 s here) ends the stream and frees the slot."""
    running = build_server(ServerConfig(port=0, max_concurrent_streams=1, write_timeout_s=1.0))
    channel = grpc.insecure_channel(running.address, options=[("grpc.http2.bdp_probe", 0)])
    try:
        stub = animation_pb2_grpc.AnimationServiceStub(channel)
        chunks = [Req(audio=TONE[i:i + 16_000].tobytes()) for i in range(0, len(TONE), 16_000)]
        ignored = stub.StreamAnimation(iter([Req(config=animation_pb2.StreamConfig(audio_format=F32_16K,
                                                                                    idle_after_ms=10_000)),
                                             *chunks, *chunks, *chunks]))
        assert next(ignored).WhichOneof("response") == "header"   # ... and then never reads again
        with open_channel(running.address) as other:
            waited = wait_for_a_slot(animation_pb2_grpc.AnimationServiceStub(other), 15.0)
        print(f"slot free {waited:.1f} s after the client stopped reading")
        ignored.cancel()
    finally:
        channel.close()
        running.stop(0).wait()
