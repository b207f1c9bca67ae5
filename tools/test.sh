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
# Unreal plugin (unreal_plugin/Tests): its engine-free C++ core, the source checks and, when native/
# was built into build/native (above), its C++ layer over libftalk_client against the real server.
# On a full run (no pytest arguments) unless FTALK_UNREAL=0; FTALK_UNREAL=1 forces it.
if [ "${FTALK_UNREAL:-}" = 1 ] || { [ $# -eq 0 ] && [ "${FTALK_UNREAL:-}" != 0 ]; }; then
  cmake -S unreal_plugin/Tests -B build/unreal_plugin_tests -DCMAKE_BUILD_TYPE=Release \
    -DFTALK_NATIVE_BUILD_DIR="$PWD/build/native" -DFTALK_NATIVE_INCLUDE_DIR="$PWD/native/include" >/dev/null
  cmake --build build/unreal_plugin_tests -j 2
  ctest --test-dir build/unreal_plugin_tests --output-on-failure
fi
# Unity package (unity_plugin/): Mono-compiled C#, NUnit, against build/native/libftalk_client.so.
if [ "${FTALK_UNITY:-}" = 1 ] || { [ $# -eq 0 ] && [ "${FTALK_UNITY:-}" != 0 ]; }; then
  bash tools/test_unity.sh
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
