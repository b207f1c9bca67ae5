"""What to build from a photo: the options of `ftalk head`, the service and the API.

Kept free of heavy imports (no numpy, OpenCV or MediaPipe), so the CLI can describe its flags instantly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from fantasy_talking.head.errors import HeadError

HAIR_STYLES = ("short02", "short04", "bob02", "long01", "ponytail01", "afro01")
"""MakeHuman's CC0 hair meshes shipped with the package (ASSETS.md)."""
PART_GROUPS: dict[str, str] = {
    "cranium": "the skull (always built: the skin is one closed surface)",
    "ears": "the ears (always built, part of the skin)",
    "neck": "the neck and its closed base (always built, part of the skin)",
    "eyes": "eyeballs and eyelashes",
    "mouth": "teeth, gums and tongue",
}
DETAIL_LEVELS = {"low": 0.5, "medium": 1.0, "high": 2.0}
"""Mesh detail → the scale of the painted eye, mouth and lash textures (low: 256² eyes and mouth, for mobile;
high: 1024²). `high` also splits the face's triangles in four (head/subdivide.py: +10.5k triangles, rounder lips,
nostrils and lids in close-ups)."""
HAIR_CHOICES = ("auto", "none") + HAIR_STYLES
"""auto: chosen from the photo (head/hair.py); none: a bare scalp; or a style by name."""
MAX_LOD = 3
"""Levels of detail 1..MAX_LOD keep a half, a quarter, an eighth of the triangles (head/lod.py)."""
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class HeadOptions:
    """What to build. `parts` names groups of PART_GROUPS; the face is always included. `lod` is the level of
    detail of the GLB written (0, the full head, to MAX_LOD)."""

    texture_size: int = 1024
    parts: frozenset[str] = frozenset(PART_GROUPS)
    detail: str = "medium"
    hair: str = "auto"
    lod: int = 0

    def __post_init__(self):
        if self.hair not in HAIR_CHOICES:
            raise HeadError(f"unknown hair {self.hair!r}; choose from {', '.join(HAIR_CHOICES)}")
        if not 512 <= self.texture_size <= 4096:
            raise HeadError(f"texture size {self.texture_size} is outside 512..4096")
        unknown = set(self.parts) - set(PART_GROUPS)
        if unknown:
            raise HeadError(f"unknown head parts {sorted(unknown)}; choose from {sorted(PART_GROUPS)}")
        if not 0 <= self.lod <= MAX_LOD:
            raise HeadError(f"level of detail {self.lod} is outside 0..{MAX_LOD}")
        if self.detail not in DETAIL_LEVELS:
            raise HeadError(f"unknown mesh detail {self.detail!r}; choose from {sorted(DETAIL_LEVELS)}")


