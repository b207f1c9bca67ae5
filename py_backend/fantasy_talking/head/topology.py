"""MediaPipe face-mesh topology: triangles and named landmark groups, derived from the edges the
mediapipe wheel ships (Apache-2.0), so no mesh asset is needed.
"""
from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from functools import lru_cache

import numpy as np
from mediapipe.python.solutions import face_mesh_connections as connections

N_FACE = 468
RIGHT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_EYE_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LEFT_EYE_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)
UPPER_LIP_INNER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_LIP_INNER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
UPPER_LIP_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LOWER_LIP_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
MOUTH_LEFT, MOUTH_RIGHT = 291, 61
LEFT_BROW = (276, 283, 282, 295, 285, 300, 293, 334, 296, 336)
RIGHT_BROW = (46, 53, 52, 65, 55, 70, 63, 105, 66, 107)
INNER_BROW_LEFT, INNER_BROW_RIGHT = 336, 107
OUTER_BROW_LEFT, OUTER_BROW_RIGHT = 300, 70
NOSE_WING_LEFT, NOSE_WING_RIGHT = 358, 129
CHEEK_LEFT, CHEEK_RIGHT = 425, 205
NOSE_TIP, CHIN = 1, 152


def _loop(edges: frozenset[tuple[int, int]]) -> tuple[int, ...]:
    adjacency = defaultdict(list)
    for a, b in edges:
        adjacency[a].append(b)
        adjacency[b].append(a)
    start = min(adjacency)
    loop, previous = [start], None
    while True:
        nxt = [n for n in adjacency[loop[-1]] if n != previous][0]
        if nxt == start:
            return tuple(loop)
        previous = loop[-1]
        loop.append(nxt)


@lru_cache(maxsize=1)
def face_triangles() -> np.ndarray:
    """(F, 3) triangles of the 468-point face mesh (holes at the eyes and mouth), unoriented.

    The triangles are the 3-cliques of the tessellation edges, minus the few cliques that are not
    faces (those that would make an edge shared by three triangles).
    """
    edges = {tuple(sorted(e)) for e in connections.FACEMESH_TESSELATION}
    adjacency = defaultdict(set)
    for a, b in edges:
        adjacency[a].add(b)
        adjacency[b].add(a)
    triangles = {tuple(sorted((a, b, c))) for a, b in edges for c in adjacency[a] & adjacency[b]}
    uses = Counter(e for t in triangles for e in itertools.combinations(t, 2))
    spurious = {t for t in triangles if sum(uses[e] > 2 for e in itertools.combinations(t, 2)) >= 2}
    return np.array(sorted(triangles - spurious), dtype=np.int32)


@lru_cache(maxsize=1)
def face_oval() -> tuple[int, ...]:
    """The face outline as one closed loop of landmark indices."""
    return _loop(frozenset(tuple(e) for e in connections.FACEMESH_FACE_OVAL))
