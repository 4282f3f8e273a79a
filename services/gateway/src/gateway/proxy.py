"""Reverse proxy from the one public door to the internal services."""

from __future__ import annotations

import httpx
from fastapi import Request
from mes_contracts.errors import ErrorCode, MesError
from servicekit.hop import HopKey
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

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
_DROPPED_RESPONSE_HEADERS = {"connection", "keep-alive", "transfer-encoding", "server", "date"}


class UpstreamProxy:
    def __init__(
        self, settings: GatewaySettings, services: ServiceMap, hop_key: HopKey | None
    ) -> None:
        self.services = services
        self.hop_key = hop_key
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_seconds, connect=2.0),
            # Idle connections are dropped well before the services' keep-alive (75 s) ends,
            # or a request could race the service closing the socket (a spurious 503).
            limits=httpx.Limits(
                max_connections=200, max_keepalive_connections=100, keepalive_expiry=30.0
            ),
        )

    async def forward(self, request: Request, client_ip: str | None) -> StreamingResponse:
        path = request.url.path
        # `..` would be collapsed on the way out and reach another route (or `/metrics`)
        # of the service; nothing of the API has such a segment.
        if any(segment in (".", "..") for segment in path.split("/")):
            raise MesError(ErrorCode.NOT_FOUND, data={"path": path[:200]})
        target = self.services.resolve(path)
        if target is None:
            raise MesError(ErrorCode.NOT_FOUND, data={"path": path[:200]})
        service, base = target
        headers = {
            h: request.headers[h] for h in _FORWARDED_REQUEST_HEADERS if h in request.headers
        }
        headers["x-request-id"] = request.state.request_id
        if client_ip and self.hop_key is not None:
            # Signed, so that only the gateway can tell a service who the client is.
            headers.update(self.hop_key.headers(client_ip, request.state.request_id))
        # The path as the client encoded it: a decoded `%2F`, `%3F` or `%23` must not become a
        # separator, query or fragment on the way to the service.
        raw_path = request.scope.get("raw_path") or path.encode()
        url = httpx.URL(base + raw_path.decode("latin-1"), query=request.url.query.encode())
        upstream_request = self.client.build_request(
            request.method, url, headers=headers, content=request.stream()
        )
        try:
            upstream = await self.client.send(upstream_request, stream=True)
        except httpx.TimeoutException as exc:
            raise MesError(ErrorCode.UPSTREAM_TIMEOUT, data={"service": service}) from exc
        except httpx.TransportError as exc:
            raise MesError(ErrorCode.SERVICE_UNAVAILABLE, data={"service": service}) from exc
        response_headers = {
            k: v for k, v in upstream.headers.items() if k.lower() not in _DROPPED_RESPONSE_HEADERS
        }
        return StreamingResponse(
            upstream.aiter_raw(),
            status_code=upstream.status_code,
            headers=response_headers,
            background=BackgroundTask(upstream.aclose),
        )

    async def close(self) -> None:
        await self.client.aclose()
