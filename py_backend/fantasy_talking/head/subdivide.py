"""Mesh detail `high`: the face's skin split once more, each new point bulged onto the surface the normals imply.

hm08 spends about 3k triangles on the face; their straight edges show on the lips' outline, the nostrils and
the lids in close-ups. Every face triangle is split in four at its edge midpoints, and each midpoint is moved
as Phong tessellation moves it (towards the tangent planes of the edge's two ends), so the new surface is
rounder, not just finer. Triangles beside the face that share one split edge are halved, so there are no
cracks. Texture coordinates, morph deltas and skin weights are carried to the midpoints linearly, so the
atlas, every ARKit target and the skeleton work unchanged.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from fantasy_talking.head.asset import HeadAsset
from fantasy_talking.head.morphs import MorphTargets
from fantasy_talking.head.template import Part

PHONG_SHAPE = 0.75
"""Share of the Phong bulge taken (0 is a plain midpoint split, 1 full Phong tessellation)."""


def face_triangles(asset: HeadAsset) -> np.ndarray:
    """Outer skin triangles on the face (not the mouth bag or the eye sockets behind the lids): inside the ellipse
    the landmarks span, in front of their deepest point."""
    from fantasy_talking.head.base_mesh import load_base_head

    mesh = asset.mesh
    marks = mesh.landmarks
    centre, half = 0.5 * (marks.max(axis=0) + marks.min(axis=0)), 0.5 * np.ptp(marks, axis=0)
    p = mesh.positions
    inside = (((p[:, :2] - centre[:2]) / half[:2]) ** 2).sum(axis=1) < 1.0
    inside &= (p[:, 2] > marks[:, 2].min()) & (mesh.part == Part.SKIN)
    region = load_base_head().skin_region
    inside[: len(region)] &= region == 0
    return np.flatnonzero(inside[mesh.triangles].all(axis=1))


def subdivide_face(asset: HeadAsset) -> HeadAsset:
    """The asset with its face triangles split in four (and their neighbours across split edges in two)."""
    mesh = asset.mesh
    tris = mesh.triangles
    weld = np.where(mesh.weld >= 0, mesh.weld, mesh.weld.max() + 1 + np.arange(mesh.n_vertices))

    def surface_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """One key per edge of the surface, the same for both copies of an edge along a UV seam."""
        wa, wb = weld[a], weld[b]
        return np.minimum(wa, wb).astype(np.int64) * (weld.max() + 1) + np.maximum(wa, wb)

    edges = np.stack([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]], axis=1)  # (T, 3, 2)
    keys = surface_key(edges[..., 0], edges[..., 1])
    full = np.zeros(len(tris), bool)
    full[face_triangles(asset)] = True
    while True:  # a triangle with two split edges is split in four too
        split = np.isin(keys, keys[full])
        grow = ~full & (split.sum(axis=1) >= 2)
        if not grow.any():
            break
        full |= grow
    # one new vertex per edge copy (seam copies keep their own texture coordinates), keyed by its two ends
    pairs = np.sort(edges[split].reshape(-1, 2), axis=1)
    pairs = np.unique(pairs, axis=0)
    new_index = {(int(a), int(b)): mesh.n_vertices + k for k, (a, b) in enumerate(pairs)}
    a, b = pairs[:, 0], pairs[:, 1]

    normals = mesh.normals()
    middle = 0.5 * (mesh.positions[a] + mesh.positions[b])
    phong = 0.5 * (_onto_plane(middle, mesh.positions[a], normals[a]) + _onto_plane(middle, mesh.positions[b], normals[b]))
    midpoints = (1 - PHONG_SHAPE) * middle + PHONG_SHAPE * phong
    surface = surface_key(a, b)
    _, edge_weld = np.unique(surface, return_inverse=True)

    out_tris = [tris[~split.any(axis=1)]]
    for t in np.flatnonzero(split.any(axis=1)):
        v = tris[t]
        m = [new_index.get((int(min(v[k], v[(k + 1) % 3])), int(max(v[k], v[(k + 1) % 3]))), -1) for k in range(3)]
        if full[t]:
            out_tris.append(np.array([[v[0], m[0], m[2]], [m[0], v[1], m[1]], [m[2], m[1], v[2]], [m[0], m[1], m[2]]]))
        else:  # one split edge: halve the triangle through the opposite corner
            k = int(np.flatnonzero(split[t])[0])
            out_tris.append(np.array([[v[k], m[k], v[(k + 2) % 3]], [m[k], v[(k + 1) % 3], v[(k + 2) % 3]]]))

    skel = asset.skeleton
    wa, wb = skel.skin_weights[a], skel.skin_weights[b]
    joints = np.where(wa > 0, skel.skin_joints[a], skel.skin_joints[b])
    weights = 0.5 * (wa + wb)
    new_mesh = replace(
        mesh,
        positions=np.concatenate([mesh.positions, midpoints]),
        triangles=np.concatenate(out_tris).astype(mesh.triangles.dtype),
        part=np.concatenate([mesh.part, mesh.part[a]]),
        uv=np.concatenate([mesh.uv, 0.5 * (mesh.uv[a] + mesh.uv[b])]),
        weld=np.concatenate([mesh.weld, weld.max() + 1 + edge_weld]),
        base_deltas=np.concatenate([mesh.base_deltas, 0.5 * (mesh.base_deltas[:, a] + mesh.base_deltas[:, b])], axis=1),
    )
    deltas = asset.morphs.deltas
    morphs = MorphTargets(names=asset.morphs.names,
                          deltas=np.concatenate([deltas, 0.5 * (deltas[:, a] + deltas[:, b])], axis=1))
    skeleton = replace(skel, skin_joints=np.concatenate([skel.skin_joints, joints]),
                       skin_weights=np.concatenate([skel.skin_weights, weights / weights.sum(axis=1, keepdims=True)]))
    return replace(asset, mesh=new_mesh, morphs=morphs, skeleton=skeleton)


def _onto_plane(points: np.ndarray, origin: np.ndarray, normal: np.ndarray) -> np.ndarray:
    return points - ((points - origin) * normal).sum(axis=1, keepdims=True) * normal
