#!/usr/bin/env bash
# The whole test suite (the README's second quick-start command).
set -euo pipefail
cd "$(dirname "$0")/.."
# The native client core (native/): build into build/native and run its CTest suite first, on a
# full run (no pytest arguments) unless FTALK_NATIVE=0; FTALK_NATIVE=1 forces it.
if [ "${FTALK_NATIVE:-}" = 1 ] || { [ $# -eq 0 ] && [ "${FTALK_NATIVE:-}" != 0 ]; }; then
  cmake -S native -B build/native >/dev/null  # Release unless the build folder says otherwise
  cmake --build build/native -j "$(nproc)"
  ctest --test-dir build/native --output-on-failure -j 2
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
