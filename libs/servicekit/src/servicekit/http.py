"""HTTP edge of a service: request ids, access logs, metrics, tracing, body limits and
the contract's error body for every failure (never a bare framework 422 or a stack trace)."""

from __future__ import annotations

import re
import time
import uuid

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.validation import mes_error_from_validation
from opentelemetry import trace
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .failures import is_outage
from .logging import get_logger
from .metrics import HTTP_LATENCY, HTTP_REQUESTS
from .tracing import context_from_headers, tracer

log = get_logger(__name__)

_STATUS_CODES = {
    # FastAPI's "There was an error parsing the body", e.g. a multipart form without a boundary.
    400: ErrorCode.MALFORMED_BODY,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    416: ErrorCode.RANGE_NOT_SATISFIABLE,
    422: ErrorCode.VALIDATION_ERROR,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


# A client's X-Request-ID becomes the audit trail's correlation id: only this shape.
_CORRELATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def correlation_id(client_value: str | None) -> str:
    """The client's request id if it has the safe shape, else a fresh one."""
    if client_value and _CORRELATION_ID.fullmatch(client_value):
        return client_value
    return uuid.uuid4().hex


class _BodyTooLarge(StarletteHTTPException):
    """An HTTPException so FastAPI's body parsing re-raises it (as a 413) instead of turning
    it into "400 error parsing the body" when a chunked body crosses the limit."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="request body too large")


class RequestContextMiddleware:
    """Pure ASGI (no BaseHTTPMiddleware overhead): ids, span, metrics, access log, size cap."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        max_body_bytes: int,
        body_limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.body_limits = body_limits or {}

    def _limit_for(self, path: str) -> int:
        for prefix, limit in self.body_limits.items():
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = correlation_id(headers.get("x-request-id"))
        scope.setdefault("state", {})["request_id"] = request_id
        limit = self._limit_for(scope["path"])
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await send_error(
                send, MesError(ErrorCode.PAYLOAD_TOO_LARGE, data={"limit_bytes": limit})
            )
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        status_holder = {"status": 500, "started": False}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                # Exactly one X-Request-ID: ours replaces any the app set (the gateway's
                # proxy copies the service's, which is the id the gateway passed upstream).
                message["headers"] = [
                    h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"
                ]
                message["headers"].append((b"x-request-id", request_id.encode()))
                present = {k.lower() for k, _ in message["headers"]}
                message["headers"].extend(h for h in _SECURITY_HEADER_BYTES if h[0] not in present)
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        method = scope["method"]
        with tracer().start_as_current_span(
            f"{method} {scope['path']}",
            context=context_from_headers(headers),
            kind=trace.SpanKind.SERVER,
        ) as span:
            try:
                await self.app(scope, limited_receive, send_wrapper)
            except _BodyTooLarge:
                if not status_holder["started"]:
                    await send_error(
                        send_wrapper,
                        MesError(ErrorCode.PAYLOAD_TOO_LARGE, data={"limit_bytes": limit}),
                    )
            finally:
                elapsed = time.perf_counter() - started
                route = scope.get("route")
                route_path = getattr(route, "path", "unmatched")
                status = status_holder["status"]
                span.set_attribute("http.status_code", status)
                HTTP_REQUESTS.labels(self.service, method, route_path, str(status)).inc()
                HTTP_LATENCY.labels(self.service, method, route_path).observe(elapsed)
                if status >= 500:
                    log.warning("request failed", method=method, path=scope["path"], status=status)
                structlog.contextvars.unbind_contextvars("request_id")


# On every answer: no MIME sniffing, never framed by another site (clickjacking), no
# referrer leaking LOT or serial numbers in URLs to other sites.
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}
_SECURITY_HEADER_BYTES = tuple((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items())


async def send_error(send: Send, error: MesError) -> None:
    response = error_response(error)
    await send(
        {
            "type": "http.response.start",
            "status": response.status_code,
            "headers": response.raw_headers,
        }
    )
    await send({"type": "http.response.body", "body": response.body})


def error_response(error: MesError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error.to_body(), status_code=error.status_code, headers=headers)


def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    """The database or Redis is unreachable or restarting: the caller's cue to retry."""
    log.warning("dependency unavailable", path=request.url.path, error=repr(exc))
    return error_response(
        MesError(ErrorCode.SERVICE_UNAVAILABLE, data={"retry_after": 1}), {"Retry-After": "1"}
    )


# SQLSTATEs of text PostgreSQL cannot store (NUL, untranslatable characters).
_UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MesError)
    async def _mes_error(_request: Request, exc: MesError) -> JSONResponse:
        headers = (
            {"Retry-After": str(exc.data["retry_after"])} if "retry_after" in exc.data else None
        )
        return error_response(exc, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(mes_error_from_validation(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # A client error is never labelled a server error, even one not listed.
        fallback = ErrorCode.VALIDATION_ERROR if exc.status_code < 500 else ErrorCode.INTERNAL_ERROR
        code = _STATUS_CODES.get(exc.status_code, fallback)
        return error_response(MesError(code, message=str(exc.detail), status=exc.status_code))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if getattr(exc.orig, "pgcode", None) in _UNSTORABLE_TEXT:
            # e.g. "\u0000" in a JSON string: valid JSON, but PostgreSQL cannot store it.
            return error_response(
                MesError(ErrorCode.VALIDATION_ERROR, data={"reason": "unstorable character"})
            )
        return await _unexpected(request, exc)

    @app.exception_handler(asyncpg.PostgresError)
    async def _raw_database(request: Request, exc: asyncpg.PostgresError) -> JSONResponse:
        # The same, raised by raw asyncpg on a hot path (servicekit.db.raw).
        if exc.sqlstate in _UNSTORABLE_TEXT:
            return error_response(
                MesError(ErrorCode.VALIDATION_ERROR, data={"reason": "unstorable character"})
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Also reached by errors raised in middleware (the rate limiter's Redis calls).
        if is_outage(exc):
            return _unavailable(request, exc)
        log.exception("unhandled error", path=request.url.path)
        return error_response(MesError(ErrorCode.INTERNAL_ERROR))
