"""The console's only way into the engine: a grpc.aio client of the FantasyTalking gRPC service.

Every call goes through `EngineClient`, which attaches the bearer token and turns gRPC failures
into `EngineError`s that carry the HTTP status and a sentence a person can act on.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from fantasytalking.v1 import (
    animation_pb2, animation_pb2_grpc, common_pb2, head_pb2, head_pb2_grpc, info_pb2, info_pb2_grpc,
    speech_pb2, speech_pb2_grpc,
)

MAX_RECEIVE_BYTES = 256 * 1024 * 1024
HEAD_TIMEOUT_S = 180.0
INFO_TIMEOUT_S = 10.0


class EngineError(Exception):
    """A failed engine call, with the HTTP status the console answers and a message for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# gRPC status → (HTTP status, prefix). INVALID_ARGUMENT carries the server's own reason.
_HTTP = {
    grpc.StatusCode.INVALID_ARGUMENT: (422, ""),
    grpc.StatusCode.FAILED_PRECONDITION: (422, ""),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (429, "the animation server is busy: "),
    grpc.StatusCode.UNAUTHENTICATED: (502, "the animation server refused the console's token: "),
    grpc.StatusCode.DEADLINE_EXCEEDED: (504, "the animation server took too long: "),
}


def engine_error(exc: grpc.RpcError, address: str) -> EngineError:
    """A gRPC failure as the console reports it."""
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    details = (exc.details() if hasattr(exc, "details") else "") or str(code)
    if code == grpc.StatusCode.UNAVAILABLE:
        return EngineError(503, f"the animation server at {address} is not reachable (down or restarting); "
                                "try again in a moment")
    status, prefix = _HTTP.get(code, (502, f"the animation server failed ({code.name}): "))
    return EngineError(status, prefix + details)


@dataclass(frozen=True)
class EngineAddress:
    """Where the gRPC service is and how to reach it."""

    target: str
    token: str | None = None
    tls_ca: Path | None = None


class EngineClient:
    """One shared grpc.aio channel to the service; create it inside the running event loop."""

    def __init__(self, address: EngineAddress) -> None:
        self.address = address
        options = [("grpc.max_receive_message_length", MAX_RECEIVE_BYTES),
                   ("grpc.max_send_message_length", MAX_RECEIVE_BYTES),
                   # Reconnect quickly after a server restart, so the page's next try succeeds.
                   ("grpc.initial_reconnect_backoff_ms", 200), ("grpc.max_reconnect_backoff_ms", 1000)]
        if address.tls_ca is None:
            self.channel = grpc.aio.insecure_channel(address.target, options=options)
        else:
            credentials = grpc.ssl_channel_credentials(root_certificates=Path(address.tls_ca).read_bytes())
            self.channel = grpc.aio.secure_channel(address.target, credentials, options=options)
        self.metadata = (("authorization", f"Bearer {address.token}"),) if address.token else ()
        self.animation = animation_pb2_grpc.AnimationServiceStub(self.channel)
        self.speech = speech_pb2_grpc.SpeechServiceStub(self.channel)
        self.head = head_pb2_grpc.HeadServiceStub(self.channel)
        self.info = info_pb2_grpc.InfoServiceStub(self.channel)
        self.health = health_pb2_grpc.HealthStub(self.channel)

    def error(self, exc: grpc.RpcError) -> EngineError:
        return engine_error(exc, self.address.target)

    async def close(self) -> None:
        await self.channel.close()

    async def serving(self) -> bool:
        """True when the service answers its health check with SERVING."""
        try:
            answer = await self.health.Check(health_pb2.HealthCheckRequest(), timeout=3.0)
        except grpc.RpcError:
            return False
        return answer.status == health_pb2.HealthCheckResponse.SERVING

    async def server_info(self) -> info_pb2.ServerInfo:
        try:
            return await self.info.GetServerInfo(info_pb2.GetServerInfoRequest(), metadata=self.metadata,
                                                 timeout=INFO_TIMEOUT_S)
        except grpc.RpcError as exc:
            raise self.error(exc) from None

    async def voices(self, language: str = "") -> list[speech_pb2.VoiceInfo]:
        try:
            answer = await self.speech.ListVoices(speech_pb2.ListVoicesRequest(language=language),
                                                  metadata=self.metadata, timeout=INFO_TIMEOUT_S)
        except grpc.RpcError as exc:
            raise self.error(exc) from None
        return list(answer.voices)

    async def create_head(self, image: bytes, hair: str = "auto") -> tuple[head_pb2.HeadMetadata, bytes]:
        """The head's metadata and GLB bytes; `hair` as HeadOptions.hair."""
        metadata, chunks = None, []
        try:
            request = head_pb2.CreateHeadRequest(image=image, options=head_pb2.HeadOptions(hair=hair))
            call = self.head.CreateHead(request, metadata=self.metadata, timeout=HEAD_TIMEOUT_S)
            async for event in call:
                kind = event.WhichOneof("event")
                if kind == "metadata":
                    metadata = event.metadata
                elif kind == "glb_chunk":
                    chunks.append(event.glb_chunk)
        except grpc.RpcError as exc:
            raise self.error(exc) from None
        if metadata is None or not chunks:
            raise EngineError(502, "the animation server sent no head; try again")
        return metadata, b"".join(chunks)

    def speak(self, request: speech_pb2.SpeakRequest) -> AsyncIterator[speech_pb2.SpeakResponse]:
        return self.speech.Speak(request, metadata=self.metadata)

    def stream(self, requests: AsyncIterator[animation_pb2.StreamAnimationRequest]
               ) -> AsyncIterator[animation_pb2.StreamAnimationResponse]:
        return self.animation.StreamAnimation(requests, metadata=self.metadata)


__all__ = ["EngineAddress", "EngineClient", "EngineError", "common_pb2", "engine_error"]
