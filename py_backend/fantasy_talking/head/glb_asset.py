"""Read a head GLB (as `ftalk head` and HeadService write it) back into a posable HeadAsset.

Clients of the gRPC service hold only the GLB, not the HeadAsset it was made from. This reader
lets them pose and render it with the same code as `ftalk preview` (head/preview.py), so a
client such as the web console can encode an MP4 without building the head a second time.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

from fantasy_talking.head.asset import HeadAsset
from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.glb import FLOAT, UNSIGNED_BYTE, UNSIGNED_INT, UNSIGNED_SHORT, GltfDocument, read_glb
from fantasy_talking.head.morphs import MorphTargets
from fantasy_talking.head.skeleton import Skeleton
from fantasy_talking.head.template import MATERIALS, HeadMesh
from fantasy_talking.head.texture import Texture

_DTYPES = {FLOAT: np.float32, UNSIGNED_BYTE: np.uint8, UNSIGNED_SHORT: np.uint16, UNSIGNED_INT: np.uint32}
_WIDTHS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


def _view(doc: GltfDocument, index: int, dtype, count: int) -> np.ndarray:
    view = doc.json["bufferViews"][index]
    return np.frombuffer(bytes(doc.binary), dtype=dtype, count=count, offset=view.get("byteOffset", 0))


def _accessor(doc: GltfDocument, index: int) -> np.ndarray:
    """A (count, width) array; sparse accessors are expanded (this writer never interleaves)."""
    acc = doc.json["accessors"][index]
    width, count, dtype = _WIDTHS[acc["type"]], acc["count"], _DTYPES[acc["componentType"]]
    if "bufferView" in acc:
        data = _view(doc, acc["bufferView"], dtype, count * width).reshape(count, width).copy()
    else:
        data = np.zeros((count, width), dtype=dtype)
    sparse = acc.get("sparse")
    if sparse:
        rows = _view(doc, sparse["indices"]["bufferView"], _DTYPES[sparse["indices"]["componentType"]],
                     sparse["count"])
        data[rows.astype(np.int64)] = _view(doc, sparse["values"]["bufferView"], dtype,
                                            sparse["count"] * width).reshape(-1, width)
    return data


def _seam_groups(positions: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Vertex copies along UV seams get a shared id so posed normals stay smooth across them.

    HeadMesh.normals shares normals between the vertices of one `weld` id; the GLB stores no weld ids,
    but it stores the normals that sharing produced. Coincident vertices with the same stored normal are
    seam copies; coincident ones with different normals (the two sides of a thin shell, the mouth bag)
    stay apart, as in the original.
    """
    key = np.column_stack([np.round(positions, 6), np.round(normals, 3)])
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    shared = counts[inverse] > 1
    ids = np.full(len(positions), -1, dtype=np.int64)
    ids[shared] = np.unique(inverse[shared], return_inverse=True)[1].reshape(-1)
    return ids


def _image(doc: GltfDocument, texture: int) -> np.ndarray:
    """A material's texture as RGB, or RGBA where it carries alpha (lashes, hair)."""
    image = doc.json["images"][doc.json["textures"][texture]["source"]]
    view = doc.json["bufferViews"][image["bufferView"]]
    start = view.get("byteOffset", 0)
    picture = Image.open(io.BytesIO(bytes(doc.binary[start:start + view["byteLength"]])))
    has_alpha = picture.mode in ("RGBA", "LA") or "transparency" in picture.info
    return np.asarray(picture.convert("RGBA" if has_alpha else "RGB"))


def asset_from_glb(data: bytes) -> HeadAsset:
    """The HeadAsset inside a head GLB, or HeadError when the GLB is not a single skinned, morphable head.

    The writer gives every material a primitive over shared vertex arrays, so the triangles come back per
    material, and each vertex gets the first part of its material (enough to draw and pose the head; the
    fitting data a GLB does not carry, such as landmarks and identity deltas, stays empty).
    """
    doc = read_glb(data)
    try:
        mesh_json = doc.json["meshes"][0]
        primitives = mesh_json["primitives"]
        attributes = primitives[0]["attributes"]
        names = tuple(mesh_json.get("extras", {}).get("targetNames", []))
        positions = _accessor(doc, attributes["POSITION"]).astype(np.float64)
        uv = _accessor(doc, attributes["TEXCOORD_0"]).astype(np.float64)
        deltas = np.stack([_accessor(doc, t["POSITION"]) for t in primitives[0].get("targets", [])]).astype(np.float64)
        part = np.zeros(len(positions), dtype=np.int64)
        triangles, images = [], {}
        for primitive in primitives:
            material = doc.json["materials"][primitive["material"]]
            tris = _accessor(doc, primitive["indices"]).reshape(-1, 3).astype(np.int64)
            part[tris.reshape(-1)] = int(MATERIALS[material["name"]][0])
            triangles.append(tris)
            images[material["name"]] = _image(doc, material["pbrMetallicRoughness"]["baseColorTexture"]["index"])
        skin = doc.json["skins"][0]
        nodes = doc.json["nodes"]
        joint_nodes = skin["joints"]
    except (KeyError, IndexError, ValueError) as exc:
        raise HeadError(f"the GLB is not a head made by `ftalk head` ({exc})") from None
    if len(names) != len(deltas):
        raise HeadError("the GLB's morph targets have no names; pass a head made by `ftalk head`")
    parents = []
    for node in joint_nodes:
        owner = [j for j, other in enumerate(joint_nodes) if node in nodes[other].get("children", [])]
        parents.append(owner[0] if owner else -1)
    world = np.zeros((len(joint_nodes), 3))
    for j, node in enumerate(joint_nodes):
        offset = np.asarray(nodes[node].get("translation", [0.0, 0.0, 0.0]), dtype=np.float64)
        world[j] = offset + (world[parents[j]] if parents[j] >= 0 else 0.0)
    mesh = HeadMesh(positions=positions, triangles=np.concatenate(triangles), part=part, uv=uv,
                    weld=_seam_groups(positions, _accessor(doc, attributes["NORMAL"])),
                    base_deltas=np.zeros((0, len(positions), 3)), anchors=None, landmarks=np.zeros((0, 3)),
                    photo_positions=positions, photo_expression={}, landmark_triangles=np.zeros((0, 3), np.int64),
                    landmark_bary=np.zeros((0, 3)), hair_style=None)
    skeleton = Skeleton(names=tuple(nodes[n]["name"] for n in joint_nodes), parents=tuple(parents), positions=world,
                        skin_joints=_accessor(doc, attributes["JOINTS_0"]).astype(np.int64),
                        skin_weights=_accessor(doc, attributes["WEIGHTS_0"]).astype(np.float64))
    texture = Texture(images=images, inferred_fraction=float("nan"), face_inferred_fraction=float("nan"),
                      skin_rgb=(0, 0, 0), iris_rgb=(0, 0, 0), gain=1.0)
    return HeadAsset(mesh=mesh, texture=texture, morphs=MorphTargets(names=names, deltas=deltas), skeleton=skeleton)
