#!/usr/bin/env bash
# The whole test suite (the README's second quick-start command).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/test_unity.sh  # Unity package: Mono-compiled C#, NUnit, against build/native/libftalk_client.so
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
