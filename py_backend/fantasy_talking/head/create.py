"""Photo bytes → GLB bytes: the whole head pipeline, with a quality report and progress callbacks."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from fantasy_talking.head.asset import HeadAsset
from fantasy_talking.head.fit import FaceFit, fit_face
from fantasy_talking.head.glb import write_glb
from fantasy_talking.head.image import decode_image
from fantasy_talking.head.landmarks import FaceLandmarks, detect_landmarks
from fantasy_talking.head.morphs import build_morphs
from fantasy_talking.head.options import DETAIL_LEVELS, HeadOptions, Progress
from fantasy_talking.head.neutral import MAX_GAP_TO_CLOSE_M, photo_lip_gap
from fantasy_talking.head.skeleton import build_skeleton
from fantasy_talking.head.template import build_head
from fantasy_talking.head.texture import bake_textures, layout_uvs

log = logging.getLogger(__name__)

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


def _mesh_reprojection(landmarks: FaceLandmarks, fit: FaceFit, asset: HeadAsset) -> float:
    """How far the fitted head's landmark points land from the photo's, relative to the inter-ocular distance
    (the inner lips, pulled together for the neutral, left out)."""
    from fantasy_talking.head.template import LOWER_LIP_INNER, UPPER_LIP_INNER

    keep = np.setdiff1d(np.arange(468), UPPER_LIP_INNER + LOWER_LIP_INNER)
    projected = fit.pose.project(asset.mesh.at_landmarks(asset.mesh.photo_positions)[keep])
    error = np.linalg.norm(projected - landmarks.points[keep, :2], axis=1).mean()
    return float(error / landmarks.inter_ocular_px)


def _report(landmarks: FaceLandmarks, fit: FaceFit, asset: HeadAsset) -> QualityReport:
    yaw, pitch, roll = np.degrees(fit.pose.yaw_pitch_roll)
    warnings = []
    if asset.lip_gap_m > MAX_GAP_TO_CLOSE_M:
        warnings.append(f"the mouth is open in the photo ({asset.lip_gap_m * 1000:.0f} mm): the head was fitted "
                        "wearing the photo's expression and relaxed to a closed neutral; the lips' inner edges are "
                        "inferred, so a photo with closed lips works best")
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
                         reprojection_error=_mesh_reprojection(landmarks, fit, asset),
                         faces_found=landmarks.faces_found, warnings=tuple(warnings))


def build_asset(rgb: np.ndarray, options: HeadOptions = HeadOptions(),
                progress: Progress | None = None) -> tuple[HeadAsset, FaceLandmarks, FaceFit]:
    """Decoded photo → head asset (no encoding)."""
    step = progress or (lambda stage, fraction: None)
    step("landmarks", 0.1)
    landmarks = detect_landmarks(rgb)
    fit = fit_face(landmarks)
    step("hair", 0.25)
    hair_style, hair_rgb = None, None
    if options.hair != "none":
        from fantasy_talking.head.hair import analyse_hair

        found = analyse_hair(rgb, landmarks)
        hair_rgb = found.rgb
        hair_style = found.style if options.hair == "auto" else options.hair
    step("template", 0.35)
    mesh = build_head(fit, eyes="eyes" in options.parts, mouth="mouth" in options.parts, hair_style=hair_style)
    layout_uvs(mesh)
    step("texture", 0.45)
    texture = bake_textures(mesh, fit, landmarks, rgb, options.texture_size, hair_rgb=hair_rgb,
                            part_scale=DETAIL_LEVELS[options.detail])
    step("morphs", 0.7)
    morphs = build_morphs(mesh)
    skeleton = build_skeleton(mesh)
    asset = HeadAsset(mesh=mesh, texture=texture, morphs=morphs, skeleton=skeleton,
                      lip_gap_m=photo_lip_gap(fit))
    if options.detail == "high":
        from fantasy_talking.head.subdivide import subdivide_face

        asset = subdivide_face(asset)
    return asset, landmarks, fit


def create_head(image: bytes, options: HeadOptions = HeadOptions(), progress: Progress | None = None) -> HeadResult:
    """Photo bytes (JPEG, PNG or WebP) → GLB with ARKit morphs and skeleton, plus a quality report."""
    step = progress or (lambda stage, fraction: None)
    step("decode", 0.0)
    rgb = decode_image(image)
    asset, landmarks, fit = build_asset(rgb, options, progress)
    step("glb", 0.85)
    report = _report(landmarks, fit, asset)
    if options.lod:
        from fantasy_talking.head.lod import decimate

        asset = decimate(asset, options.lod)
    glb = write_glb(asset)
    step("done", 1.0)
    log.info("head created: %d vertices, %d bytes, warnings=%s", asset.mesh.n_vertices, len(glb), report.warnings)
    return HeadResult(glb=glb, asset=asset, landmarks=landmarks, fit=fit, report=report)
