"""Bake an AnimationClip into a head GLB as a glTF animation, so it plays in any glTF viewer.

Every ARKit curve of the clip whose name matches a morph target becomes a keyframe of the mesh's
`weights`; viseme targets stay at 0, because viseme curves describe the same mouth again and would
double it. The neck and head joints get rotation channels. The jaw and eye bones are left still, because
their motion is already in the JawOpen and EyeLook* morphs (baking both would double it); engines
that prefer bones can drive them from the live stream instead.
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from fantasy_talking.animation.clip import AnimationClip
from fantasy_talking.animation.rig import VISEME_CURVES
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.glb import CHUNK_BIN, CHUNK_JSON, FLOAT, GLB_MAGIC, GltfDocument, read_glb

BAKED_JOINTS = ("neck", "head")


def _morph_node(doc: GltfDocument) -> tuple[int, list[str]]:
    for index, node in enumerate(doc.json.get("nodes", [])):
        mesh = node.get("mesh")
        if mesh is None:
            continue
        names = doc.json["meshes"][mesh].get("extras", {}).get("targetNames", [])
        if names:
            return index, names
    raise HeadError("the GLB has no named morph targets; pass a head made by `ftalk head`")


@dataclass(frozen=True)
class _Head:
    """A head parsed once per process (a farm bakes thousands of clips onto the same one), with its
    JSON already serialised member by member, so a bake only serialises what it adds."""

    json: dict
    binary: bytes
    node: int
    target_names: tuple[str, ...]
    texts: dict[str, str]


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))


@lru_cache(maxsize=2)
def _parsed_head(glb: bytes) -> _Head:
    doc = read_glb(glb)
    node, target_names = _morph_node(doc)
    binary = bytes(doc.binary) + b"\0" * (-len(doc.binary) % 4)
    return _Head(doc.json, binary, node, tuple(target_names), {k: _dumps(v) for k, v in doc.json.items()})


def bake_clip(glb: bytes, clip: AnimationClip, name: str = "speech") -> bytes:
    """Return `glb` with one more animation named `name` holding the clip's curves and head motion."""
    return b"".join(baked_glb_parts(glb, clip, name))


def baked_glb_parts(glb: bytes, clip: AnimationClip, name: str = "speech") -> list[bytes]:
    """`bake_clip`'s GLB as the consecutive pieces it is made of, the head's binary chunk among them
    as the one cached object: a farm writes them one after another instead of joining a few
    megabytes per line first."""
    head = _parsed_head(glb)
    if clip.n_frames == 0:
        raise HeadError("the clip has no frames; nothing to bake")
    times = clip.times.astype(np.float32)
    weights = np.zeros((clip.n_frames, len(head.target_names)), dtype=np.float32)
    matched = 0
    for t, target in enumerate(head.target_names):
        if target in clip.curve_names and target not in VISEME_CURVES:
            weights[:, t] = np.clip(clip.curve(target), 0.0, 1.0)
            matched += 1
    if matched == 0:
        raise HeadError("none of the clip's curves match the GLB's morph targets")

    # The animation's accessors go in a document of their own, then are renumbered to follow the head's.
    added = GltfDocument(json={})
    time_accessor = added.add_accessor(times, FLOAT, with_bounds=True)
    samplers = [{"input": time_accessor, "output": added.add_accessor(weights.reshape(-1), FLOAT),
                 "interpolation": "LINEAR"}]
    channels = [{"sampler": 0, "target": {"node": head.node, "path": "weights"}}]
    nodes = {n.get("name"): i for i, n in enumerate(head.json["nodes"])}
    for joint in BAKED_JOINTS:
        if joint in nodes and joint in clip.joint_names:
            rotations = clip.joints[:, clip.joint_names.index(joint)].astype(np.float32)
            rotations /= np.linalg.norm(rotations, axis=1, keepdims=True)
            samplers.append({"input": time_accessor, "output": added.add_accessor(rotations, FLOAT),
                             "interpolation": "LINEAR"})
            channels.append({"sampler": len(samplers) - 1, "target": {"node": nodes[joint], "path": "rotation"}})
    n_views, n_accessors = len(head.json.get("bufferViews", [])), len(head.json.get("accessors", []))
    for view in added.json["bufferViews"]:
        view["byteOffset"] += len(head.binary)
    for accessor in added.json["accessors"]:
        accessor["bufferView"] += n_views
    for sampler in samplers:
        sampler["input"] += n_accessors
        sampler["output"] += n_accessors
    added.binary += b"\0" * (-len(added.binary) % 4)
    appended = {"bufferViews": added.json["bufferViews"], "accessors": added.json["accessors"],
                "animations": [{"name": name, "samplers": samplers, "channels": channels}]}
    members = []
    for key in list(head.json) + [k for k in ("bufferViews", "accessors", "animations") if k not in head.json]:
        if key == "buffers":
            text = _dumps([{"byteLength": len(head.binary) + len(added.binary)}])
        elif key in appended:
            before = head.texts.get(key, "[]")
            text = before[:-1] + ("," if before != "[]" else "") + ",".join(map(_dumps, appended[key])) + "]"
        else:
            text = head.texts[key]
        members.append(f"{_dumps(key)}:{text}")
    document = ("{" + ",".join(members) + "}").encode("utf-8")
    document += b" " * (-len(document) % 4)
    binary_length = len(head.binary) + len(added.binary)
    total = 12 + 8 + len(document) + 8 + binary_length
    return [struct.pack("<III", GLB_MAGIC, 2, total), struct.pack("<II", len(document), CHUNK_JSON),
            document, struct.pack("<II", binary_length, CHUNK_BIN), head.binary, bytes(added.binary)]
