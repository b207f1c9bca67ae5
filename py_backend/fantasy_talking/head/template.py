"""The head template, built in code around the fitted face.

The face surface is the photo's own 468 landmarks (MediaPipe topology). Everything the photo
cannot measure is placed from average adult proportions relative to the fitted face: a cranium
lofted from the face outline round the back of the head, ears, a neck stub, eyeballs, upper and
lower teeth, a tongue and the mouth cavity. Parts are separate shells in one mesh, so the jaw can
open and the head can turn without tearing anything visible.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from fantasy_talking.head import topology as topo
from fantasy_talking.head.fit import FaceFit


class Part(IntEnum):
    FACE = 0
    CRANIUM = 1
    NECK = 2
    EAR = 3
    EYE_LEFT = 4
    EYE_RIGHT = 5
    TEETH_UPPER = 6
    TEETH_LOWER = 7
    TONGUE = 8
    MOUTH = 9


EYEBALL_RADIUS = 0.0120
CRANIUM_RINGS = 14


@dataclass(frozen=True)
class Anchors:
    """Named points of the fitted head (head-frame metres) that morphs, skin and texture refer to."""

    eye_left: np.ndarray
    eye_right: np.ndarray
    jaw_hinge: np.ndarray
    mouth: np.ndarray
    head_joint: np.ndarray
    neck_joint: np.ndarray
    root_joint: np.ndarray


@dataclass
class HeadMesh:
    """One triangle mesh holding every part; per-vertex part labels say which is which.

    `landmark` is the MediaPipe index of a face vertex (also on the cranium's copy of the face
    outline), -1 elsewhere. `uv` holds part-local coordinates until texture.layout_uvs places them
    in the atlas.
    """

    positions: np.ndarray
    triangles: np.ndarray
    part: np.ndarray
    landmark: np.ndarray
    uv: np.ndarray
    anchors: Anchors

    @property
    def n_vertices(self) -> int:
        return int(self.positions.shape[0])

    def normals(self, positions: np.ndarray | None = None) -> np.ndarray:
        """Area-weighted vertex normals, with copies along UV seams sharing their neighbours' normals."""
        p = self.positions if positions is None else positions
        a, b, c = (p[self.triangles[:, k]] for k in range(3))
        face_n = np.cross(b - a, c - a)
        n = np.zeros_like(p)
        for k in range(3):
            np.add.at(n, self.triangles[:, k], face_n)
        seam = self.landmark >= 0
        if seam.any():
            shared = np.zeros((topo.N_FACE + 10, 3))
            np.add.at(shared, self.landmark[seam], n[seam])
            n[seam] = shared[self.landmark[seam]]
        return n / np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)


@dataclass
class _Builder:
    positions: list = field(default_factory=list)
    triangles: list = field(default_factory=list)
    part: list = field(default_factory=list)
    landmark: list = field(default_factory=list)
    uv: list = field(default_factory=list)
    count: int = 0

    include: frozenset = frozenset(Part)

    def add(self, part: Part, positions: np.ndarray, triangles: np.ndarray, uv: np.ndarray,
            landmark: np.ndarray | None = None) -> None:
        if part not in self.include:
            return
        n = len(positions)
        self.positions.append(np.asarray(positions, dtype=np.float64))
        self.triangles.append(np.asarray(triangles, dtype=np.int64) + self.count)
        self.part.append(np.full(n, int(part), dtype=np.int8))
        self.landmark.append(np.full(n, -1, dtype=np.int32) if landmark is None else landmark.astype(np.int32))
        self.uv.append(np.asarray(uv, dtype=np.float64))
        self.count += n


def _orient_outward(positions: np.ndarray, triangles: np.ndarray, centre: np.ndarray) -> np.ndarray:
    a, b, c = (positions[triangles[:, k]] for k in range(3))
    normal = np.cross(b - a, c - a)
    flip = np.einsum("ij,ij->i", normal, (a + b + c) / 3 - centre) < 0
    out = triangles.copy()
    out[flip] = out[flip][:, ::-1]
    return out


