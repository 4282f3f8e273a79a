"""The gateway's door to services running in its own process (single-process mode).

Same contract as `UpstreamProxy.forward`: the path is resolved by the service map, the
client's headers that a service may read are passed on, with the request id and the
signed client address; the service's answer streams back. Only the socket is gone.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from mes_contracts.errors import ErrorCode, MesError
from servicekit.hop import HopKey
from servicekit.inprocess import call_app
from starlette.responses import Response
from starlette.types import ASGIApp

from .proxy import _FORWARDED_REQUEST_HEADERS
from .servicemap import ServiceMap


class InProcessProxy:
    def __init__(
        self,
        services: ServiceMap,
        apps: Mapping[str, ASGIApp],
        hop_key: HopKey | None,
        timeout_s: float,
    ) -> None:
        self.services = services
        self.apps = dict(apps)
        self.hop_key = hop_key
        self.timeout_s = timeout_s

    async def forward(self, request: Request, client_ip: str | None) -> Response:
        path = request.scope["path"]  # not request.url.path: urlsplit drops \n and \t
        if any(segment in (".", "..") for segment in path.split("/")):
            raise MesError(ErrorCode.NOT_FOUND, data={"path": path[:200]})
        target = self.services.resolve(path)
        if target is None or target[0] not in self.apps:
            raise MesError(ErrorCode.NOT_FOUND, data={"path": path[:200]})
        service = target[0]
        headers = {
            h: request.headers[h] for h in _FORWARDED_REQUEST_HEADERS if h in request.headers
        }
        headers["x-request-id"] = request.state.request_id
        if client_ip and self.hop_key is not None:
            headers.update(self.hop_key.headers(client_ip, request.state.request_id))
        return await call_app(
            self.apps[service],
            request,
            service=service,
            headers=headers,
            raw_path=request.scope.get("raw_path") or path.encode(),
            principal=getattr(request.state, "principal", None),
            timeout_s=self.timeout_s,
        )

    async def close(self) -> None:
        return None
