"""docs/rbac.md is the matrix: every row × every role through the gateway, and every route
of the combined OpenAPI document must appear in it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from mes_cli.signin import TokenAuth

RBAC_DOC = Path(__file__).resolve().parents[2] / "docs" / "rbac.md"
ROLES = ("admin", "production_manager", "quality_manager", "worker", "viewer")
ACCOUNTS = {
    "admin": ("admin", "demo-admin-1234"),
    "production_manager": ("manager", "demo-manager-1234"),
    "quality_manager": ("quality", "demo-quality-1234"),
    "worker": ("w001", "demo-worker-1234"),
    "viewer": ("viewer", "demo-viewer-1234"),
}
PUBLIC = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/refresh")}
# Values that satisfy path patterns but name nothing that exists.
PATH_VALUES = {
    "lot_number": "WF-KR-000101D-999",
    "serial_number": "WF-KR-000101D-999-0001",
    "username": "no-such-user",
    "version": "v0.0.1",
    "printer_id": "PRINTER-99",
    "job_id": "999999999",
    "component_lot": "SPRING-NONE",
    "worker_id": "W999",
    "alert_id": "999999999",
    "ncr_number": "NCR-000101-999",
}


def matrix() -> list[tuple[str, str, dict[str, bool]]]:
    rows = []
    for line in RBAC_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 + len(ROLES) or cells[0] not in {
            "GET",
            "POST",
            "PUT",
            "PATCH",
            "DELETE",
        }:
            continue
        rows.append(
            (cells[0], cells[1], {role: cells[2 + i] == "✓" for i, role in enumerate(ROLES)})
        )
    return rows


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "x"), path)


@pytest.fixture(scope="module")
def tokens(gateway: str) -> dict[str, TokenAuth]:
    """One sign-in per role for the whole matrix, its token renewed as the module runs."""
    return {role: TokenAuth(gateway, *account) for role, account in ACCOUNTS.items()}


def test_the_matrix_is_complete(gateway: str):
    documented = {(m, p) for m, p, _ in matrix()}
    spec = httpx.get(gateway + "/openapi.json").json()
    assert not spec["info"].get("x-unavailable-services")
    routes = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    missing = sorted(routes - documented - PUBLIC)
    assert not missing, f"routes missing from docs/rbac.md: {missing}"
    stale = sorted(documented - routes)
    assert not stale, f"docs/rbac.md lists routes that do not exist: {stale}"


@pytest.mark.parametrize(
    ("method", "path", "allowed"), matrix(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_each_role_gets_what_the_matrix_says(
    gateway: str, tokens: dict[str, TokenAuth], method: str, path: str, allowed: dict[str, bool]
):
    url = gateway + concrete(path)
    for role in ROLES:
        headers = {"Authorization": f"Bearer {tokens[role].token()}"}
        if path == "/api/v1/auth/logout":
            # Signing out kills the token: use a throwaway sign-in for this row.
            user, password = ACCOUNTS[role]
            fresh = httpx.post(
                gateway + "/api/v1/auth/login", json={"username": user, "password": password}
            )
            headers = {"Authorization": f"Bearer {fresh.json()['data']['access_token']}"}
        if path == "/api/v1/live":
            with httpx.stream("GET", url, headers=headers, timeout=10) as r:
                status = r.status_code
        else:
            kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
            r = httpx.request(method, url, headers=headers, timeout=30, **kwargs)
            status = r.status_code
            if status == 403:
                assert r.json()["error_code"] == "FORBIDDEN"
        if allowed[role]:
            assert status != 403, f"{role} should be allowed {method} {path} (got {status})"
            assert status != 401
        else:
            assert status == 403, f"{role} must be refused {method} {path} (got {status})"
        # Without any token, every row is refused.
    anonymous = httpx.request(method, url, timeout=30)
    assert anonymous.status_code == 401
