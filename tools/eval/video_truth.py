"""Per-frame mouth shape of a real talking-face video, measured by MediaPipe FaceMesh.

Opening = mean vertical gap of five inner-lip landmark pairs divided by the inter-ocular
distance (mean of the outer and inner eye-corner spans), so zoom and face size cancel out.
Width = distance between the inner lip corners over the same inter-ocular distance, with its
slow drift (head turns, leaning in) removed by subtracting a centred 2 s moving mean: what is
left is the lip spreading and rounding of speech.
Frames are padded to a square first: FaceMesh projects landmarks through a square region,
so a tall 1080x1920 frame would otherwise skew vertical against horizontal distances.
The mouth and eye landmarks of every frame are cached under ~/.cache/fantasy_talking (or
$FT_EVAL_CACHE) keyed by the file's sha256 and the extractor version, so re-runs take
milliseconds and new measures derived from the landmarks need no second pass over the video.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

EXTRACTOR_VERSION = "facemesh-0.10.21-landmarks-v2"
CACHE_DIR = Path(os.environ.get("FT_EVAL_CACHE", Path.home() / ".cache" / "fantasy_talking" / "eval"))

# (upper, lower) inner-lip landmark pairs of the 468-point mesh, left to right across the mouth.
INNER_LIP_PAIRS = ((81, 178), (82, 87), (13, 14), (312, 317), (311, 402))
# Outer eye corners and inner eye corners.
EYE_SPANS = ((33, 263), (133, 362))
# Inner lip corners (left, right).
INNER_LIP_CORNERS = (78, 308)
KEPT = tuple(sorted({i for pair in INNER_LIP_PAIRS + EYE_SPANS + (INNER_LIP_CORNERS,) for i in pair}))
"""The landmarks cached per frame."""
DETREND_S = 2.0


@dataclass(frozen=True)
class VideoTruth:
    """Mouth opening per video frame (times on the audio clock); NaN where no face was found."""

    name: str
    fps: float
    times_s: np.ndarray
    opening: np.ndarray
    width: np.ndarray
    """Inner-lip width over the inter-ocular distance, slow drift removed (zero mean)."""

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
        fps, times, points = float(data["fps"]), data["times_s"], data["points"]
    else:
        fps, times, points = track_landmarks(path)
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp.npz")
        np.savez(tmp, fps=fps, times_s=times, points=points)
        tmp.replace(cached)
    return truth_from_landmarks(path.stem, fps, times, points)


def truth_from_landmarks(name: str, fps: float, times_s: np.ndarray, points: np.ndarray) -> VideoTruth:
    """Opening and width per frame from (frames, len(KEPT), 2) landmarks (NaN: no face)."""
    full = np.full((len(points), 478, 2), np.nan)
    full[:, KEPT] = points
    opening = np.array([mouth_opening(p) for p in full])
    width = np.array([mouth_width(p) for p in full])
    return VideoTruth(name, fps, np.asarray(times_s), opening, detrend(width, int(round(DETREND_S * fps))))


def detrend(values: np.ndarray, window: int) -> np.ndarray:
    """values minus their centred moving mean over `window` frames (NaN-aware)."""
    finite = np.isfinite(values)
    filled = np.where(finite, values, 0.0)
    kernel = np.ones(max(1, window))
    total = np.convolve(filled, kernel, mode="same")
    count = np.convolve(finite.astype(float), kernel, mode="same")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(finite & (count > 0), values - total / np.maximum(count, 1), np.nan)


def eye_distance(points: np.ndarray) -> float:
    return float(np.mean([np.linalg.norm(points[a] - points[b]) for a, b in EYE_SPANS]))


def mouth_opening(points: np.ndarray) -> float:
    """Inner-lip gap over inter-ocular distance from (N, 2) pixel landmarks."""
    gap = np.mean([np.linalg.norm(points[u] - points[d]) for u, d in INNER_LIP_PAIRS])
    eyes = eye_distance(points)
    return float(gap / eyes) if eyes > 0 else float("nan")


def mouth_width(points: np.ndarray) -> float:
    """Inner-lip corner distance over inter-ocular distance from (N, 2) pixel landmarks."""
    left, right = INNER_LIP_CORNERS
    eyes = eye_distance(points)
    return float(np.linalg.norm(points[left] - points[right]) / eyes) if eyes > 0 else float("nan")


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
    """Run FaceMesh over every frame of the video and derive the truth (no cache)."""
    return truth_from_landmarks(Path(path).stem, *track_landmarks(path))


def track_landmarks(path: Path) -> tuple[float, np.ndarray, np.ndarray]:
    """FaceMesh (refined landmarks, tracking mode) over every frame: fps, frame times on the
    audio clock, and the KEPT landmarks in pixels of the padded square (NaN where no face)."""
    import av
    import mediapipe as mp

    times, frames = [], []
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
                frames.append(np.full((len(KEPT), 2), np.nan))
                continue
            marks = result.multi_face_landmarks[0].landmark
            frames.append(np.array([(marks[i].x * side, marks[i].y * side) for i in KEPT]))
    return fps, np.asarray(times), np.asarray(frames, dtype=np.float64).reshape(-1, len(KEPT), 2)
