"""The whole system, started by the launcher's own code, on the session's data stores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mes_cli.pytest_plugin import eventually, running_stack, streams_consumed
from mes_cli.signin import TokenAuth
from mes_cli.stack import Stack

STACK_ENV = {
    "MES_CONSUMER_MIN_IDLE_MS": "2000",
    "MES_CONSUMER_RECLAIM_INTERVAL_MS": "1000",  # swept for them every second
    "MES_CONSUMER_BLOCK_MS": "200",
    "MES_OUTBOX_POLL_SECONDS": "0.5",
    # The suite talks to one gateway from one address far faster than a person would;
    # the rate limit itself is tested with gateways of its own (test_gateway_rate_limit).
    "MES_RATE_LIMIT_PER_MINUTE": "1000000",
    "MES_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
    # Revocations Redis lost come back within this (test_revocation).
    "MES_TOKEN_STATE_REPUBLISH_SECONDS": "1",
    # The one check whose SPC violation holds the LOT (test_spc_hold; no other test
    # measures it).
    "MES_SPC_HOLD_CHECKS": "test_results[SPCHOLD_A]",
}


@pytest.fixture(scope="session")
def stack(pg_url: str, redis_url: str) -> Iterator[Stack]:
    with running_stack(pg_url, redis_url, name="e2e", redis_index=1, env=STACK_ENV) as running:
        yield running


class Client:
    """A signed-in user of the public API whose token is refreshed before it expires (and
    on TOKEN_EXPIRED), so a session-long fixture never depends on the suite's speed."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.auth = TokenAuth(base_url, username, password)
        self.http = self.auth.attach(httpx.Client(base_url=base_url, timeout=30))
        self.user = self.auth.data["user"]

    @property
    def headers(self) -> httpx.Headers:
        """The client's headers, with a current `Authorization` (for requests made elsewhere)."""
        self.auth.token()
        return self.http.headers

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> str:
    return stack.gateway_url


@pytest.fixture(scope="session")
def manager(gateway: str) -> Client:
    return Client(gateway, "manager", "demo-manager-1234")


@pytest.fixture(scope="session")
def admin(gateway: str) -> Client:
    return Client(gateway, "admin", "demo-admin-1234")


@pytest.fixture(scope="session")
def viewer(gateway: str) -> Client:
    return Client(gateway, "viewer", "demo-viewer-1234")


@pytest.fixture(scope="session")
def quality(gateway: str) -> Client:
    return Client(gateway, "quality", "demo-quality-1234")


@pytest.fixture(scope="session")
def worker(gateway: str) -> Client:
    return Client(gateway, "w001", "demo-worker-1234")


@pytest.fixture(scope="session")
def firmware_released(gateway: str, stack: Stack) -> None:
    """PROC-004 needs a released firmware: release the demo one if none is, and wait until
    process-service has consumed the release (it learns of it by event, not at once)."""
    from mes_cli.demo import Api, ensure_firmware

    api = Api(gateway)
    api.login("admin", "demo-admin-1234")
    ensure_firmware(api)
    eventually(
        lambda: streams_consumed(stack.redis_url or "", ["firmware.released"], "process-service"),
        timeout=30,
    )
