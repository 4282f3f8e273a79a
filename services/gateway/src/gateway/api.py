"""The catch-all proxy: every /api/v1 path the gateway does not serve itself."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from servicekit.auth import current_principal

router = APIRouter()


@router.api_route(
    "/api/v1/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def proxy(path: str, request: Request) -> Response:
    # Authenticate at the door (and refuse revoked tokens); the service verifies again.
    principal = await current_principal(request)
    return await request.app.state.proxy.forward(request, principal.source_ip)
