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

from .proxy import route, upstream_headers
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
        service, _, path = route(request, self.services)
        if service not in self.apps:
            raise MesError(ErrorCode.NOT_FOUND, data={"path": path[:200]})
        return await call_app(
            self.apps[service],
            request,
            service=service,
            headers=upstream_headers(request, client_ip, self.hop_key),
            raw_path=request.scope.get("raw_path") or path.encode(),
            principal=getattr(request.state, "principal", None),
            timeout_s=self.timeout_s,
        )

    async def close(self) -> None:
        return None
