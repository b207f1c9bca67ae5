#!/usr/bin/env bash
# One-shot set-up for a fresh Debian/Ubuntu machine with Python 3.11:
# system packages, a virtual environment in .venv, and the package in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
APT_PACKAGES=(espeak-ng libespeak-ng1 festival festvox-kallpc16k libgl1 libegl1 python3-venv libegl-mesa0 libgl1-mesa-dri blender python3-numpy chromium
              # the C++ streaming load generator, tools/bench/stream_load:
              cmake g++ pkg-config libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
              # the native client core's tests (native/): a self-signed certificate for TLS, nm for the exports check
              openssl binutils
              # the Unity package's engine-free C# and its NUnit tests (tools/test_unity.sh):
              mono-mcs nunit-console libnunit-framework2.6.3-cil)
missing=()
for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
# Node.js may come from elsewhere (NodeSource ships npm inside its nodejs, which conflicts with
# Debian's npm), so ask Debian for node and npm only when there is no npm at all.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[dev]"
.venv/bin/pip install -q -e ".[ray,gcs]"  # bake --ray, s3://, gs:// (tests/test_farm_ray.py, _storage.py)
(cd tests/js && npm ci --silent --no-audit --no-fund)  # gltf-validator, three, playwright-core for tests/test_head_*.py
(cd py_backend/fantasy_talking/console/web && npm ci --silent --no-audit --no-fund)  # three.js for `ftalk console`, served locally
echo "set-up done: .venv is ready (activate with: source .venv/bin/activate)"
