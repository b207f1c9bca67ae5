#!/usr/bin/env bash
# The whole test suite (the README's second quick-start command).
set -euo pipefail
cd "$(dirname "$0")/.."
# Unreal plugin (unreal_plugin/Tests): its engine-free C++ core, the source checks and, when native/
# was built into build/native (above), its C++ layer over libftalk_client against the real server.
# On a full run (no pytest arguments) unless FTALK_UNREAL=0; FTALK_UNREAL=1 forces it.
if [ "${FTALK_UNREAL:-}" = 1 ] || { [ $# -eq 0 ] && [ "${FTALK_UNREAL:-}" != 0 ]; }; then
  cmake -S unreal_plugin/Tests -B build/unreal_plugin_tests -DCMAKE_BUILD_TYPE=Release \
    -DFTALK_NATIVE_BUILD_DIR="$PWD/build/native" -DFTALK_NATIVE_INCLUDE_DIR="$PWD/native/include" >/dev/null
  cmake --build build/unreal_plugin_tests -j 2
  ctest --test-dir build/unreal_plugin_tests --output-on-failure
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
