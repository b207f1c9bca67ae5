#!/usr/bin/env bash
# Compiles the Unity package's engine-free code (Runtime/Native + Runtime/Core) and its tests with
# Mono's mcs, and runs them with Debian's nunit-console (NUnit 2.6). The live tests load the native
# client library and start `ftalk serve` on a free loopback port.
#   FTALK_NATIVE_LIB_DIR  folder holding libftalk_client.so (default: build/native)
#   FTALK_BIN             the ftalk command for the test server (default: .venv/bin/ftalk)
#   extra arguments go to nunit-console (e.g. -run=FantasyTalking.Tests.LiveTests)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LIB_DIR=$(realpath -m "${FTALK_NATIVE_LIB_DIR:-build/native}")
OUT=build/unity
PKG=unity_plugin
NUNIT=$(ls /usr/lib/cli/nunit.framework-2.6*/nunit.framework.dll | head -n 1)  # Debian's libnunit-framework2.6.3-cil
if [ ! -f "$LIB_DIR/libftalk_client.so" ] && [ -z "${FTALK_NATIVE_LIB_DIR:-}" ] && [ -f native/CMakeLists.txt ]; then
  # The suite normally builds the core first; build it here when run on its own.
  cmake -S native -B build/native -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/native -j 2 --target ftalk_client >/dev/null
fi
if [ ! -f "$LIB_DIR/libftalk_client.so" ]; then
  if [ -n "${FTALK_NATIVE_LIB_DIR:-}" ] || [ -f native/CMakeLists.txt ]; then
    echo "test_unity.sh: $LIB_DIR/libftalk_client.so not found (build the native core from native/ first, or set FTALK_NATIVE_LIB_DIR)" >&2
    exit 2
  fi
  # A tree without the native core (native/): the live tests report themselves ignored, saying why.
  echo "test_unity.sh: no native/ in this tree and no libftalk_client.so: running the engine-free tests only" >&2
fi
python3 tools/unity_meta.py --check
mkdir -p "$OUT"
# One assembly per .asmdef, as Unity builds them; -warnaserror because Unity shows every warning.
MCS="mcs -nologo -warnaserror -target:library"
$MCS -out:"$OUT/FantasyTalking.Native.dll" $(find "$PKG/Runtime/Native" -name '*.cs' | sort)
$MCS -r:"$OUT/FantasyTalking.Native.dll" -out:"$OUT/FantasyTalking.Core.dll" $(find "$PKG/Runtime/Core" -name '*.cs' | sort)
$MCS -define:NUNIT2 -r:"$OUT/FantasyTalking.Native.dll" -r:"$OUT/FantasyTalking.Core.dll" -r:"$NUNIT" \
    -out:"$OUT/FantasyTalking.Tests.dll" $(find "$PKG/Tests/Editor" -name '*.cs' | sort)
# The engine layer (Components, Timeline, Editor, Sample) against declarations of Unity's API
# (tools/unity_stubs): Unity is not here, so this checks syntax, names and types, not behaviour.
$MCS -out:"$OUT/UnityApi.dll" tools/unity_stubs/UnityApi.cs
ENGINE="-r:$OUT/UnityApi.dll -r:$OUT/FantasyTalking.Native.dll -r:$OUT/FantasyTalking.Core.dll"
$MCS $ENGINE -out:"$OUT/FantasyTalking.Runtime.Player.dll" $(find "$PKG/Runtime/Components" -name '*.cs' | sort)
$MCS $ENGINE -define:UNITY_EDITOR -out:"$OUT/FantasyTalking.Runtime.dll" $(find "$PKG/Runtime/Components" -name '*.cs' | sort)
ENGINE="$ENGINE -r:$OUT/FantasyTalking.Runtime.dll"
$MCS $ENGINE -out:"$OUT/FantasyTalking.Timeline.dll" $(find "$PKG/Runtime/Timeline" -name '*.cs' | sort)
$MCS $ENGINE -define:UNITY_EDITOR -r:"$OUT/FantasyTalking.Timeline.dll" -out:"$OUT/FantasyTalking.Editor.dll" $(find "$PKG/Editor" -name '*.cs' | sort)
$MCS $ENGINE -out:"$OUT/FantasyTalking.Samples.dll" $(find "$PKG/Samples~" -name '*.cs' | sort)
export LD_LIBRARY_PATH="$LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export FTALK_BIN="${FTALK_BIN:-$ROOT/.venv/bin/ftalk}"
export FTALK_REPO_ROOT="$ROOT"
cd "$OUT"
exec nunit-console -nologo -noshadow -xml=TestResult.xml FantasyTalking.Tests.dll "$@"
