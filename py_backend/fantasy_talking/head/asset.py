"""A finished head: mesh, texture, morph targets, skeleton, and posing for previews.

Posing is the same maths a glTF viewer runs: morph deltas first, then linear-blend skinning.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fantasy_talking.head.morphs import MorphTargets
from fantasy_talking.head.skeleton import Skeleton
from fantasy_talking.head.template import HeadMesh
from fantasy_talking.head.texture import Texture


def quaternion_matrix(q: np.ndarray) -> np.ndarray:
    """(x, y, z, w) → 3x3 rotation matrix."""
    x, y, z, w = np.asarray(q, dtype=np.float64) / max(np.linalg.norm(q), 1e-12)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


@dataclass
class HeadAsset:
    """Everything a GLB holds, plus `lip_gap_m`: how far apart the photo's lips were (the neutral closes them)."""

    mesh: HeadMesh
    texture: Texture
    morphs: MorphTargets
    skeleton: Skeleton
    lip_gap_m: float = 0.0

    def pose(self, weights: dict[str, float] | None = None,
             rotations: dict[str, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Deformed (positions, normals) for morph weights by name and joint rotations (x, y, z, w) by name."""
        positions = self.mesh.positions.copy()
        for name, value in (weights or {}).items():
            if value and name in self.morphs.names:
                positions += value * self.morphs.delta(name)
        skel = self.skeleton
        world, offsets = [], skel.local_offsets()
        for j, parent in enumerate(skel.parents):
            local = np.eye(4)
            local[:3, 3] = offsets[j]
            q = (rotations or {}).get(skel.names[j])
            if q is not None:
                local[:3, :3] = quaternion_matrix(q)
            world.append(local if parent < 0 else world[parent] @ local)
        skinning = np.stack(world)
        for j in range(len(world)):
            skinning[j, :3, 3] -= skinning[j, :3, :3] @ skel.positions[j]
        blended = np.einsum("vk,vkab->vab", skel.skin_weights, skinning[skel.skin_joints])
        homogeneous = np.column_stack([positions, np.ones(len(positions))])
        posed = np.einsum("vab,vb->va", blended, homogeneous)[:, :3]
        return posed, self.mesh.normals(posed)
