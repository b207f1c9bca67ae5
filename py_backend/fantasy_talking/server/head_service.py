"""HeadService: photo → GLB head, streamed as progress, metadata, GLB chunks and a status.

Transport only: the pipeline is fantasy_talking.head.create; this module maps the request to
HeadOptions, progress callbacks to messages and HeadError to INVALID_ARGUMENT.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import grpc
from scipy.spatial.transform import Rotation

from fantasy_talking.head.errors import HeadError
from fantasy_talking.head.image import check_image_size
from fantasy_talking.server.context import ServerContext
from fantasy_talking.server.status import fail
from fantasytalking.v1 import common_pb2, head_pb2, head_pb2_grpc

if TYPE_CHECKING:
    from fantasy_talking.head.create import HeadResult

log = logging.getLogger(__name__)

SERVICE_NAME = head_pb2.DESCRIPTOR.services_by_name["HeadService"].full_name
CHUNK_BYTES = 1 << 20
PARTS = {head_pb2.HEAD_PART_CRANIUM: "cranium", head_pb2.HEAD_PART_EARS: "ears", head_pb2.HEAD_PART_NECK: "neck",
         head_pb2.HEAD_PART_EYES: "eyes", head_pb2.HEAD_PART_MOUTH: "mouth"}
DETAILS = {head_pb2.MESH_DETAIL_UNSPECIFIED: "medium", head_pb2.MESH_DETAIL_LOW: "low",
           head_pb2.MESH_DETAIL_MEDIUM: "medium", head_pb2.MESH_DETAIL_HIGH: "high"}
INTERNAL_MESSAGE = "internal error while building the head; the server log has the details"
def options_from_proto(options: head_pb2.HeadOptions):
    """HeadOptions from the request; the head pipeline (MediaPipe, OpenCV) loads on first use, not at start-up."""
    from fantasy_talking.head.create import HeadOptions

    parts = [PARTS[p] for p in options.parts if p in PARTS]
    if options.detail not in DETAILS:
        raise HeadError(f"unknown mesh detail {options.detail}")
    return HeadOptions(texture_size=options.texture_size or 1024,
                       parts=frozenset(parts) if parts else frozenset(PARTS.values()),
                       detail=DETAILS[options.detail], hair=options.hair or "auto", lod=options.lod)


def metadata_to_proto(result) -> head_pb2.HeadMetadata:
    """The HeadResult's metadata, report and landmarks as a message."""
    r = result.report
    x, y, z, w = Rotation.from_matrix(result.fit.pose.rotation).as_quat()
    return head_pb2.HeadMetadata(
        morph_target_names=list(result.asset.morphs.names),
        joint_names=list(result.asset.skeleton.names),
        landmarks=[head_pb2.Landmark(x=p[0], y=p[1], z=p[2]) for p in result.landmarks.points.tolist()],
        pose=head_pb2.FittedPose(yaw_deg=r.yaw_deg, pitch_deg=r.pitch_deg, roll_deg=r.roll_deg,
                                 rotation=common_pb2.Quaternion(x=x, y=y, z=z, w=w),
                                 pixels_per_metre=result.fit.pose.scale_px_per_m),
        quality=head_pb2.HeadQuality(face_width_px=r.face_width_px, inter_ocular_px=r.inter_ocular_px,
                                     frontality=r.frontality, inferred_fraction=r.inferred_fraction,
                                     face_inferred_fraction=r.face_inferred_fraction,
                                     reprojection_error=r.reprojection_error, faces_found=r.faces_found,
                                     warnings=list(r.warnings)),
        glb_size=len(result.glb), vertex_count=result.asset.mesh.n_vertices,
        hair_style=result.asset.mesh.hair_style or "", triangle_count=len(result.asset.mesh.triangles))


class HeadServicer(head_pb2_grpc.HeadServiceServicer):
    def __init__(self, ctx: ServerContext) -> None:
        self._ctx = ctx

    async def CreateHead(self, request: head_pb2.CreateHeadRequest, context: grpc.aio.ServicerContext):
        try:
            check_image_size(request.image)
            options = options_from_proto(request.options)
        except HeadError as exc:
            fail(context, grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            return
        from fantasy_talking.head.create import create_head

        slot = self._ctx.stream_slots.admit(context)
        if slot is None:
            return
        loop = asyncio.get_running_loop()
        events: asyncio.Queue = asyncio.Queue()

        def work() -> HeadResult:
            try:
                return create_head(request.image, options, progress=lambda stage, done: loop.call_soon_threadsafe(
                    events.put_nowait, (stage, done)))
            finally:
                loop.call_soon_threadsafe(events.put_nowait, None)

        try:
            job = asyncio.ensure_future(asyncio.to_thread(work))
            while (event := await events.get()) is not None:
                yield head_pb2.CreateHeadResponse(progress=head_pb2.HeadProgress(stage=event[0], fraction=event[1]))
            error = None
            try:
                result = await job
            except HeadError as exc:
                error = (grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            except Exception as exc:
                log.error("create head failed", exc_info=exc)
                error = (grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
            finally:
                # The failed future keeps the exception, whose traceback keeps this frame (and the
                # request): drop it, or the cycle holds the image until a full GC (see status.py).
                job = None
            if error is not None:
                fail(context, *error)
                return
            yield head_pb2.CreateHeadResponse(metadata=metadata_to_proto(result))
            for start in range(0, len(result.glb), CHUNK_BYTES):
                yield head_pb2.CreateHeadResponse(glb_chunk=result.glb[start:start + CHUNK_BYTES])
            yield head_pb2.CreateHeadResponse(status=common_pb2.StreamStatus(
                code=common_pb2.StreamStatus.CODE_OK, message="head created"))
        finally:
            slot.release()


def add_to_server(server: grpc.aio.Server, ctx: ServerContext) -> list[str]:
    head_pb2_grpc.add_HeadServiceServicer_to_server(HeadServicer(ctx), server)
    return [SERVICE_NAME]
