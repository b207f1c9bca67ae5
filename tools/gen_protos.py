"""Regenerate the committed Python stubs from protos/.

The stubs are committed (so `pip install` needs no code generator) and
`tests/test_protos_current.py` fails when they drift from the .proto files.
Run `python tools/gen_protos.py` after editing any .proto.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grpc_tools import protoc
import grpc_tools

ROOT = Path(__file__).resolve().parents[1]
PROTO_ROOT = ROOT / "protos"
OUT_ROOT = ROOT / "py_backend"


def proto_files() -> list[Path]:
    return sorted(PROTO_ROOT.rglob("*.proto"))


def generate(out_dir: Path) -> None:
    """Write *_pb2.py, *_pb2.pyi and *_pb2_grpc.py for every .proto under protos/ into out_dir."""
    include = Path(grpc_tools.__file__).parent / "_proto"
    files = [str(p.relative_to(PROTO_ROOT)) for p in proto_files()]
    args = ["protoc", f"-I{PROTO_ROOT}", f"-I{include}", f"--python_out={out_dir}",
            f"--pyi_out={out_dir}", f"--grpc_python_out={out_dir}", *files]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    for proto in proto_files():
        parts = proto.parent.relative_to(PROTO_ROOT).parts
        for depth in range(1, len(parts) + 1):
            init = out_dir.joinpath(*parts[:depth], "__init__.py")
            if not init.exists():
                init.write_text("")

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT_ROOT)
    args = parser.parse_args()
    generate(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
