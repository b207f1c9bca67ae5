"""Hair from the photo: which of the shipped styles fits the person's outline, and the hair's colour.

MediaPipe's selfie segmentation (in the mediapipe wheel) gives the person's outline. Hair is the part of
the person above and beside the face outline whose colour is not the skin's. Its reach, measured in face
heights, picks the style: nothing above the brow (bald or shaved) → none; a wide, tall mass → afro;
hair hanging below the chin beside the neck → long; otherwise short. (bob02, short04 and ponytail01 are
offered by name: bob02's side fringe hides an eye, which is no default.)
The colour is the median, in CIELAB, of the hair pixels above the forehead.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from fantasy_talking.head.landmarks import FaceLandmarks, _native_stderr_silenced

FOREHEAD, CHIN = 10, 152
SKIN_SAMPLES = (50, 280, 101, 330, 151, 9, 108, 337)
HAIR_COLOUR_DISTANCE = 90.0
"""RGB distance from the crown's colour within which a pixel beside the face counts as the same hair."""
LONG_BELOW_CHIN = 0.05
"""Hair reaching this far (in face heights) below the chin beside the neck counts as long."""
MIN_HAIR_SHARE = 0.12
"""Below this share of the band above the forehead covered by hair, the head is treated as bald."""

_lock = threading.Lock()
_segmenter = None


@dataclass(frozen=True)
class HairAnalysis:
    """The chosen style (None for no hair), the hair colour, and the measures the choice was made from."""

    style: str | None
    rgb: np.ndarray
    top_share: float
    below_chin: float
    width: float


def _person_mask(rgb: np.ndarray) -> np.ndarray:
    global _segmenter
    with _lock, _native_stderr_silenced():
        if _segmenter is None:
            from mediapipe.python.solutions.selfie_segmentation import SelfieSegmentation

            _segmenter = SelfieSegmentation(model_selection=0)
        result = _segmenter.process(np.ascontiguousarray(rgb))
    return result.segmentation_mask > 0.5


def _base_colour(pixels: np.ndarray) -> np.ndarray:
    """The hair's own colour: the per-channel median in CIELAB (perceptual, so one bright strand or a dark gap
    does not pull it) of the pixels between the 10th and 90th percentile of lightness (glints and the deepest
    shadow left out)."""
    lab = cv2.cvtColor(pixels.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB).reshape(-1, 3)
    lo, hi = np.percentile(lab[:, 0], [10, 90])
    median = np.median(lab[(lab[:, 0] >= lo) & (lab[:, 0] <= hi)], axis=0).astype(np.float32)
    return cv2.cvtColor(median.reshape(1, 1, 3), cv2.COLOR_LAB2RGB).reshape(3).astype(np.float64) * 255.0


def analyse_hair(rgb: np.ndarray, landmarks: FaceLandmarks) -> HairAnalysis:
    """Measure the hair around the face in the photo and choose a style for it."""
    person = _person_mask(rgb)
    h, w = person.shape
    p = landmarks.points
    face_h = float(np.linalg.norm(p[FOREHEAD, :2] - p[CHIN, :2]))
    oval_mask = np.zeros((h, w), np.uint8)
    from fantasy_talking.head.base_mesh import load_base_head

    cv2.fillPoly(oval_mask, [np.round(p[load_base_head().mp_face_oval, :2]).astype(np.int32)], 1)
    face = cv2.dilate(oval_mask, np.ones((5, 5), np.uint8)).astype(bool)
    samples = p[list(SKIN_SAMPLES), :2].astype(int)
    skin = np.median(rgb[np.clip(samples[:, 1], 0, h - 1), np.clip(samples[:, 0], 0, w - 1)].astype(float), axis=0)
    not_skin = np.linalg.norm(rgb.astype(np.float32) - skin, axis=2) > 40
    candidate = person & ~face & not_skin

    x0, x1 = p[:468, 0].min(), p[:468, 0].max()
    face_w = x1 - x0
    top_y, chin_y = p[FOREHEAD, 1], p[CHIN, 1]
    ys, xs = np.mgrid[0:h, 0:w]
    # the band above the forehead, as wide as the face
    above = (ys < top_y) & (ys > top_y - 0.35 * face_h) & (xs > x0) & (xs < x1)
    top_share = float(candidate[above].mean()) if above.any() else 0.0
    # the hair's colour is read above the forehead; elsewhere only pixels of that colour count as hair
    # (a collar or a hood beside the neck is not hair)
    crown = candidate & above
    colour = _base_colour(rgb[crown]) if crown.sum() > 30 else np.array([60.0, 45.0, 35.0])
    hair = candidate & (np.linalg.norm(rgb.astype(np.float32) - colour, axis=2) < HAIR_COLOUR_DISTANCE)
    # and only hair that hangs together with the crown's
    count, labels = cv2.connectedComponents(hair.astype(np.uint8), connectivity=8)
    crown_labels = np.unique(labels[hair & above])
    hair = np.isin(labels, crown_labels[crown_labels > 0])
    # hair beside the face, below the chin, within a third of a face width of the cheeks
    beside = ((xs < x0 + 0.1 * face_w) & (xs > x0 - 0.35 * face_w)) | ((xs > x1 - 0.1 * face_w) & (xs < x1 + 0.35 * face_w))
    rows = np.flatnonzero((hair & beside).sum(axis=1) > 0.04 * face_w)
    below_chin = float(max(0.0, (rows.max() - chin_y) / face_h)) if len(rows) else 0.0
    columns = np.flatnonzero((hair & (ys < chin_y) & (ys > top_y - 0.6 * face_h)).sum(axis=0) > 0.04 * face_h)
    width = float((columns.max() - columns.min()) / face_w) if len(columns) else 0.0

    if top_share < MIN_HAIR_SHARE:
        style = None
    elif width > 2.1:
        style = "afro01"
    elif below_chin > LONG_BELOW_CHIN:
        style = "long01"
    else:
        style = "short02"
    return HairAnalysis(style=style, rgb=colour, top_share=top_share, below_chin=below_chin, width=width)
