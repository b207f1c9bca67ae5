#!/usr/bin/env bash
# The whole test suite (the README's second quick-start command).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
