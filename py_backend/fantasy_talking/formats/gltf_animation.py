"""Bake an AnimationClip into a head GLB as a glTF animation, so it plays in any glTF viewer.

Every ARKit curve of the clip whose name matches a morph target becomes a keyframe of the mesh's
`weights`; viseme targets stay at 0, because viseme curves describe the same mouth again and would
double it. The neck and head joints get rotation channels. The jaw and eye bones are left still, because
their motion is already in the JawOpen and EyeLook* morphs (baking both would double it); engines
that prefer bones can drive them from the live stream instead.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from fantasy_talking.animation.clip import AnimationClip
from fantasy_talking.animation.rig import VISEME_CURVES
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.glb import FLOAT, GltfDocument, read_glb

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


@lru_cache(maxsize=2)
def _parsed_head(glb: bytes) -> tuple[GltfDocument, int, tuple[str, ...]]:
    """The head parsed once per process: a farm bakes thousands of clips onto the same head."""
    doc = read_glb(glb)
    node, target_names = _morph_node(doc)
    return doc, node, tuple(target_names)


def bake_clip(glb: bytes, clip: AnimationClip, name: str = "speech") -> bytes:
    """Return `glb` with one more animation named `name` holding the clip's curves and head motion."""
    head, node, target_names = _parsed_head(glb)
    # A copy of the cached head that this bake may append to (the lists it extends, and the buffer).
    doc = GltfDocument(json={**head.json, **{key: list(head.json.get(key, []))
                                             for key in ("bufferViews", "accessors", "animations")}},
                       binary=bytearray(head.binary))
    if clip.n_frames == 0:
        raise HeadError("the clip has no frames; nothing to bake")
    times = clip.times.astype(np.float32)
    weights = np.zeros((clip.n_frames, len(target_names)), dtype=np.float32)
    matched = 0
    for t, target in enumerate(target_names):
        if target in clip.curve_names and target not in VISEME_CURVES:
            weights[:, t] = np.clip(clip.curve(target), 0.0, 1.0)
            matched += 1
    if matched == 0:
        raise HeadError("none of the clip's curves match the GLB's morph targets")
    time_accessor = doc.add_accessor(times, FLOAT, with_bounds=True)
    samplers = [{"input": time_accessor, "output": doc.add_accessor(weights.reshape(-1), FLOAT),
                 "interpolation": "LINEAR"}]
    channels = [{"sampler": 0, "target": {"node": node, "path": "weights"}}]
    nodes = {n.get("name"): i for i, n in enumerate(doc.json["nodes"])}
    for joint in BAKED_JOINTS:
        if joint in nodes and joint in clip.joint_names:
            rotations = clip.joints[:, clip.joint_names.index(joint)].astype(np.float32)
            rotations /= np.linalg.norm(rotations, axis=1, keepdims=True)
            samplers.append({"input": time_accessor, "output": doc.add_accessor(rotations, FLOAT),
                             "interpolation": "LINEAR"})
            channels.append({"sampler": len(samplers) - 1, "target": {"node": nodes[joint], "path": "rotation"}})
    doc.json.setdefault("animations", []).append({"name": name, "samplers": samplers, "channels": channels})
    return doc.to_bytes()
