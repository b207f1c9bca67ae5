"""Bend the base head onto a photo's landmarks: an axis-scaled similarity, then a smooth radial-basis warp.

The similarity (rotation, translation, and a scale per axis) takes the base head to the photo's overall
proportions; the warp then moves each landmark's point of the base skin onto the photo's landmark, with
Gaussian kernels, so the displacement fades to nothing a few centimetres from the face and the skull, ears
and neck keep the base head's shape. Depth from a single photo is the least reliable coordinate, so it
counts for DEPTH_TRUST of the warp.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KERNEL_M = 0.022
"""Width of the warp's Gaussian kernels: about a third of an eye-to-mouth distance."""
SMOOTHING = 0.02
"""Ridge term of the kernel system: keeps neighbouring landmarks with noisy depths from folding the skin."""
DEPTH_TRUST = 0.6
MAX_SCALE_RATIO = 1.25
"""Per-axis scales stay within this ratio of each other, so a noisy landmark set cannot squash the skull."""


@dataclass(frozen=True)
class Warp:
    """base-head point → fitted point: `scale` per axis, `rotation`, `translation`, then the kernel warp."""

    scale: np.ndarray
    rotation: np.ndarray
    translation: np.ndarray
    centres: np.ndarray
    weights: np.ndarray

    @property
    def mean_scale(self) -> float:
        return float(np.cbrt(np.prod(self.scale)))

    def similarity(self, points: np.ndarray) -> np.ndarray:
        return (points * self.scale) @ self.rotation.T + self.translation

    def displacement(self, points: np.ndarray) -> np.ndarray:
        """The kernel part alone, at points already taken through `similarity`."""
        c = self.centres
        d2 = (points ** 2).sum(axis=1)[:, None] - 2.0 * points @ c.T + (c ** 2).sum(axis=1)[None]
        return np.exp(-np.maximum(d2, 0.0) / (2 * KERNEL_M ** 2)) @ self.weights

    def __call__(self, points: np.ndarray) -> np.ndarray:
        moved = self.similarity(points)
        return moved + self.displacement(moved)

    def linear(self, deltas: np.ndarray) -> np.ndarray:
        """Displacements (morph deltas) carried into the fitted head: scaled and rotated, not translated."""
        return (deltas * self.scale) @ self.rotation.T


def _axis_similarity(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Least-squares rotation and per-axis scale (then translation) mapping source points onto target."""
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    s, t = source - mu_s, target - mu_t
    scale = np.ones(3)
    rotation = np.eye(3)
    for _ in range(5):
        u, _, vt = np.linalg.svd((s * scale).T @ t)
        d = np.sign(np.linalg.det(u @ vt))
        rotation = (u @ np.diag([1.0, 1.0, d]) @ vt).T
        aligned = t @ rotation  # target in the source's axes
        scale = (aligned * s).sum(axis=0) / np.maximum((s * s).sum(axis=0), 1e-12)
        mean = np.cbrt(np.prod(np.abs(scale)))
        scale = np.clip(np.abs(scale), mean / MAX_SCALE_RATIO, mean * MAX_SCALE_RATIO)
    scale[2] = 0.5 * (scale[0] + scale[1]) if scale[2] < 0.9 * min(scale[0], scale[1]) else scale[2]
    translation = mu_t - (mu_s * scale) @ rotation.T
    return scale, rotation, translation


def fit_warp(base_points: np.ndarray, photo_points: np.ndarray,
             tied: tuple[tuple[int, int], ...] = ()) -> Warp:
    """The warp that carries `base_points` (landmarks on the base skin) onto `photo_points` (head frame).

    Each pair in `tied` moves by the mean of its two offsets, so points that touch on the base (the inner
    lips) still touch after the warp, whatever gap the photo shows between them."""
    scale, rotation, translation = _axis_similarity(base_points, photo_points)
    moved = (base_points * scale) @ rotation.T + translation
    residual = photo_points - moved
    for a, b in tied:
        residual[[a, b]] = 0.5 * (residual[a] + residual[b])
    residual[:, 2] *= DEPTH_TRUST
    d2 = ((moved[:, None, :] - moved[None]) ** 2).sum(axis=-1)
    kernel = np.exp(-d2 / (2 * KERNEL_M ** 2))
    weights = np.linalg.solve(kernel + SMOOTHING * np.eye(len(moved)), residual)
    return Warp(scale=scale, rotation=rotation, translation=translation, centres=moved, weights=weights)
