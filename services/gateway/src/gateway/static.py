"""The web dashboard (clients/dashboard, built by Vite) served at `/`.

The API always wins: a GET or HEAD is answered here only when its path is outside `/api`
and no route of the gateway (`/docs`, `/health`, `/metrics`, …) matches it. Then a file of
the build directory is sent if the path names one, and `index.html` otherwise (client-side
routes such as `/lots/WF-KR-251110D-001` belong to the single-page app). Hashed files under
`assets/` are cached for a year, `index.html` is revalidated every time.

It sits in front of the middleware stack, so page files do not count against the per-address
API rate limit (a dashboard load is a handful of files; counting them would starve the API
calls of a user who reloads). The directory is `MES_DASHBOARD_DIR`, by default the
repository's `clients/dashboard/dist` when it exists; `MES_DASHBOARD_DIR=""` turns it off.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from servicekit.http import SECURITY_HEADERS
from servicekit.logging import get_logger
from starlette.responses import FileResponse, Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

log = get_logger(__name__)

# services/gateway/src/gateway/static.py → the repository root
REPO_DIST = Path(__file__).resolve().parents[4] / "clients" / "dashboard" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"


def dashboard_dir(configured: str | None) -> Path | None:
    """The build directory to serve, or None (not configured and not built, or turned off)."""
    if configured is not None:
        if not configured.strip():
            return None
        path = Path(configured).expanduser().resolve()
    else:
        path = REPO_DIST
    if not (path / "index.html").is_file():
        if configured:
            log.warning("MES_DASHBOARD_DIR has no index.html; the dashboard is off", path=str(path))
        return None
    return path


class DashboardFiles:
    """ASGI middleware serving the dashboard for paths nothing else answers."""

    def __init__(self, app: ASGIApp, *, root: Path, router: Router) -> None:
        self.app = app
        self.root = root
        self.index = root / "index.html"
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            response = self.response_for(scope)
            if response is not None:
                # Served ahead of the request middleware: the same security headers here.
                for name, value in SECURITY_HEADERS.items():
                    response.headers.setdefault(name, value)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def response_for(self, scope: Scope) -> Response | None:
        path: str = scope["path"]
        if path == "/api" or path.startswith("/api/"):
            return None
        if any(route.matches(scope)[0] is not Match.NONE for route in self.router.routes):
            return None
        relative = path.lstrip("/")
        if "\x00" in relative:  # no file has it, and pathlib would raise on it
            return Response(status_code=404)
        if relative:
            candidate = (self.root / relative).resolve()
            if candidate.is_relative_to(self.root) and candidate.is_file():
                cache = IMMUTABLE if candidate.parent.name == "assets" else "no-cache"
                return FileResponse(candidate, headers={"Cache-Control": cache})
            if relative.startswith("assets/"):  # a stale page asking for a replaced build
                return Response(status_code=404)
        return FileResponse(self.index, headers={"Cache-Control": "no-cache"})


def mount_dashboard(app: FastAPI, configured: str | None) -> Path | None:
    """Serve the dashboard from `configured` (or the repository's build); call it after
    every route is registered."""
    root = dashboard_dir(configured)
    if root is None:
        return None
    app.add_middleware(DashboardFiles, root=root, router=app.router)
    log.info("serving the dashboard", path=str(root))
    return root
