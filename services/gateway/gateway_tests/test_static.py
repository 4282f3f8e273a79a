"""The dashboard's files: served for paths no route answers, with the security headers the
API answers carry (they are served ahead of the request middleware)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from gateway.static import mount_dashboard
from servicekit.http import SECURITY_HEADERS

pytestmark = pytest.mark.unit


def _app(dist: Path) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    assert mount_dashboard(app, str(dist)) == dist.resolve()
    return app


async def test_dashboard_files_carry_the_security_headers(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>MES</title>")
    (tmp_path / "assets" / "app-1234.js").write_text("console.log('mes')")
    transport = httpx.ASGITransport(app=_app(tmp_path))
    async with httpx.AsyncClient(transport=transport, base_url="http://mes") as client:
        for path, body in (
            ("/", "<title>MES</title>"),
            ("/lots/WF-KR-1", "<title>MES</title>"),
            ("/assets/app-1234.js", "console.log"),
        ):
            r = await client.get(path)
            assert r.status_code == 200 and body in r.text, path
            for name, value in SECURITY_HEADERS.items():
                assert r.headers.get(name) == value, (path, name)
        assert (await client.get("/assets/gone-0000.js")).status_code == 404
        assert (await client.get("/api/v1/ping")).json() == {
            "pong": "yes"
        }  # routes keep their paths
