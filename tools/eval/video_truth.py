"""Per-frame mouth opening of a real talking-face video, measured by MediaPipe FaceMesh.

Opening = mean vertical gap of five inner-lip landmark pairs divided by the inter-ocular
distance (mean of the outer and inner eye-corner spans), so zoom and face size cancel out.
Frames are padded to a square first: FaceMesh projects landmarks through a square region,
so a tall 1080x1920 frame would otherwise skew vertical against horizontal distances.
Results are cached under /tmp keyed by the file's sha256, so re-runs take milliseconds.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EXTRACTOR_VERSION = "facemesh-0.10.21-innerlip5-ioc-v1"
CACHE_DIR = Path(os.environ.get("FT_EVAL_CACHE", "/tmp/fantasy_talking_eval"))

# (upper, lower) inner-lip landmark pairs of the 468-point mesh, left to right across the mouth.
INNER_LIP_PAIRS = ((81, 178), (82, 87), (13, 14), (312, 317), (311, 402))
# Outer eye corners and inner eye corners.
EYE_SPANS = ((33, 263), (133, 362))


@dataclass(frozen=True)
class VideoTruth:
    """Mouth opening per video frame (times on the audio clock); NaN where no face was found."""

    name: str
    fps: float
    times_s: np.ndarray
    opening: np.ndarray

    @property
    def face_found(self) -> float:
        return float(np.isfinite(self.opening).mean()) if len(self.opening) else 0.0


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:20]


def cache_path(path: Path) -> Path:
    return CACHE_DIR / "video_truth" / f"{path.stem}-{file_digest(path)}-{EXTRACTOR_VERSION}.npz"


def load_video_truth(path: Path, use_cache: bool = True) -> VideoTruth:
    """The video's truth, from the cache when it holds this exact file, else measured and cached."""
    path = Path(path)
    cached = cache_path(path)
    if use_cache and cached.exists():
        data = np.load(cached)
        return VideoTruth(path.stem, float(data["fps"]), data["times_s"], data["opening"])
    truth = measure_video(path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp.npz")
    np.savez(tmp, fps=truth.fps, times_s=truth.times_s, opening=truth.opening)
    tmp.replace(cached)
    return truth


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap over inter-ocular distance from (N, 2) pixel landmarks."""
    gap = np.mean([np.linalg.norm(points[u] - points[d]) for u, d in INNER_LIP_PAIRS])
    eyes = np.mean([np.linalg.norm(points[a] - points[b]) for a, b in EYE_SPANS])
    return float(gap / eyes) if eyes > 0 else float("nan")


def pad_square(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    side = max(h, w)
    if h == w:
        return image
    out = np.zeros((side, side, image.shape[2]), dtype=image.dtype)
    out[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = image
    return out


def audio_start_s(container) -> float:
    """Start of the first audio stream: frame times are put on the audio clock the engine sees."""
    if not container.streams.audio:
        return 0.0
    audio = container.streams.audio[0]
    return float(audio.start_time * audio.time_base) if audio.start_time is not None else 0.0


def measure_video(path: Path) -> VideoTruth:
    """Run FaceMesh (refined landmarks, tracking mode) over every frame of the video."""
    import av
    import mediapipe as mp

    times, openings = [], []
    with av.open(str(path)) as container, mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=1, refine_landmarks=True,
            min_detection_confidence=0.5, min_tracking_confidence=0.5) as mesh:
        stream = container.streams.video[0]
        fps = float(stream.average_rate)
        start = audio_start_s(container)
        for frame in container.decode(stream):
            image = pad_square(frame.to_ndarray(format="rgb24"))
            side = image.shape[0]
            result = mesh.process(image)
            times.append(float(frame.time) - start if frame.time is not None else len(times) / fps)
            if not result.multi_face_landmarks:
                openings.append(float("nan"))
                continue
            marks = result.multi_face_landmarks[0].landmark
            points = np.array([(m.x * side, m.y * side) for m in marks])
            openings.append(mouth_opening(points))
    return VideoTruth(path.stem, fps, np.asarray(times), np.asarray(openings, dtype=np.float64))
