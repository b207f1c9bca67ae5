"""Headless rendering of a posed head with OpenGL 3.3 through EGL (Mesa llvmpipe works; no display).

The renderer only rasterises: callers pass already-posed positions and normals (HeadAsset.pose).
"""
from __future__ import annotations

import numpy as np

from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.glb import ALPHA_CUTOFF

_VERTEX = """
#version 330
uniform mat4 mvp;
in vec3 in_position;
in vec3 in_normal;
in vec2 in_uv;
out vec3 v_normal;
out vec2 v_uv;
void main() {
    gl_Position = mvp * vec4(in_position, 1.0);
    v_normal = in_normal;
    v_uv = in_uv;
}
"""
_FRAGMENT = """
#version 330
uniform sampler2D albedo;
uniform vec3 light;
uniform float cutoff;
in vec3 v_normal;
in vec2 v_uv;
out vec4 colour;
void main() {
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;
    float diffuse = max(dot(n, normalize(light)), 0.0);
    vec4 base = texture(albedo, v_uv);
    if (base.a < cutoff) discard;
    colour = vec4(base.rgb * (0.55 + 0.5 * diffuse), 1.0);
}
"""


def coverage_mipmaps(image: np.ndarray, cutoff: float = ALPHA_CUTOFF) -> list[np.ndarray]:
    """Mipmap levels 1.. of an alpha-tested RGBA image whose alpha is rescaled so that each level keeps the share
    of texels passing the cutoff that the full image has (plain averaging thins strands and lashes away with
    distance, as each level's alpha falls below the cutoff)."""
    import cv2

    coverage = float((image[..., 3] >= cutoff * 255).mean())
    levels, current = [], image.astype(np.float32)
    while min(current.shape[:2]) > 1:
        current = cv2.resize(current, (max(current.shape[1] // 2, 1), max(current.shape[0] // 2, 1)),
                             interpolation=cv2.INTER_AREA)
        alpha = current[..., 3]
        lo, hi = 0.0, 8.0
        for _ in range(12):  # the scale whose coverage matches, by bisection
            scale = 0.5 * (lo + hi)
            lo, hi = (scale, hi) if (alpha * scale >= cutoff * 255).mean() < coverage else (lo, scale)
        # alpha takes few distinct values in small levels: of the two bounds, keep the nearer coverage
        scale = min((lo, hi), key=lambda k: abs((alpha * k >= cutoff * 255).mean() - coverage))
        level = current.copy()
        level[..., 3] = np.clip(alpha * scale, 0, 255)
        levels.append(np.ascontiguousarray(level.astype(np.uint8)))
    return levels


def _perspective(fov_deg: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / np.tan(np.radians(fov_deg) / 2)
    return np.array([[f / aspect, 0, 0, 0], [0, f, 0, 0],
                     [0, 0, (far + near) / (near - far), 2 * far * near / (near - far)], [0, 0, -1, 0]])


def _look_at(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    forward = target - eye
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = right, up, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    return view


class Renderer:
    """One offscreen framebuffer and one mesh with a texture per material; draw() returns (size, size, 3) uint8 RGB.

    `triangles` and `texture_rgb` are either one array each, or dicts from material name to triangles and to
    an RGB or RGBA image; RGBA materials are alpha-tested (as the GLB's MASK materials) and drawn last.
    """

    def __init__(self, size: int, triangles, uv: np.ndarray, texture_rgb,
                 target: np.ndarray, distance: float = 0.75, fov_deg: float = 24.0):
        try:
            import moderngl

            self._ctx = moderngl.create_standalone_context(backend="egl")
        except Exception as exc:
            raise HeadError(f"offscreen OpenGL (EGL) is unavailable: {exc}; install libegl1 and libgl1-mesa-dri")
        ctx = self._ctx
        self.size = size
        self._program = ctx.program(vertex_shader=_VERTEX, fragment_shader=_FRAGMENT)
        self._n = len(uv)
        self._positions = ctx.buffer(reserve=self._n * 12)
        self._normals = ctx.buffer(reserve=self._n * 12)
        uv_buffer = ctx.buffer(np.ascontiguousarray(uv, dtype="f4").tobytes())
        if not isinstance(triangles, dict):
            triangles, texture_rgb = {"surface": triangles}, {"surface": texture_rgb}
        self._surfaces = []
        for name, tris in triangles.items():
            image = texture_rgb.get(name)
            if image is None or not len(tris):
                continue
            index = ctx.buffer(np.ascontiguousarray(tris, dtype="i4").tobytes())
            vao = ctx.vertex_array(self._program, [(self._positions, "3f", "in_position"),
                                                   (self._normals, "3f", "in_normal"),
                                                   (uv_buffer, "2f", "in_uv")], index_buffer=index)
            h, w, channels = image.shape
            texture = ctx.texture((w, h), channels, np.ascontiguousarray(image, dtype=np.uint8).tobytes())
            texture.build_mipmaps()
            if channels == 4:
                for level, smaller in enumerate(coverage_mipmaps(image), start=1):
                    texture.write(smaller.tobytes(), level=level)
            self._surfaces.append((channels == 4, vao, texture))
        self._surfaces.sort(key=lambda s: s[0])
        self._fbo = ctx.framebuffer(color_attachments=[ctx.renderbuffer((size, size), samples=0)],
                                    depth_attachment=ctx.depth_renderbuffer((size, size)))
        self._target = np.asarray(target, dtype=np.float64)
        self._distance = distance
        self._projection = _perspective(fov_deg, 1.0, 0.05, 5.0)

    def draw(self, positions: np.ndarray, normals: np.ndarray, yaw_deg: float = 0.0,
             background=(0.18, 0.2, 0.24)) -> np.ndarray:
        """One frame seen from `yaw_deg` round the head; the context is made current, so renderers can coexist."""
        with self._ctx:
            return self._draw(positions, normals, yaw_deg, background)

    def _draw(self, positions, normals, yaw_deg, background) -> np.ndarray:
        ctx = self._ctx
        yaw = np.radians(yaw_deg)
        eye = self._target + self._distance * np.array([np.sin(yaw), 0.0, np.cos(yaw)])
        mvp = self._projection @ _look_at(eye, self._target)
        self._program["mvp"].write(mvp.T.astype("f4").tobytes())
        self._program["light"].value = tuple(float(c) for c in (eye - self._target) + [0.25, 0.35, 0.0])
        self._positions.write(np.ascontiguousarray(positions, dtype="f4").tobytes())
        self._normals.write(np.ascontiguousarray(normals, dtype="f4").tobytes())
        self._fbo.use()
        ctx.clear(*background, 1.0)
        for alpha, vao, texture in self._surfaces:
            ctx.enable(ctx.DEPTH_TEST)
            if alpha:
                ctx.disable(ctx.CULL_FACE)
            else:
                ctx.enable(ctx.CULL_FACE)
            self._program["cutoff"].value = ALPHA_CUTOFF if alpha else -1.0
            texture.use(0)
            vao.render()
        data = self._fbo.read(components=3, alignment=1)
        return np.frombuffer(data, dtype=np.uint8).reshape(self.size, self.size, 3)[::-1].copy()

    def release(self) -> None:
        self._ctx.release()


def asset_renderer(asset, size: int, target, distance: float = 0.75, fov_deg: float = 24.0) -> Renderer:
    """A renderer for a HeadAsset: a surface per material, with that material's texture."""
    from fantasy_talking.head.template import MATERIALS

    mesh = asset.mesh
    return Renderer(size, {m: mesh.triangles_of(m) for m in MATERIALS}, mesh.uv, asset.texture.images,
                    target=target, distance=distance, fov_deg=fov_deg)
