"""JSON frames: a whole clip in one self-describing document for web players and scripts.

Names are sent once, then time-coded frames: the shape and field names of the gRPC stream
(AnimationHeader, AnimationFrame, VisemeEvent in common.proto), plus the head/eye angles:

    {"format": "fantasytalking.frames", "version": 1, "fps": 30, "engine": "phonetic",
     "duration_s": 2.4, "blendshape_names": [...], "joint_names": [...], "angle_names": [...],
     "frames": [{"index": 0, "time_s": 0.0, "blendshapes": [...], "joints": [[x, y, z, w], ...],
                 "angles": [...], "idle": false}, ...],
     "visemes": [{"viseme_id": 10, "viseme": "aa", "phoneme": "AA", "start_s": 0.12, "end_s": 0.2}, ...]}

Blendshapes are in `blendshape_names` order, joints are (x, y, z, w) quaternions in `joint_names`
order, angles are radians in `angle_names` order (the nine Live Link head/eye angles).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from fantasy_talking.animation.clip import AnimationClip, VisemeEvent
from fantasy_talking.animation.rig import LIVELINK_ANGLES

FORMAT = "fantasytalking.frames"
VERSION = 1
DECIMALS = 6
"""Digits kept for weights, quaternions and angles; the round trip is exact to this."""


class JsonFramesError(ValueError):
    """The document is not FantasyTalking JSON frames; the message says what is wrong."""


def _rounded(values: np.ndarray) -> list:
    return np.round(np.asarray(values, dtype=np.float64), DECIMALS).tolist()


def clip_to_dict(clip: AnimationClip, with_frames: bool = True) -> dict[str, Any]:
    """The JSON document as plain Python data (frames last; without them when `with_frames` is false)."""
    frames = []
    if with_frames:
        weights, joints, angles = _rounded(clip.weights), _rounded(clip.joints), _rounded(clip.angles)
        frames = [
            {
                "index": i,
                "time_s": round(i / clip.fps, DECIMALS),
                "blendshapes": weights[i],
                "joints": joints[i],
                "angles": angles[i],
                "idle": bool(clip.idle[i]),
            }
            for i in range(clip.n_frames)
        ]
    visemes = [
        {"viseme_id": v.viseme_id, "viseme": v.viseme, "phoneme": v.phoneme,
         "start_s": round(v.start_s, DECIMALS), "end_s": round(v.end_s, DECIMALS)}
        for v in clip.visemes
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "fps": clip.fps,
        "engine": clip.engine,
        "duration_s": round(clip.duration_s, DECIMALS),
        "blendshape_names": list(clip.curve_names),
        "joint_names": list(clip.joint_names),
        "angle_names": list(LIVELINK_ANGLES),
        "frames": frames,
        "visemes": visemes,
    }


def json_frames_bytes(clip: AnimationClip) -> bytes:
    """The document as compact JSON text (one frame per line keeps diffs and `head` readable).

    Serialised by orjson straight from the rounded numpy arrays: a farm writes one per line, and
    the standard library's float formatting was most of the cost. Numbers are the shortest text
    that reads back to the same double (`1e-6` rather than Python's `1e-06`)."""
    weights, joints, angles = (np.round(np.asarray(a, dtype=np.float64), DECIMALS)
                               for a in (clip.weights, clip.joints, clip.angles))
    frames = [{"index": i, "time_s": round(i / clip.fps, DECIMALS), "blendshapes": weights[i],
               "joints": joints[i], "angles": angles[i], "idle": bool(clip.idle[i])}
              for i in range(clip.n_frames)]
    document = clip_to_dict(clip, with_frames=False)
    del document["frames"]
    head = orjson.dumps(document)[:-1]
    body = orjson.dumps(frames, option=orjson.OPT_SERIALIZE_NUMPY)[1:-1].replace(b'},{"index":', b'},\n{"index":')
    return head + b',"frames":[\n' + body + (b"\n]}\n" if frames else b"]}\n")


def json_frames_text(clip: AnimationClip) -> str:
    return json_frames_bytes(clip).decode("utf-8")


def write_json_frames(clip: AnimationClip, path: str | Path) -> Path:
    """Write `clip` as JSON frames and return the path."""
    path = Path(path)
    path.write_bytes(json_frames_bytes(clip))
    return path


def clip_from_dict(document: dict[str, Any]) -> AnimationClip:
    """Rebuild an AnimationClip from a parsed document, checking shapes as it goes."""
    if document.get("format") != FORMAT:
        raise JsonFramesError(f"'format' must be {FORMAT!r}, got {document.get('format')!r}")
    if document.get("version") != VERSION:
        raise JsonFramesError(f"version {document.get('version')!r} is not supported (expected {VERSION})")
    names = tuple(document["blendshape_names"])
    joint_names = tuple(document["joint_names"])
    frames = document["frames"]
    try:
        weights = np.array([f["blendshapes"] for f in frames], dtype=np.float32).reshape(len(frames), len(names))
        joints = np.array([f["joints"] for f in frames], dtype=np.float32).reshape(len(frames), len(joint_names), 4)
        angles = np.array([f["angles"] for f in frames], dtype=np.float32).reshape(len(frames), len(LIVELINK_ANGLES))
    except (KeyError, ValueError) as exc:
        raise JsonFramesError(f"a frame does not match the declared names: {exc}") from None
    visemes = [VisemeEvent(v["viseme_id"], v["viseme"], v["start_s"], v["end_s"], v.get("phoneme", ""))
               for v in document.get("visemes", [])]
    return AnimationClip(
        curve_names=names,
        fps=int(document["fps"]),
        weights=weights,
        joints=joints,
        angles=angles,
        idle=np.array([bool(f.get("idle", False)) for f in frames], dtype=bool),
        visemes=visemes,
        duration_s=float(document["duration_s"]),
        engine=str(document["engine"]),
        joint_names=joint_names,
    )


def read_json_frames(source: str | Path) -> AnimationClip:
    """Read a JSON frames file back into an AnimationClip."""
    try:
        document = json.loads(Path(source).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise JsonFramesError(f"not valid JSON: {exc}") from None
    try:
        return clip_from_dict(document)
    except KeyError as exc:
        raise JsonFramesError(f"missing field {exc}") from None
