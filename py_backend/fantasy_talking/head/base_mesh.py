"""The base head: MakeHuman's hm08 cropped to head and neck, its proxies, and the Face Units ARKit targets.

Everything comes from one compressed file shipped in the package (assets/hm08_head.npz, built by
tools/head_assets/build_head_assets.py; sources and licences in ASSETS.md). It is read once, on first use.
Lengths are metres in the head frame (+X the character's left, +Y up, +Z out of the face).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from fantasy_talking.head.options import HAIR_STYLES

PROXIES = ("eyes", "teeth", "tongue", "lashes") + tuple(f"hair_{s}" for s in HAIR_STYLES)


@dataclass(frozen=True)
class BasePart:
    """One mesh of the base head: rest positions, triangles, texture coordinates and the 52 ARKit deltas."""

    positions: np.ndarray
    triangles: np.ndarray
    uv: np.ndarray
    deltas: np.ndarray


@dataclass(frozen=True)
class BaseHead:
    """The base head's parts (`skin` and PROXIES), joints, and where MediaPipe's landmarks lie on its skin."""

    parts: dict[str, BasePart]
    joints: dict[str, np.ndarray]
    morph_names: tuple[str, ...]
    skin_source: np.ndarray
    skin_region: np.ndarray
    landmark_triangle: np.ndarray
    landmark_bary: np.ndarray
    mp_triangles: np.ndarray
    mp_face_oval: np.ndarray
    hair_cover: dict[str, np.ndarray]
    """Per skin vertex, 0..1: how far under each hair style's mesh the scalp lies."""

    def landmarks_on(self, skin_positions: np.ndarray) -> np.ndarray:
        """The 468 landmark points on a (deformed) skin, (468, 3)."""
        corners = skin_positions[self.parts["skin"].triangles[self.landmark_triangle]]
        return np.einsum("lk,lkc->lc", self.landmark_bary, corners)


@lru_cache(maxsize=1)
def load_base_head() -> BaseHead:
    with resources.files("fantasy_talking.head").joinpath("assets/hm08_head.npz").open("rb") as f:
        data = dict(np.load(f))
    parts = {}
    for name in ("skin",) + PROXIES:
        parts[name] = BasePart(positions=data[f"{name}_positions"].astype(np.float64),
                               triangles=data[f"{name}_triangles"].astype(np.int64),
                               uv=data[f"{name}_uv"].astype(np.float32),
                               deltas=data[f"{name}_deltas"].astype(np.float32))
    joints = {k.removeprefix("joint_"): v.astype(np.float64) for k, v in data.items() if k.startswith("joint_")}
    return BaseHead(parts=parts, joints=joints, morph_names=tuple(str(n) for n in data["morph_names"]),
                    skin_source=data["skin_source"], skin_region=data["skin_region"], landmark_triangle=data["landmark_triangle"].astype(np.int64),
                    landmark_bary=data["landmark_bary"].astype(np.float64),
                    mp_triangles=data["mp_triangles"].astype(np.int32), mp_face_oval=data["mp_face_oval"].astype(np.int64),
                    hair_cover={s: data[f"hair_{s}_cover"].astype(np.float32) for s in HAIR_STYLES})
