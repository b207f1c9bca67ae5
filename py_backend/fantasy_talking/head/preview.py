"""A talking preview: render the head through an AnimationClip and mux the speech in (H.264 + AAC MP4)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import av
import numpy as np

from fantasy_talking.animation.clip import AnimationClip
from fantasy_talking.animation.rig import VISEME_CURVES
from fantasy_talking.audio.decode import Audio
from fantasy_talking.head.asset import HeadAsset
from fantasy_talking.head.render import Renderer, asset_renderer

POSED_JOINTS = ("neck", "head")
"""Jaw and eyes move through their morphs (JawOpen, EyeLook*); see formats/gltf_animation.py."""
AAC_FRAME = 1024


def head_renderer(asset: HeadAsset, size: int) -> Renderer:
    """A renderer framing the head from the front, face filling most of the picture."""
    target = np.array([0.0, -0.03, -0.03])
    return asset_renderer(asset, size, target=target, distance=0.55)


def frame_pose(asset: HeadAsset, clip: AnimationClip, index: int) -> tuple[np.ndarray, np.ndarray]:
    """Posed positions and normals for frame `index` of `clip` (ARKit curves; viseme curves would double the mouth)."""
    weights = {name: w for name, w in zip(clip.curve_names, clip.weights[index].tolist()) if name not in VISEME_CURVES}
    rotations = {j: clip.joints[index, clip.joint_names.index(j)] for j in POSED_JOINTS if j in clip.joint_names}
    return asset.pose(weights, rotations)


def write_preview(asset: HeadAsset, clip: AnimationClip, audio: Audio, path: Path, size: int = 512,
                  progress: Callable[[float], None] | None = None) -> Path:
    """Render every frame of `clip` and write an MP4 with `audio` as its sound track."""
    renderer = head_renderer(asset, size)
    try:
        with av.open(str(path), mode="w", format="mp4") as container:
            video = container.add_stream("libx264", rate=clip.fps)
            video.width = video.height = size
            video.pix_fmt = "yuv420p"
            video.options = {"preset": "veryfast", "crf": "20"}
            sound = container.add_stream("aac", rate=audio.sample_rate)
            sound.layout = "mono"
            for i in range(clip.n_frames):
                image = renderer.draw(*frame_pose(asset, clip, i))
                container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
                if progress:
                    progress((i + 1) / clip.n_frames)
            container.mux(video.encode())
            samples = np.asarray(audio.samples, dtype=np.float32)
            for start in range(0, len(samples), AAC_FRAME):
                chunk = samples[start:start + AAC_FRAME]
                if len(chunk) < AAC_FRAME:
                    chunk = np.pad(chunk, (0, AAC_FRAME - len(chunk)))
                frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
                frame.sample_rate = audio.sample_rate
                frame.pts = start
                container.mux(sound.encode(frame))
            container.mux(sound.encode())
    finally:
        renderer.release()
    return path
