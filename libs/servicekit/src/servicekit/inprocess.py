"""The gateway → service hop as an in-process ASGI call (single-process mode, ADR 0016).

The request the gateway accepted is handed to the service's own ASGI app, middleware and
all, with no socket, no second HTTP parse and no second JWT check: the gateway's verified
principal travels in the ASGI scope under `PRINCIPAL_SCOPE_KEY`, a key no HTTP server ever
sets from the wire. The answer streams back chunk by chunk (a firmware download is never
held in memory), with the same headers a proxied answer would carry.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

import structlog
from mes_contracts.errors import ErrorCode, MesError
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message

PRINCIPAL_SCOPE_KEY = "mes.principal"
_DROPPED_RESPONSE_HEADERS = {b"connection", b"keep-alive", b"transfer-encoding", b"server", b"date"}
_QUEUE_CHUNKS = 16  # back-pressure: the service waits while the client reads slowly


async def call_app(
    app: ASGIApp,
    request: Request,
    *,
    service: str,
    headers: Mapping[str, str],
    raw_path: bytes,
    principal: object | None,
    timeout_s: float,
) -> Response:
    """Send `request` to `app` in this process and stream its answer back."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        # The scope's own path: `request.url` goes through urlsplit, which drops a decoded
        # newline or tab and would make `v1%0A` the version `v1`.
        "path": request.scope["path"],
        "raw_path": raw_path,
        "query_string": request.scope.get("query_string", b""),
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": request.scope.get("client"),
        "server": request.scope.get("server"),
        "state": {},
        PRINCIPAL_SCOPE_KEY: principal,
    }
    body = request.stream()
    done = asyncio.Event()
    # The answer's start, or None when the app ended (or failed) without one.
    started: asyncio.Future[Message | None] = asyncio.get_running_loop().create_future()
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(_QUEUE_CHUNKS)

    body_done = False

    async def receive() -> Message:
        nonlocal body_done
        if not body_done:
            try:
                chunk = await body.__anext__()
            except StopAsyncIteration:
                body_done = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}
        await done.wait()  # after the body: nothing until the answer is complete
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            if not started.done():
                started.set_result(message)
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if chunk:
                await chunks.put(chunk)
            if not message.get("more_body", False):
                await chunks.put(None)

    async def run() -> None:
        # This task's copy of the context: the service's log lines carry its own name.
        structlog.contextvars.bind_contextvars(service=service)
        try:
            await app(scope, receive, send)
        finally:
            done.set()
            if not started.done():
                started.set_result(None)
            await chunks.put(None)

    task = asyncio.create_task(run(), name=f"in-process {service}")
    try:
        start = await asyncio.wait_for(asyncio.shield(started), timeout_s)
    except TimeoutError as exc:
        task.cancel()
        raise MesError(ErrorCode.UPSTREAM_TIMEOUT, data={"service": service}) from exc
    except BaseException:
        task.cancel()
        raise
    if start is None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise MesError(ErrorCode.SERVICE_UNAVAILABLE, data={"service": service})
    response_headers = [
        (k, v) for k, v in start.get("headers", []) if k.lower() not in _DROPPED_RESPONSE_HEADERS
    ]

    async def stream() -> AsyncIterator[bytes]:
        try:
            while (chunk := await chunks.get()) is not None:
                yield chunk
        finally:
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    response = StreamingResponse(stream(), status_code=start["status"])
    response.raw_headers = response_headers
    return response
