"""Reverse proxy from the one public door to the internal services.

`UpstreamProxy.forward(request, client_ip)` is the one entry point (a single-process stack
may answer it in-process instead). The HTTP client is aiohttp: its pool hands out an idle
connection in constant time, where httpx/httpcore scan every pooled connection per request
(their cost per request grew several-fold from 8 to 32 concurrent requests; ADR 0013).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from fastapi import Request
from mes_contracts.errors import ErrorCode, MesError
from servicekit.hop import HopKey
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse
from yarl import URL

from .servicemap import ServiceMap
from .settings import GatewaySettings

_FORWARDED_REQUEST_HEADERS = (
    "authorization",
    "content-type",
    "content-length",
    "accept",
    "accept-language",
    "range",
    "if-none-match",
    "if-range",
    "x-station-id",
    "traceparent",
    "tracestate",
)
_DROPPED_RESPONSE_HEADERS = {b"connection", b"keep-alive", b"transfer-encoding", b"server", b"date"}
# Headers aiohttp would add on its own; the service sees only what the client sent.
_NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
# Bodies up to this size are read before forwarding (one write); larger ones (firmware
# uploads) and bodies of unknown length stream through.
_BUFFERED_BODY_BYTES = 1_048_576
_SAFE_TARGET_BYTES = frozenset(range(0x21, 0x7F))


def request_target(raw_path: bytes, query: bytes) -> str:
    """The path as the client encoded it (a `%2F`, `%3F` or `%23` must not become a
    separator, query or fragment on the way to the service); bytes outside printable
    ASCII are percent-encoded, never sent raw."""
    target = raw_path + (b"?" + query if query else b"")
    if all(b in _SAFE_TARGET_BYTES for b in target):
        return target.decode("ascii")
    return "".join(chr(b) if b in _SAFE_TARGET_BYTES else f"%{b:02X}" for b in target)


def route(request: Request, services: ServiceMap) -> tuple[str, str, str]:
    """(service, its base URL, the request's path) for a proxied request, or NOT_FOUND."""
    path = request.scope["path"]  # not request.url.path: urlsplit drops a decoded \n or \t
    # `..` would be collapsed on the way out and reach another route (or `/metrics`)
    # of the service; nothing of the API has such a segment.
    if any(segment in (".", "..") for segment in path.split("/")):
        raise MesError(ErrorCode.NOT_FOUND, data={"path": path[:200]})
    target = services.resolve(path)
    if target is None:
        raise MesError(ErrorCode.NOT_FOUND, data={"path": path[:200]})
    return target[0], target[1], path


def upstream_headers(
    request: Request, client_ip: str | None, hop_key: HopKey | None
) -> dict[str, str]:
    """The client's headers a service may read, the request id, and the signed address."""
    headers = {h: request.headers[h] for h in _FORWARDED_REQUEST_HEADERS if h in request.headers}
    headers["x-request-id"] = request.state.request_id
    if client_ip and hop_key is not None:
        # Signed, so that only the gateway can tell a service who the client is.
        headers.update(hop_key.headers(client_ip, request.state.request_id))
    return headers


class UpstreamProxy:
    def __init__(
        self, settings: GatewaySettings, services: ServiceMap, hop_key: HopKey | None
    ) -> None:
        self.services = services
        self.hop_key = hop_key
        self.timeout = aiohttp.ClientTimeout(
            total=None,  # a firmware download may take long; each read may not
            connect=settings.upstream_timeout_seconds,  # a pool slot and the connection
            sock_connect=2.0,
            sock_read=settings.upstream_timeout_seconds,
        )
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running event loop (aiohttp's connector needs one).
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=200,
                # Idle connections are dropped well before the services' keep-alive (75 s)
                # ends, or a request could race the service closing the socket.
                keepalive_timeout=30.0,
                ttl_dns_cache=None,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.timeout,
                auto_decompress=False,  # bytes pass through as the service sent them
                skip_auto_headers=_NO_AUTO_HEADERS,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def forward(self, request: Request, client_ip: str | None) -> StreamingResponse:
        service, base, path = route(request, self.services)
        headers = upstream_headers(request, client_ip, self.hop_key)
        raw_path = request.scope.get("raw_path") or path.encode()
        url = URL(
            base + request_target(raw_path, request.scope.get("query_string", b"")), encoded=True
        )
        body = await self._body(request, headers)
        try:
            upstream = await self._client().request(
                request.method, url, headers=headers, data=body, allow_redirects=False
            )
        except Exception as exc:
            if isinstance(body, _Upload) and body.error is not None:
                raise body.error from None  # the client's body, e.g. over the size limit
            if isinstance(exc, TimeoutError):
                raise MesError(ErrorCode.UPSTREAM_TIMEOUT, data={"service": service}) from exc
            if isinstance(exc, aiohttp.ClientError | OSError):
                raise MesError(ErrorCode.SERVICE_UNAVAILABLE, data={"service": service}) from exc
            raise
        response = StreamingResponse(
            _relay(upstream),
            status_code=upstream.status,
            background=BackgroundTask(upstream.release),
        )
        # Raw pairs: repeated headers stay repeated.
        response.raw_headers = [
            (k.lower(), v)
            for k, v in upstream.raw_headers
            if k.lower() not in _DROPPED_RESPONSE_HEADERS
        ]
        return response

    @staticmethod
    async def _body(request: Request, headers: dict[str, str]) -> bytes | _Upload | None:
        length = headers.get("content-length")
        if length is None:
            # Chunked: streamed through (aiohttp sends it chunked); else there is no body.
            return _Upload(request) if "transfer-encoding" in request.headers else None
        if length.isdigit() and int(length) <= _BUFFERED_BODY_BYTES:
            return await request.body()
        return _Upload(request)  # sent with the client's Content-Length

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Upload:
    """A request body streamed through; remembers why reading it failed (aiohttp reports
    only that the upload broke, the client deserves the reason, e.g. 413)."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.error: BaseException | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.request.stream():
                if chunk:
                    yield chunk
        except Exception as exc:
            self.error = exc
            raise


async def _relay(upstream: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    # A read timeout here (the headers went out already) ends the response early.
    try:
        async for chunk in upstream.content.iter_any():
            yield chunk
    finally:
        upstream.release()


async def hold_until_shutdown(proxy: UpstreamProxy) -> None:
    """A background task that closes the proxy's pool when the gateway stops."""
    try:
        await asyncio.Event().wait()
    finally:
        await proxy.close()
