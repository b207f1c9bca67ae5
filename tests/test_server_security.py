"""Bearer-token auth and TLS on real listeners; configuration mistakes fail before serving."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fantasy_talking.server.app import build_server
from fantasy_talking.server.client import auth_metadata, open_channel, stream_samples
from fantasy_talking.server.config import ConfigError, ServerConfig
from fantasytalking.v1 import animation_pb2, animation_pb2_grpc, common_pb2, info_pb2, info_pb2_grpc

TOKEN = "s3cret-token"
TONE = (0.2 * np.sin(np.arange(8000) * 0.07)).astype(np.float32)


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for localhost, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def secured(tls_files):
    cert, key = tls_files
    running = build_server(ServerConfig(host="localhost", port=0, token=TOKEN, tls_cert=cert, tls_key=key))
    yield running
    running.stop(0).wait()


def get_info(channel, token: str | None):
    return info_pb2_grpc.InfoServiceStub(channel).GetServerInfo(info_pb2.GetServerInfoRequest(),
                                                                metadata=auth_metadata(token), timeout=10)


@pytest.mark.parametrize("token, hint", [(None, "missing token"), ("wrong", "wrong token")])
def test_calls_without_the_right_token_are_unauthenticated(secured, tls_files, token, hint):
    with open_channel(f"localhost:{secured.port}", tls_files[0]) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            get_info(channel, token)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert hint in caught.value.details()
        stub = animation_pb2_grpc.AnimationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stream_samples(stub, TONE, common_pb2.AnimationOptions(), realtime=False, token=token)
        assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert get_info(channel, TOKEN).version


def test_the_right_token_over_tls_streams_and_animates(secured, tls_files):
    with open_channel(f"localhost:{secured.port}", tls_files[0]) as channel:
        stub = animation_pb2_grpc.AnimationServiceStub(channel)
        result = stream_samples(stub, TONE, common_pb2.AnimationOptions(), realtime=False, token=TOKEN)
        assert result.status.code == common_pb2.StreamStatus.CODE_OK
        assert len(result.frames) == 15
        clip = stub.AnimateClip(animation_pb2.AnimateClipRequest(pcm=animation_pb2.RawAudio(
            format=common_pb2.AudioFormat(encoding=common_pb2.AUDIO_ENCODING_PCM_F32LE, sample_rate_hz=16_000,
                                          channels=1), data=TONE.tobytes())), metadata=auth_metadata(TOKEN))
        assert len(clip.frames) == 15


def test_health_is_open_without_a_token(secured, tls_files):
    with open_channel(f"localhost:{secured.port}", tls_files[0]) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_a_plaintext_client_cannot_talk_to_a_tls_server(secured):
    with open_channel(f"localhost:{secured.port}") as channel:
        with pytest.raises(grpc.RpcError) as caught:
            get_info(channel, TOKEN)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


def test_stop_reports_not_serving_then_refuses_calls():
    running = build_server(ServerConfig(port=0))
    with open_channel(running.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
        running.stop(0).wait()
        with pytest.raises(grpc.RpcError) as caught:
            get_info(channel, None)
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("kwargs, message", [
    (dict(tls_cert=Path("cert.pem")), "needs both"),
    (dict(tls_cert=Path("/no/cert.pem"), tls_key=Path("/no/key.pem")), "not found"),
    (dict(token="  "), "token is empty"),
    (dict(port=70000), "port must be"),
    (dict(max_concurrent_streams=0), "concurrent streams"),
])
def test_bad_server_settings_fail_with_a_clear_message(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        ServerConfig(**kwargs)


def test_a_busy_port_is_a_config_error():
    first = build_server(ServerConfig(port=0))
    try:
        with pytest.raises(ConfigError, match="cannot listen"):
            build_server(ServerConfig(port=first.port))
    finally:
        first.stop(0).wait()