def _grid_triangles(rows: int, cols: int, wrap: bool) -> np.ndarray:
    """Quads of a rows x cols vertex grid (row-major), split in two; columns wrap round when asked."""
    tris = []
    col_end = cols if wrap else cols - 1
    for r in range(rows - 1):
        for c in range(col_end):
            c1 = (c + 1) % cols
            a, b, d, e = r * cols + c, r * cols + c1, (r + 1) * cols + c, (r + 1) * cols + c1
            tris += [(a, d, b), (b, d, e)]
    return np.array(tris, dtype=np.int64)


def ellipsoid(centre, radii, rows: int = 12, cols: int = 18, axis: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A closed UV-sphere scaled to `radii`, poles on `axis`; returns positions, outward triangles, unit directions."""
    theta = np.linspace(0.0, np.pi, rows)
    phi = np.linspace(0.0, 2 * np.pi, cols, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    local = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], axis=-1).reshape(-1, 3)
    order = {2: [0, 1, 2], 1: [0, 2, 1], 0: [2, 0, 1]}[axis]
    directions = local[:, order]
    positions = np.asarray(centre) + directions * np.asarray(radii)
    triangles = _grid_triangles(rows, cols, wrap=True)
    a, b, c = (positions[triangles[:, k]] for k in range(3))
    keep = np.linalg.norm(np.cross(b - a, c - a), axis=1) > 1e-12
    triangles = _orient_outward(positions, triangles[keep], np.asarray(centre))
    return positions, triangles, directions


def _slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    cos = np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0)[:, None]
    angle = np.arccos(cos)
    sin = np.maximum(np.sin(angle), 1e-9)
    return (np.sin((1 - t) * angle) * a + np.sin(t * angle) * b) / sin


def _cranium(face: np.ndarray, n_rings: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loft from the face outline round the back of an average skull to a pole behind the head."""
    oval = np.array(topo.face_oval())
    ring0 = face[oval]
    centre = np.array([0.0, 0.012, -0.080])
    radii = np.array([0.078, 0.118, 0.104])
    directions = (ring0 - centre) / radii
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    on_shell = centre + directions * radii
    offset = ring0 - on_shell
    back = np.array([0.0, 0.25, -1.0])
    back /= np.linalg.norm(back)
    rings = [ring0]
    for k in range(1, n_rings + 1):
        t = k / (n_rings + 1)
        d = _slerp(directions, np.repeat(back[None], len(oval), 0), t)
        rings.append(centre + d * radii + offset * (1 - t) ** 3)
    pole = centre + back * radii
    positions = np.concatenate(rings + [pole[None]])
    cols = len(oval)
    triangles = _grid_triangles(len(rings), cols, wrap=True)
    last = (len(rings) - 1) * cols
    pole_index = len(positions) - 1
    cap = [(last + c, pole_index, last + (c + 1) % cols) for c in range(cols)]
    triangles = np.concatenate([triangles, np.array(cap)])
    triangles = _orient_outward(positions, triangles, centre)
    landmark = np.full(len(positions), -1)
    landmark[:cols] = oval
    return positions, triangles, landmark


def _band(arc_centre, radius_x, radius_z, half_angle, y_top, y_bottom, cols: int = 24):
    """An arched strip (teeth): a front and a back surface joined at the biting edge."""
    angles = np.linspace(-half_angle, half_angle, cols)
    x = arc_centre[0] + radius_x * np.sin(angles)
    z = arc_centre[2] + radius_z * np.cos(angles)
    inset = 0.75
    xb = arc_centre[0] + radius_x * inset * np.sin(angles)
    zb = arc_centre[2] + radius_z * inset * np.cos(angles)
    rows = [np.stack([x, np.full(cols, y_top), z], 1), np.stack([x, np.full(cols, y_bottom), z], 1),
            np.stack([xb, np.full(cols, y_bottom), zb], 1), np.stack([xb, np.full(cols, y_top), zb], 1)]
    positions = np.concatenate(rows)
    triangles = _grid_triangles(4, cols, wrap=False)
    u = np.tile(np.linspace(0, 1, cols), 4)
    v = np.repeat([0.0, 1.0, 1.0, 0.0], cols)
    centre = np.array([arc_centre[0], 0.5 * (y_top + y_bottom), arc_centre[2]])
    return positions, _orient_outward(positions, triangles, centre - [0, 0, 0.01]), np.stack([u, v], 1)


def _ear(root: np.ndarray, side: float, res) -> tuple[np.ndarray, np.ndarray]:
    """An ear: a thin shell, wider at the top, tilted back 15° and flared 25° away from the head."""
    positions, triangles, directions = ellipsoid([0.0, 0.0, 0.0], [0.007, 0.031, 0.017], rows=res(10), cols=res(14),
                                                 axis=1)
    positions[:, 2] *= 1.0 + 0.35 * np.clip(directions[:, 1], 0.0, 1.0)
    tilt, flare = np.radians(15.0), -np.radians(25.0) * side
    about_x = np.array([[1, 0, 0], [0, np.cos(tilt), -np.sin(tilt)], [0, np.sin(tilt), np.cos(tilt)]])
    about_y = np.array([[np.cos(flare), 0, np.sin(flare)], [0, 1, 0], [-np.sin(flare), 0, np.cos(flare)]])
    placed = positions @ (about_y @ about_x).T + root + [side * 0.004, 0.0, 0.0]
    return placed, triangles


def _eyeball_centre(rim: np.ndarray) -> np.ndarray:
    """Centre of an eyeball whose surface the lid margins rest on (just behind the middle of the rim)."""
    x, y = rim[:, 0].mean(), rim[:, 1].mean()
    dx, dy = rim[:, 0] - x, rim[:, 1] - y
    middle = np.abs(dx) < 0.75 * EYEBALL_RADIUS
    depth = np.sqrt(np.clip(EYEBALL_RADIUS ** 2 - dx[middle] ** 2 - dy[middle] ** 2, 0.0, None))
    return np.array([x, y, float(np.median(rim[middle, 2] - depth)) - 0.0008])


def _sphere_uv(directions: np.ndarray) -> np.ndarray:
    """Polar map centred on +Z: the front pole at the middle of the patch, the back pole on its rim."""
    angle = np.arccos(np.clip(directions[:, 2], -1, 1)) / np.pi
    azimuth = np.arctan2(directions[:, 1], directions[:, 0])
    return 0.5 + 0.5 * np.stack([angle * np.cos(azimuth), -angle * np.sin(azimuth)], 1)


def build_head(fit: FaceFit, include: frozenset[Part] = frozenset(Part), detail: float = 1.0) -> HeadMesh:
    """Assemble the parts in `include` (the face always) around a fitted face; `detail` scales tessellation."""
    v = fit.vertices
    face = v[: topo.N_FACE]
    builder = _Builder(include=include | {Part.FACE})

    def res(n: int) -> int:
        return max(4, int(round(n * detail)))

    face_tris = _orient_outward(face, topo.face_triangles().astype(np.int64), np.array([0.0, -0.02, -0.09]))
    builder.add(Part.FACE, face, face_tris, np.zeros((topo.N_FACE, 2)), np.arange(topo.N_FACE))

    cranium, cranium_tris, cranium_landmark = _cranium(face, res(CRANIUM_RINGS))
    builder.add(Part.CRANIUM, cranium, cranium_tris, np.full((len(cranium), 2), 0.5), cranium_landmark)

    neck_rows, neck_cols = res(8), res(20)
    ang = np.linspace(0, 2 * np.pi, neck_cols, endpoint=False)
    front = np.clip(np.cos(ang), 0.0, 1.0) ** 0.5
    top = -0.040 + front * (face[13, 1] - 0.035 + 0.040)  # inside the skull, but below the mouth cavity in front
    rows = np.linspace(0.0, 1.0, neck_rows)[:, None]
    neck_y = top[None, :] + rows * (-0.200 - top[None, :])
    neck = np.stack([np.broadcast_to(0.054 * np.sin(ang), neck_y.shape), neck_y,
                     np.broadcast_to(-0.068 + 0.050 * np.cos(ang), neck_y.shape)], axis=-1).reshape(-1, 3)
    neck_tris = _orient_outward(neck, _grid_triangles(neck_rows, neck_cols, wrap=True),
                                np.array([0.0, 0.0, -0.068]))
    builder.add(Part.NECK, neck, neck_tris, np.full((len(neck), 2), 0.5))

    ear_y = 0.5 * (face[topo.NOSE_TIP, 1] + face[168, 1]) - 0.012
    for side in (1.0, -1.0):
        ear_x = side * (abs(face[454 if side > 0 else 234, 0]) + 0.004)
        ear, ear_tris = _ear(np.array([ear_x, ear_y, -0.080]), side, res)
        builder.add(Part.EAR, ear, ear_tris, np.full((len(ear), 2), 0.5))

    eye_centres = {}
    for part, contour in ((Part.EYE_LEFT, topo.LEFT_EYE_UPPER + topo.LEFT_EYE_LOWER),
                          (Part.EYE_RIGHT, topo.RIGHT_EYE_UPPER + topo.RIGHT_EYE_LOWER)):
        centre = _eyeball_centre(face[list(contour)])
        eye_centres[part] = centre
        eye, eye_tris, directions = ellipsoid(centre, [EYEBALL_RADIUS] * 3, rows=res(14), cols=res(20), axis=2)
        builder.add(part, eye, eye_tris, _sphere_uv(directions))

    mouth = np.array([0.0, face[13, 1], face[13, 2]])
    corner_x = 0.5 * (face[topo.MOUTH_LEFT, 0] - face[topo.MOUTH_RIGHT, 0])
    arc = np.array([0.0, 0.0, mouth[2] - 0.032])
    radius_x, radius_z = max(0.022, corner_x * 0.95), 0.026
    upper, upper_tris, upper_uv = _band(arc, radius_x, radius_z, np.radians(75), mouth[1] + 0.008, mouth[1] - 0.0015)
    builder.add(Part.TEETH_UPPER, upper, upper_tris, upper_uv)
    lower_arc = arc - [0, 0, 0.002]
    lower, lower_tris, lower_uv = _band(lower_arc, radius_x * 0.95, radius_z * 0.95, np.radians(75),
                                        mouth[1] - 0.0025, mouth[1] - 0.0095)
    builder.add(Part.TEETH_LOWER, lower, lower_tris, np.column_stack([lower_uv[:, 0], 1.0 - lower_uv[:, 1]]))

    tongue, tongue_tris, _ = ellipsoid([0.0, mouth[1] - 0.011, mouth[2] - 0.036], [0.019, 0.006, 0.026],
                                       rows=res(8), cols=res(14), axis=2)
    builder.add(Part.TONGUE, tongue, tongue_tris, np.full((len(tongue), 2), 0.5))

    cavity_centre = np.array([0.0, mouth[1] - 0.006, mouth[2] - 0.040])
    cavity, cavity_tris, _ = ellipsoid(cavity_centre, [max(0.026, corner_x * 1.05), 0.024, 0.036],
                                      rows=res(12), cols=res(16))
    builder.add(Part.MOUTH, cavity, cavity_tris[:, ::-1], np.full((len(cavity), 2), 0.5))

    hinge = np.array([0.0, ear_y - 0.008, -0.066])
    anchors = Anchors(eye_left=eye_centres[Part.EYE_LEFT], eye_right=eye_centres[Part.EYE_RIGHT], jaw_hinge=hinge,
                      mouth=mouth, head_joint=np.array([0.0, ear_y - 0.030, -0.070]),
                      neck_joint=np.array([0.0, -0.130, -0.070]), root_joint=np.array([0.0, -0.200, -0.068]))
    return HeadMesh(positions=np.concatenate(builder.positions), triangles=np.concatenate(builder.triangles),
                    part=np.concatenate(builder.part), landmark=np.concatenate(builder.landmark),
                    uv=np.concatenate(builder.uv), anchors=anchors)
