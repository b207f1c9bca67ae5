"""Binary glTF 2.0: write a HeadAsset as one skinned, morphable, textured mesh; read and re-pack GLBs.

Morph target names go in `mesh.extras.targetNames` (the convention Blender, three.js, Unity's
glTFast and Unreal's importer read). Joints are nodes named as the skeleton's joints, with no
rest rotation, so animation rotations are applied as they come.
"""
from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from fantasy_talking.head.asset import HeadAsset
from fantasy_talking.head.errors import HeadError

GLB_MAGIC = 0x46546C67
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963
FLOAT, UNSIGNED_BYTE, UNSIGNED_SHORT, UNSIGNED_INT = 5126, 5121, 5123, 5125
_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4", 16: "MAT4"}
MORPH_EPSILON_M = 1e-6
"""Morph displacements below a micrometre are dropped, so each target stores only the vertices it moves."""


@dataclass
class GltfDocument:
    """A glTF JSON document and its single binary buffer, with helpers to append accessors."""

    json: dict
    binary: bytearray = field(default_factory=bytearray)

    def add_accessor(self, array: np.ndarray, component: int, target: int | None = None,
                     with_bounds: bool = False, normalized: bool = False) -> int:
        array = np.ascontiguousarray(array)
        width = 1 if array.ndim == 1 else int(np.prod(array.shape[1:]))
        while len(self.binary) % 4:
            self.binary.append(0)
        view = {"buffer": 0, "byteOffset": len(self.binary), "byteLength": array.nbytes}
        if target is not None:
            view["target"] = target
        self.binary += array.tobytes()
        views = self.json.setdefault("bufferViews", [])
        views.append(view)
        accessor = {"bufferView": len(views) - 1, "componentType": component, "count": int(array.shape[0]),
                    "type": _TYPES[width]}
        if normalized:
            accessor["normalized"] = True
        if with_bounds:
            flat = array.reshape(array.shape[0], -1)
            accessor["min"] = [float(v) for v in flat.min(axis=0)]
            accessor["max"] = [float(v) for v in flat.max(axis=0)]
        accessors = self.json.setdefault("accessors", [])
        accessors.append(accessor)
        return len(accessors) - 1

    def _add_view(self, array: np.ndarray) -> int:
        while len(self.binary) % 4:
            self.binary.append(0)
        views = self.json.setdefault("bufferViews", [])
        views.append({"buffer": 0, "byteOffset": len(self.binary), "byteLength": array.nbytes})
        self.binary += np.ascontiguousarray(array).tobytes()
        return len(views) - 1

    def add_sparse_vec3(self, dense: np.ndarray) -> int:
        """A VEC3 float accessor stored sparsely: only rows that are not all zero take space."""
        rows = np.flatnonzero(np.abs(dense).max(axis=1) > 0)
        accessor = {"componentType": FLOAT, "count": int(dense.shape[0]), "type": "VEC3",
                    "min": [float(v) for v in dense.min(axis=0)], "max": [float(v) for v in dense.max(axis=0)]}
        if len(rows):
            index_type, component = (np.uint16, UNSIGNED_SHORT) if dense.shape[0] < 65536 else (np.uint32, UNSIGNED_INT)
            accessor["sparse"] = {
                "count": int(len(rows)),
                "indices": {"bufferView": self._add_view(rows.astype(index_type)), "componentType": component},
                "values": {"bufferView": self._add_view(dense[rows].astype(np.float32))},
            }
        accessors = self.json.setdefault("accessors", [])
        accessors.append(accessor)
        return len(accessors) - 1

    def add_image(self, data: bytes, mime: str) -> int:
        while len(self.binary) % 4:
            self.binary.append(0)
        views = self.json.setdefault("bufferViews", [])
        views.append({"buffer": 0, "byteOffset": len(self.binary), "byteLength": len(data)})
        self.binary += data
        images = self.json.setdefault("images", [])
        images.append({"bufferView": len(views) - 1, "mimeType": mime})
        return len(images) - 1

    def to_bytes(self) -> bytes:
        while len(self.binary) % 4:
            self.binary.append(0)
        self.json["buffers"] = [{"byteLength": len(self.binary)}]
        text = json.dumps(self.json, separators=(",", ":")).encode("utf-8")
        text += b" " * (-len(text) % 4)
        total = 12 + 8 + len(text) + 8 + len(self.binary)
        return b"".join([struct.pack("<III", GLB_MAGIC, 2, total), struct.pack("<II", len(text), CHUNK_JSON), text,
                         struct.pack("<II", len(self.binary), CHUNK_BIN), bytes(self.binary)])


def read_glb(data: bytes) -> GltfDocument:
    """Parse a GLB (JSON chunk + one BIN chunk), or raise HeadError saying what is wrong."""
    if len(data) < 20 or struct.unpack_from("<I", data, 0)[0] != GLB_MAGIC:
        raise HeadError("not a GLB file (binary glTF); pass the .glb written by `ftalk head`")
    _, version, total = struct.unpack_from("<III", data, 0)
    if version != 2 or total > len(data):
        raise HeadError("unsupported or truncated GLB; pass a glTF 2.0 .glb file")
    offset, document, binary = 12, None, bytearray()
    while offset + 8 <= total:
        length, kind = struct.unpack_from("<II", data, offset)
        chunk = data[offset + 8: offset + 8 + length]
        if kind == CHUNK_JSON:
            document = json.loads(chunk.decode("utf-8"))
        elif kind == CHUNK_BIN:
            binary = bytearray(chunk)
        offset += 8 + length
    if document is None:
        raise HeadError("the GLB has no JSON chunk")
    return GltfDocument(json=document, binary=binary)


