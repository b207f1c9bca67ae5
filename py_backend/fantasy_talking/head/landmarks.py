"""MediaPipe Face Mesh on a photo: 478 landmarks (468 face + 10 iris) in pixel units.

Coordinates are (x right, y down, z away from the camera), all in pixels of the decoded photo,
so distances in x, y and z compare directly.
"""
from __future__ import annotations

import contextlib
import os
import sys
import threading
from dataclasses import dataclass

import numpy as np

from fantasy_talking.head.errors import HeadError

MIN_FACE_PX = 64
"""Faces narrower than this (ear to ear, in pixels) carry too little detail for a texture."""

LEFT_EYE_OUTER, RIGHT_EYE_OUTER = 263, 33
"""The character's left and right outer eye corners (image right and image left on a frontal photo)."""
LEFT_IRIS, RIGHT_IRIS = 473, 468

_lock = threading.Lock()
_mesh = None


@dataclass(frozen=True)
class FaceLandmarks:
    """The largest face in a photo: landmarks in pixels and what was seen around it."""

    points: np.ndarray
    image_size: tuple[int, int]
    faces_found: int
    face_width_px: float

    @property
    def inter_ocular_px(self) -> float:
        """Distance between the iris centres, the scale every quality figure is relative to."""
        return float(np.linalg.norm(self.points[LEFT_IRIS, :2] - self.points[RIGHT_IRIS, :2]))


@contextlib.contextmanager
def _native_stderr_silenced():
    """MediaPipe's C++ graph prints start-up notices straight to file descriptor 2 (TFLite's
    delegate, absl warnings), bypassing Python logging; hide them so the CLI and server stay quiet.
    Held only around MediaPipe calls, which are short and serialised by `_lock`."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _face_mesh():
    global _mesh
    if _mesh is None:
        from mediapipe.python.solutions.face_mesh import FaceMesh

        _mesh = FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=4,
                         min_detection_confidence=0.5)
    return _mesh


def detect_landmarks(rgb: np.ndarray) -> FaceLandmarks:
    """Find the largest face in an (H, W, 3) uint8 photo, or raise HeadError saying why there is none."""
    height, width = rgb.shape[:2]
    with _lock, _native_stderr_silenced():
        result = _face_mesh().process(np.ascontiguousarray(rgb))
    faces = result.multi_face_landmarks or []
    if not faces:
        raise HeadError("no face found in the image; use a photo where one face is clearly visible")
    candidates = []
    for face in faces:
        pts = np.array([(p.x * width, p.y * height, p.z * width) for p in face.landmark], dtype=np.float64)
        candidates.append(pts)
    points = max(candidates, key=lambda p: np.ptp(p[:, 0]) * np.ptp(p[:, 1]))
    face_width = float(np.ptp(points[:468, 0]))
    if face_width < MIN_FACE_PX:
        raise HeadError(f"the face is {face_width:.0f} px wide, under the minimum of {MIN_FACE_PX} px; "
                        "use a closer or larger photo")
    return FaceLandmarks(points=points, image_size=(width, height), faces_found=len(faces),
                         face_width_px=face_width)
