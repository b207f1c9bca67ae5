"""A finished take as files, through the same encoders as the CLI: Live Link Face CSV, JSON frames,
the head GLB with the animation baked in, an MP4 preview (head/preview.py) and the WAV it speaks.
"""
from __future__ import annotations

import io
import tempfile
import wave
from pathlib import Path

import numpy as np

from fantasy_talking.console.store import Head, Take

KINDS = {
    "csv": ("text/csv", "Live Link Face CSV"),
    "json": ("application/json", "JSON frames"),
    "glb": ("model/gltf-binary", "head with the animation baked in"),
    "mp4": ("video/mp4", "preview video with sound"),
    "wav": ("audio/wav", "the speech"),
}
NEEDS_HEAD = ("glb", "mp4")
PREVIEW_SIZE = 512


def _wav(take: Take) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(take.sample_rate)
        w.writeframes((np.clip(take.samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes())
    return out.getvalue()


def _mp4(take: Take, head: Head) -> bytes:
    from fantasy_talking.audio.decode import Audio
    from fantasy_talking.head.glb_asset import asset_from_glb
    from fantasy_talking.head.preview import write_preview

    with tempfile.TemporaryDirectory(prefix="ftalk-console-") as folder:
        path = Path(folder) / "preview.mp4"
        write_preview(asset_from_glb(head.glb), take.clip, Audio(take.samples.astype(np.float32), take.sample_rate),
                      path, size=PREVIEW_SIZE)
        return path.read_bytes()


def render(kind: str, take: Take, head: Head | None) -> bytes:
    """The bytes of one download (cached on the take; the MP4 takes seconds to render)."""
    if kind in take.cache:
        return take.cache[kind]
    if kind == "csv":
        from fantasy_talking.formats.livelink_csv import livelink_csv_text
        data = livelink_csv_text(take.clip).encode("utf-8")
    elif kind == "json":
        from fantasy_talking.formats.json_frames import json_frames_text
        data = json_frames_text(take.clip).encode("utf-8")
    elif kind == "wav":
        data = _wav(take)
    elif kind == "glb":
        from fantasy_talking.formats.gltf_animation import bake_clip
        data = bake_clip(head.glb, take.clip)
    elif kind == "mp4":
        data = _mp4(take, head)
    else:
        raise KeyError(kind)
    take.cache[kind] = data
    return data