def _image_bytes(image: np.ndarray) -> tuple[bytes, str]:
    """RGB → JPEG (compact), RGBA → PNG (keeps the alpha)."""
    out = io.BytesIO()
    if image.shape[2] == 4:
        Image.fromarray(image, "RGBA").save(out, format="PNG", optimize=False, compress_level=6)
        return out.getvalue(), "image/png"
    Image.fromarray(image).save(out, format="JPEG", quality=90)
    return out.getvalue(), "image/jpeg"


MATERIAL_SETTINGS = {
    "skin": {"roughnessFactor": 0.6},
    "eyes": {"roughnessFactor": 0.15},
    "mouth": {"roughnessFactor": 0.4},
    "lashes": {"roughnessFactor": 0.8, "alpha": True},
    "hair": {"roughnessFactor": 0.7, "alpha": True},
}
ALPHA_CUTOFF = 0.4
"""Lashes and hair are alpha-tested (MASK): every engine draws them in any order without sorting artefacts."""


def write_glb(asset: HeadAsset, name: str = "head") -> bytes:
    """The head as GLB bytes: one mesh with a primitive per material (skin, eyes, mouth, lashes, hair) sharing
    the vertex arrays, 67 named morph targets, a six-joint skin, and the textures embedded."""
    from fantasy_talking.head.template import MATERIALS

    mesh, skel = asset.mesh, asset.skeleton
    doc = GltfDocument(json={"asset": {"version": "2.0", "generator": "FantasyTalking head"}})
    positions = mesh.positions.astype(np.float32)
    attributes = {
        "POSITION": doc.add_accessor(positions, FLOAT, ARRAY_BUFFER, with_bounds=True),
        "NORMAL": doc.add_accessor(mesh.normals().astype(np.float32), FLOAT, ARRAY_BUFFER),
        "TEXCOORD_0": doc.add_accessor(mesh.uv.astype(np.float32), FLOAT, ARRAY_BUFFER),
        "JOINTS_0": doc.add_accessor(skel.skin_joints.astype(np.uint8), UNSIGNED_BYTE, ARRAY_BUFFER),
        "WEIGHTS_0": doc.add_accessor(skel.skin_weights.astype(np.float32), FLOAT, ARRAY_BUFFER),
    }
    index_type = (np.uint16, UNSIGNED_SHORT) if mesh.n_vertices < 65535 else (np.uint32, UNSIGNED_INT)
    deltas = asset.morphs.deltas.astype(np.float32)
    deltas[np.abs(deltas) < MORPH_EPSILON_M] = 0.0
    targets = [{"POSITION": doc.add_sparse_vec3(d)} for d in deltas]

    primitives, materials, textures = [], [], []
    for material in MATERIALS:
        triangles = mesh.triangles_of(material)
        image = asset.texture.images.get(material)
        if not len(triangles) or image is None:
            continue
        indices = doc.add_accessor(triangles.reshape(-1).astype(index_type[0]), index_type[1], ELEMENT_ARRAY_BUFFER)
        data, mime = _image_bytes(image)
        textures.append({"sampler": 0, "source": doc.add_image(data, mime)})
        settings = MATERIAL_SETTINGS[material]
        entry = {"name": material, "pbrMetallicRoughness": {"baseColorTexture": {"index": len(textures) - 1},
                                                            "metallicFactor": 0.0,
                                                            "roughnessFactor": settings["roughnessFactor"]}}
        if settings.get("alpha"):
            entry.update({"alphaMode": "MASK", "alphaCutoff": ALPHA_CUTOFF, "doubleSided": True})
        materials.append(entry)
        primitives.append({"attributes": attributes, "indices": indices, "material": len(materials) - 1,
                           "targets": targets})
    inverse_bind = np.repeat(np.eye(4)[None], len(skel.names), 0)
    inverse_bind[:, :3, 3] = -skel.positions
    ibm = doc.add_accessor(inverse_bind.transpose(0, 2, 1).reshape(-1, 16).astype(np.float32), FLOAT)

    offsets = skel.local_offsets()
    joint_nodes = []
    for j, joint in enumerate(skel.names):
        node = {"name": joint, "translation": [float(v) for v in offsets[j]]}
        children = [1 + k for k, parent in enumerate(skel.parents) if parent == j]
        if children:
            node["children"] = children
        joint_nodes.append(node)
    doc.json.update({
        "scene": 0,
        "scenes": [{"name": f"{name}_scene", "nodes": [0, 1]}],
        "nodes": [{"name": f"{name}_mesh", "mesh": 0, "skin": 0}] + joint_nodes,
        "meshes": [{"name": f"{name}_mesh", "primitives": primitives,
                    "weights": [0.0] * len(targets), "extras": {"targetNames": list(asset.morphs.names)}}],
        "skins": [{"name": "face_skeleton", "joints": list(range(1, 1 + len(skel.names))),
                   "inverseBindMatrices": ibm, "skeleton": 1}],
        "materials": materials,
        "samplers": [{"magFilter": 9729, "minFilter": 9987, "wrapS": 33071, "wrapT": 33071}],
        "textures": textures,
    })
    return doc.to_bytes()
