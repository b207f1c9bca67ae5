"""Malformed requests get INVALID_ARGUMENT and one rate-limited warning line, never a traceback.

gRPC deserialises a request before any servicer code runs; a client that sends bytes that are
not the method's message would otherwise get UNKNOWN (unary, with a Python class name) or
INTERNAL (streams) and write an ERROR traceback per call, so one client could flood the log.
`MalformedRequestInterceptor` swaps each method's deserialiser for one that turns a parse
error into a `Malformed` marker, and fails the call cleanly when the marker arrives.
"""
from __future__ import annotations

import inspect
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable

import grpc
from google.protobuf.message import DecodeError

from fantasy_talking.server.status import fail

log = logging.getLogger(__name__)


class RateLimitedLog:
    """At most one line per `key` every `interval_s`; the next line says how many were held back."""

    def __init__(self, logger: logging.Logger, interval_s: float = 10.0) -> None:
        self._logger = logger
        self._interval = interval_s
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def warning(self, key: str, message: str, *args: Any) -> bool:
        """Log `message` unless `key` was logged in the last interval; True when it was logged."""
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(key, -self._interval) < self._interval:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            held = self._held.pop(key, 0)
        suffix = f" ({held} more like it in the last {self._interval:g} s)" if held else ""
        self._logger.warning(message + suffix, *args)
        return True


client_errors = RateLimitedLog(log)
"""Shared by every listener of the process: repeated client errors cost one line per interval."""


@dataclass(frozen=True)
class Malformed:
    """Stands in for a request whose bytes did not parse."""

    reason: str


def _safe(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None

    def parse(data: bytes) -> Any:
        try:
            return deserializer(data)
        except (DecodeError, ValueError, TypeError, RuntimeError) as exc:
            return Malformed(str(exc) or type(exc).__name__)

    return parse


def _reject(context: grpc.aio.ServicerContext, method: str, malformed: Malformed) -> str:
    """Log (rate-limited) and set INVALID_ARGUMENT; the caller ends the call. Returns the message."""
    client_errors.warning(f"malformed:{method}", "malformed request to %s from %s: %s",
                          method, context.peer(), malformed.reason)
    message = (f"the request is not a valid protobuf message for {method} ({malformed.reason}); "
               "check that client and server use the same .proto files")
    fail(context, grpc.StatusCode.INVALID_ARGUMENT, message)
    return message


def _guarded_unary(behavior: Callable, method: str) -> Callable:
    """The same kind of callable (coroutine or async generator) as `behavior`, checking the request first."""
    if inspect.isasyncgenfunction(behavior):
        async def stream_out(request, context):
            if isinstance(request, Malformed):
                _reject(context, method, request)
                return
            async for response in behavior(request, context):
                yield response
        return stream_out

    async def unary_out(request, context):
        if isinstance(request, Malformed):
            _reject(context, method, request)
            return None
        return await behavior(request, context)
    return unary_out


def _guarded_stream(behavior: Callable, method: str) -> Callable:
    """Wrap a request-streaming behaviour: a malformed message in the stream fails the call."""

    async def checked(requests: AsyncIterator, context) -> AsyncIterator:
        async for request in requests:
            if isinstance(request, Malformed):
                # Mid-stream the handler is running and must be stopped: abort (which raises) is
                # the one way; the cycle it leaves holds only this small marker (see status.py).
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT, _reject(context, method, request))
            yield request

    if inspect.isasyncgenfunction(behavior):
        async def stream_out(requests, context):
            async for response in behavior(checked(requests, context), context):
                yield response
        return stream_out

    async def coroutine_out(requests, context):
        return await behavior(checked(requests, context), context)
    return coroutine_out


def guarded(handler: grpc.RpcMethodHandler, method: str) -> grpc.RpcMethodHandler:
    """`handler` with a deserialiser that cannot raise and behaviour that rejects what did not parse."""
    kwargs = dict(request_deserializer=_safe(handler.request_deserializer),
                  response_serializer=handler.response_serializer)
    if handler.request_streaming and handler.response_streaming:
        return grpc.stream_stream_rpc_method_handler(_guarded_stream(handler.stream_stream, method), **kwargs)
    if handler.request_streaming:
        return grpc.stream_unary_rpc_method_handler(_guarded_stream(handler.stream_unary, method), **kwargs)
    if handler.response_streaming:
        return grpc.unary_stream_rpc_method_handler(_guarded_unary(handler.unary_stream, method), **kwargs)
    return grpc.unary_unary_rpc_method_handler(_guarded_unary(handler.unary_unary, method), **kwargs)


class MalformedRequestInterceptor(grpc.aio.ServerInterceptor):
    """Applies `guarded` to every method; handlers are built once per method and cached."""

    def __init__(self) -> None:
        self._cache: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        cached = self._cache.get(method)
        if cached is not None:
            return cached
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        guarded_handler = guarded(handler, method)
        self._cache[method] = guarded_handler
        return guarded_handler
