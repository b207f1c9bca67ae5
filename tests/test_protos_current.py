"""The committed Python stubs must match the .proto files they come from."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "tools" / "gen_protos.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_stubs_are_current(tmp_path):
    gen = load_generator()
    gen.generate(tmp_path)
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert fresh, "protoc generated nothing"
    stale = [str(rel) for rel in fresh
             if not (gen.OUT_ROOT / rel).is_file() or (gen.OUT_ROOT / rel).read_bytes() != (tmp_path / rel).read_bytes()]
    assert not stale, f"stubs out of date, run `python tools/gen_protos.py`: {stale}"


def test_every_proto_field_is_documented():
    """The contract documents every field, message, enum value and RPC with a comment above it."""
    undocumented = []
    for proto in sorted((ROOT / "protos" / "fantasytalking").rglob("*.proto")):
        lines = proto.read_text().splitlines()
        for i, line in enumerate(lines):
            stripped = line.strip()
            declares = stripped.startswith(("message ", "enum ", "service ", "rpc ")) or (
                stripped.endswith(";") and "=" in stripped and not stripped.startswith(("option", "syntax", "//")))
            if declares and not lines[i - 1].strip().startswith("//") and not stripped.startswith("oneof"):
                undocumented.append(f"{proto.name}:{i + 1}: {stripped}")
    assert not undocumented, "\n".join(undocumented)


@pytest.mark.parametrize("module", ["animation_pb2_grpc", "info_pb2_grpc", "speech_pb2_grpc", "head_pb2_grpc"])
def test_stubs_import(module):
    __import__(f"fantasytalking.v1.{module}")
    assert f"fantasytalking.v1.{module}" in sys.modules
