"""Photo bytes → GLB bytes: the whole head pipeline, with a quality report and progress callbacks."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from fantasy_talking.head.asset import HeadAsset
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.fit import FaceFit, fit_face
from fantasy_talking.head.glb import write_glb
from fantasy_talking.head.image import decode_image
from fantasy_talking.head.landmarks import FaceLandmarks, detect_landmarks
from fantasy_talking.head.morphs import build_morphs
from fantasy_talking.head.neutral import MAX_GAP_TO_CLOSE_M, close_mouth, lip_gap
from fantasy_talking.head.skeleton import build_skeleton
from fantasy_talking.head.template import Part, build_head
from fantasy_talking.head.texture import bake_texture, layout_uvs

log = logging.getLogger(__name__)

PART_GROUPS: dict[str, frozenset[Part]] = {
    "cranium": frozenset({Part.CRANIUM}),
    "ears": frozenset({Part.EAR}),
    "neck": frozenset({Part.NECK}),
    "eyes": frozenset({Part.EYE_LEFT, Part.EYE_RIGHT}),
    "mouth": frozenset({Part.TEETH_UPPER, Part.TEETH_LOWER, Part.TONGUE, Part.MOUTH}),
}
DETAIL_LEVELS = {"low": 0.7, "medium": 1.0, "high": 1.6}
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class HeadOptions:
    """What to build. `parts` names groups of PART_GROUPS; the face is always included."""

    texture_size: int = 1024
    parts: frozenset[str] = frozenset(PART_GROUPS)
    detail: str = "medium"

    def __post_init__(self):
        if not 512 <= self.texture_size <= 4096:
            raise HeadError(f"texture size {self.texture_size} is outside 512..4096")
        unknown = set(self.parts) - set(PART_GROUPS)
        if unknown:
            raise HeadError(f"unknown head parts {sorted(unknown)}; choose from {sorted(PART_GROUPS)}")
        if self.detail not in DETAIL_LEVELS:
            raise HeadError(f"unknown mesh detail {self.detail!r}; choose from {sorted(DETAIL_LEVELS)}")


@dataclass(frozen=True)
class QualityReport:
    """How far to trust the head. Angles in degrees; `reprojection_error` is relative to the inter-ocular distance."""

    face_width_px: float
    inter_ocular_px: float
    frontality: float
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    inferred_fraction: float
    face_inferred_fraction: float
    reprojection_error: float
    faces_found: int
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class HeadResult:
    glb: bytes
    asset: HeadAsset
    landmarks: FaceLandmarks
    fit: FaceFit
    report: QualityReport


def _report(landmarks: FaceLandmarks, fit: FaceFit, asset: HeadAsset) -> QualityReport:
    yaw, pitch, roll = np.degrees(fit.pose.yaw_pitch_roll)
    warnings = []
    if asset.mouth_closed_rad:
        warnings.append(f"the mouth was open in the photo; it was closed by {np.degrees(asset.mouth_closed_rad):.0f}° "
                        "for the neutral pose, so the lips may look stretched")
    if asset.lip_gap_m > MAX_GAP_TO_CLOSE_M:
        warnings.append(f"the mouth is wide open in the photo ({asset.lip_gap_m * 1000:.0f} mm); the neutral pose "
                        "keeps it open, so use a photo with closed lips for lip-sync")
    if landmarks.faces_found > 1:
        warnings.append(f"{landmarks.faces_found} faces found; used the largest")
    if fit.is_extreme:
        warnings.append(f"the face is turned (yaw {yaw:.0f}°, pitch {pitch:.0f}°); the far side is inferred")
    if landmarks.face_width_px < 160:
        warnings.append(f"the face is only {landmarks.face_width_px:.0f} px wide; the texture will be soft")
    return QualityReport(face_width_px=landmarks.face_width_px, inter_ocular_px=landmarks.inter_ocular_px,
                         frontality=fit.frontality, yaw_deg=float(yaw), pitch_deg=float(pitch), roll_deg=float(roll),
                         inferred_fraction=asset.texture.inferred_fraction,
                         face_inferred_fraction=asset.texture.face_inferred_fraction,
                         reprojection_error=fit.reprojection_error,
                         faces_found=landmarks.faces_found, warnings=tuple(warnings))


def build_asset(rgb: np.ndarray, options: HeadOptions = HeadOptions(),
                progress: Progress | None = None) -> tuple[HeadAsset, FaceLandmarks, FaceFit]:
    """Decoded photo → head asset (no encoding)."""
    step = progress or (lambda stage, fraction: None)
    step("landmarks", 0.1)
    landmarks = detect_landmarks(rgb)
    fit = fit_face(landmarks)
    step("template", 0.3)
    include = frozenset().union(*(PART_GROUPS[p] for p in options.parts)) if options.parts else frozenset()
    mesh = build_head(fit, include=include, detail=DETAIL_LEVELS[options.detail])
    closed = close_mouth(mesh)
    layout_uvs(mesh)
    step("texture", 0.45)
    texture = bake_texture(mesh, fit, landmarks, rgb, options.texture_size)
    step("morphs", 0.7)
    morphs = build_morphs(mesh)
    skeleton = build_skeleton(mesh)
    asset = HeadAsset(mesh=mesh, texture=texture, morphs=morphs, skeleton=skeleton, mouth_closed_rad=closed,
                      lip_gap_m=lip_gap(mesh))
    return asset, landmarks, fit


def create_head(image: bytes, options: HeadOptions = HeadOptions(), progress: Progress | None = None) -> HeadResult:
    """Photo bytes (JPEG, PNG or WebP) → GLB with ARKit morphs and skeleton, plus a quality report."""
    step = progress or (lambda stage, fraction: None)
    step("decode", 0.0)
    rgb = decode_image(image)
    asset, landmarks, fit = build_asset(rgb, options, progress)
    step("glb", 0.85)
    glb = write_glb(asset)
    report = _report(landmarks, fit, asset)
    step("done", 1.0)
    log.info("head created: %d vertices, %d bytes, warnings=%s", asset.mesh.n_vertices, len(glb), report.warnings)
    return HeadResult(glb=glb, asset=asset, landmarks=landmarks, fit=fit, report=report)
