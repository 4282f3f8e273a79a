"""Session-long clients outlive their access tokens: on a gateway whose tokens last two
seconds, the suite's own client (tests/e2e/conftest.py `Client`, the same `TokenAuth` the
ops and demo clients use) keeps working, through the gateway's routes and proxied ones."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import eventually
from mes_cli.signin import TokenAuth
from mes_cli.stack import Stack

from .conftest import Client

TOKEN_SECONDS = 2


@pytest.fixture(scope="module")
def brief_gateway(stack: Stack) -> Iterator[str]:
    """A gateway replica in front of the stack's services whose access tokens last 2 s."""
    name = "gateway-brief-tokens"
    replica = stack.start_gateway(
        free_port(), name=name, extra_env={"MES_ACCESS_TOKEN_SECONDS": str(TOKEN_SECONDS)}
    )
    try:
        stack.wait_ready(timeout=120)
        yield replica.url
    finally:
        stack.stop_service(name)
        stack.services.pop(name, None)


def _expired(url: str, token: str) -> bool:
    """The MES itself refuses `token` as expired (the gateway and a service behind it)."""
    headers = {"Authorization": f"Bearer {token}"}
    return all(
        r.status_code == 401 and r.json()["error_code"] == "TOKEN_EXPIRED"
        for r in (
            httpx.get(url + "/api/v1/auth/me", headers=headers),
            httpx.get(url + "/api/v1/lots", headers=headers),
        )
    )


def test_the_suite_client_keeps_working_across_token_expiry(brief_gateway: str):
    manager = Client(brief_gateway, "manager", "demo-manager-1234")
    assert manager.auth.data["expires_in"] == TOKEN_SECONDS
    for _ in range(3):  # three lifetimes, each token seen expired before the next request
        first = manager.http.headers["Authorization"].removeprefix("Bearer ")
        assert manager.get("/api/v1/auth/me").status_code == 200
        eventually(lambda first=first: _expired(brief_gateway, first), timeout=30)
        assert manager.get("/api/v1/auth/me").status_code == 200  # the gateway's route
        assert manager.get("/api/v1/lots").status_code == 200  # proxied to lot-service
        r = manager.post(
            "/api/v1/lots", json={"product_model": "WF", "target_quantity": 1, "shift": "D"}
        )
        assert r.status_code == 201, r.text
        assert manager.headers["Authorization"] != f"Bearer {first}"
    assert manager.auth.refreshes >= 3 and manager.auth.sign_ins == 1


def test_a_token_refused_as_expired_is_refreshed_and_the_request_sent_again(brief_gateway: str):
    """No renewal ahead of time (it is due only after 1000 lifetimes): the refusal itself
    triggers the refresh, and the caller sees only the answer to its retried request."""
    auth = TokenAuth(brief_gateway, "viewer", "demo-viewer-1234", renew_after=1000)
    client = auth.attach(httpx.Client(base_url=brief_gateway, timeout=30))
    first = auth.token()
    eventually(lambda: _expired(brief_gateway, first), timeout=30)
    r = client.get("/api/v1/lots")
    assert r.status_code == 200, r.text
    assert auth.refreshes == 1 and auth.sign_ins == 1
    assert auth.token() != first


def test_a_token_of_the_callers_choosing_is_sent_as_it_is(brief_gateway: str):
    manager = Client(brief_gateway, "manager", "demo-manager-1234")
    r = manager.get("/api/v1/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHORIZED"
    assert manager.auth.refreshes == 0
