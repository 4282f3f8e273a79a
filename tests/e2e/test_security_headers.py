"""Response headers at the public door. What the gateway sets is asserted; what it does not
set is recorded in docs/security-checks.md rather than invented here as policy."""

from __future__ import annotations

import httpx
from mes_cli.stack import Stack

from .conftest import Client


def test_api_answers_carry_the_security_headers_and_no_server_banner(admin: Client, gateway: str):
    answers = [
        admin.get("/api/v1/lots"),  # proxied JSON
        admin.get("/api/v1/auth/me"),  # the gateway's own
        admin.get("/api/v1/lots/WF-KR-000101D-999"),  # a contract error
        httpx.get(gateway + "/api/v1/lots"),  # refused before any service
        httpx.post(gateway + "/api/v1/auth/login", json={"username": "x", "password": "y"}),
        httpx.get(gateway + "/health"),
    ]
    for r in answers:
        assert r.headers.get("x-content-type-options") == "nosniff", (r.url, dict(r.headers))
        assert "," not in r.headers["x-content-type-options"]  # one header, not two merged
        assert r.headers.get("x-frame-options") == "DENY", r.url
        assert r.headers.get("referrer-policy") == "same-origin", r.url
        assert "server" not in r.headers, (r.url, r.headers["server"])  # no product banner


def test_services_reached_directly_set_nosniff_too(stack: Stack):
    for name in ("lot-service", "firmware-service", "label-service", "trace-service"):
        r = httpx.get(stack.services[name].url + "/api/v1/products")
        assert r.headers.get("x-content-type-options") == "nosniff", name


def test_no_permissive_cors(admin: Client, gateway: str):
    """The dashboard is served from the gateway's own origin, so no cross-origin access is
    granted: a foreign Origin gets no Access-Control-Allow-* headers, credentials or not."""
    evil = {"Origin": "https://evil.example"}
    r = httpx.get(
        gateway + "/api/v1/lots",
        headers={**evil, "Authorization": admin.headers["Authorization"]},
    )
    assert "access-control-allow-origin" not in r.headers
    assert "access-control-allow-credentials" not in r.headers
    pre = httpx.options(
        gateway + "/api/v1/lots",
        headers={
            **evil,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert pre.status_code < 500
    assert "access-control-allow-origin" not in pre.headers


def test_error_bodies_do_not_leak_internals(admin: Client, gateway: str):
    """Refusals say what went wrong in the contract body, without stack traces or SQL."""
    for r in (
        admin.get("/api/v1/lots", params={"limit": "x"}),
        admin.get("/api/v1/lots/%00"),
        admin.post("/api/v1/lots", content=b"{", headers={"Content-Type": "application/json"}),
        httpx.get(gateway + "/api/v1/lots", headers={"Authorization": "Bearer a.b.c"}),
    ):
        assert 400 <= r.status_code < 500, r.text
        text = r.text
        for marker in ("Traceback", "sqlalchemy", "asyncpg", 'File "', "SELECT "):
            assert marker not in text, (marker, text[:300])
        assert set(r.json()) == {"status", "message", "error_code", "data"}
