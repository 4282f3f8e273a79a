"""Reverse proxy from the one public door to the internal services."""

from __future__ import annotations

import httpx
from fastapi import Request
from mes_contracts.errors import ErrorCode, MesError
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from .settings import GatewaySettings


# Longest prefix wins. Paths the gateway serves itself are routed before the proxy.
def route_table(s: GatewaySettings) -> list[tuple[str, str, str]]:
    return [
        ("/api/v1/lots", "lot-service", s.lot_service_url),
        ("/api/v1/serials", "lot-service", s.lot_service_url),
        ("/api/v1/products", "lot-service", s.lot_service_url),
        ("/api/v1/process", "process-service", s.process_service_url),
        ("/api/v1/label", "label-service", s.label_service_url),
        ("/api/v1/printers", "label-service", s.label_service_url),
        ("/api/v1/firmware", "firmware-service", s.firmware_service_url),
        ("/api/v1/trace", "trace-service", s.trace_service_url),
        ("/api/v1/dashboard", "trace-service", s.trace_service_url),
    ]


_FORWARDED_REQUEST_HEADERS = (
    "authorization",
    "content-type",
    "content-length",
    "accept",
    "accept-language",
    "range",
    "if-none-match",
    "if-range",
    "traceparent",
    "tracestate",
)
_DROPPED_RESPONSE_HEADERS = {"connection", "keep-alive", "transfer-encoding", "server", "date"}


class UpstreamProxy:
    def __init__(self, settings: GatewaySettings) -> None:
        self.routes = sorted(route_table(settings), key=lambda r: len(r[0]), reverse=True)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_seconds, connect=2.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
        )

    def resolve(self, path: str) -> tuple[str, str] | None:
        for prefix, service, base in self.routes:
            if path == prefix or path.startswith(prefix + "/"):
                return service, base
        return None

    async def forward(self, request: Request, client_ip: str | None) -> StreamingResponse:
        target = self.resolve(request.url.path)
        if target is None:
            raise MesError(ErrorCode.NOT_FOUND, data={"path": request.url.path})
        service, base = target
        headers = {
            h: request.headers[h] for h in _FORWARDED_REQUEST_HEADERS if h in request.headers
        }
        headers["x-request-id"] = request.state.request_id
        if client_ip:
            headers["x-forwarded-for"] = client_ip
        url = httpx.URL(base + request.url.path, query=request.url.query.encode())
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
