"""Bearer-token check for every call, as a server interceptor.

Clients send `authorization: Bearer <token>` metadata. The health service stays open so that
load balancers and orchestrators can probe a server without holding its secret.
"""
from __future__ import annotations

import hmac
import logging

import grpc

from fantasy_talking.server.status import fail

log = logging.getLogger(__name__)

OPEN_SERVICES = ("/grpc.health.v1.Health/",)


def _deny(handler: grpc.RpcMethodHandler, message: str) -> grpc.RpcMethodHandler:
    """A handler of the same shape as `handler` that fails with UNAUTHENTICATED."""

    async def abort(_request, context: grpc.aio.ServicerContext):
        fail(context, grpc.StatusCode.UNAUTHENTICATED, message)   # not context.abort: see status.py

    kwargs = dict(request_deserializer=handler.request_deserializer,
                  response_serializer=handler.response_serializer)
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(abort, **kwargs)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(abort, **kwargs)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(abort, **kwargs)
    return grpc.unary_unary_rpc_method_handler(abort, **kwargs)


class BearerTokenInterceptor(grpc.aio.ServerInterceptor):
    """Lets a call through only when its metadata carries the server's token."""

    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

    async def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        handler = await continuation(handler_call_details)
        if handler is None or method.startswith(OPEN_SERVICES):
            return handler
        values = [v for k, v in (handler_call_details.invocation_metadata or ()) if k == "authorization"]
        if not values:
            log.info("denied %s: no authorization metadata", method)
            return _deny(handler, "missing token: send metadata 'authorization: Bearer <token>'")
        given = values[0].encode() if isinstance(values[0], str) else values[0]
        if not hmac.compare_digest(given, self._expected):
            log.info("denied %s: wrong token", method)
            return _deny(handler, "wrong token: check --token / FTALK_TOKEN on the client and the server")
        return handler
