"""Ending a call with an error status, without raising.

`context.abort()` raises an exception that grpc.aio keeps on the call's state while the exception's
traceback keeps the handler's frames, and the frames keep the call's state: a reference cycle
that holds the request (up to the 4 MiB message cap) until Python's next full garbage collection.
In a long-running server full collections are rare, so a client repeating a rejected request
grew the server by hundreds of megabytes (issue 14, "memory over time"). Handlers therefore set
the status and return.
"""
from __future__ import annotations

import grpc


def fail(context: grpc.aio.ServicerContext, code: grpc.StatusCode, message: str) -> None:
    """Make `code` and `message` the call's status; the handler then returns (None for unary)."""
    context.set_code(code)
    context.set_details(message)
