"""A stack of its own for the operations tests (backup/restore, scale-out): the launcher's
code on a fresh database and Redis database 7, with three trace-service processes, as
`./mes up --replicas trace-service=3` starts them. The shared e2e stack is not touched."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import running_stack
from mes_cli.signin import signed_in
from mes_cli.stack import Stack, parse_replicas

REPO = Path(__file__).resolve().parents[2]
REDIS_DB = 8  # reserved for this stack (the label tests have 7)
TRACE_REPLICAS = 3

OPS_ENV = {
    "MES_CONSUMER_MIN_IDLE_MS": "2000",
    "MES_CONSUMER_RECLAIM_INTERVAL_MS": "1000",  # swept for them every second
    "MES_CONSUMER_BLOCK_MS": "200",
    "MES_OUTBOX_POLL_SECONDS": "0.5",
    "MES_RATE_LIMIT_PER_MINUTE": "1000000",
    "MES_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
    # No printers: label jobs wait unassigned, so nothing changes once events are applied.
    "MES_LABEL_SEED_DEMO_PRINTERS": "false",
}


def low_free_port(span: int = 20) -> int:
    """A free port below the kernel's ephemeral range (32768+) with `span` free ports
    after it: the launcher gives the services the ports after the gateway's, and an
    ephemeral port can be taken by any outgoing connection between check and bind."""
    for _ in range(200):
        start = secrets.randbelow(32000 - 20000 - span) + 20000
        if all(free_port(p) == p for p in range(start, start + span)):
            return start
    return free_port()


class Api:
    """A signed-in user of the public API (token refreshed before it expires and on
    TOKEN_EXPIRED: the session's fixtures outlive an access token on a slow machine)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.http = signed_in(base_url, username, password)

    @classmethod
    def with_headers(cls, base_url: str, headers: dict[str, str]) -> Api:
        api = cls.__new__(cls)
        api.http = httpx.Client(base_url=base_url, timeout=30, headers=headers)
        return api

    def __getattr__(self, name: str) -> Any:
        return getattr(self.http, name)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The backup/restore tests stop the ops stack's processes: run them last."""
    last = [i for i in items if "test_backup_restore" in i.nodeid]
    if last:
        items[:] = [i for i in items if i not in last] + last


@pytest.fixture(scope="session")
def ops_stack(pg_url: str, redis_url: str) -> Iterator[Stack]:
    with running_stack(
        pg_url,
        redis_url,
        name="ops",
        redis_index=REDIS_DB,
        env=OPS_ENV,
        http_port=low_free_port(),
        replicas=parse_replicas(f"trace-service={TRACE_REPLICAS}"),
        timeout=180,
        keep_dir=bool(os.environ.get("MES_KEEP_OPS_DIR")),
        # Deployed as compose and k8s run it: one process per service, stopped one by one.
        mode="services",
    ) as running:
        yield running


@pytest.fixture(scope="session")
def ops_manager(ops_stack: Stack) -> Api:
    return Api(ops_stack.gateway_url, "manager", "demo-manager-1234")


@pytest.fixture(scope="session")
def ops_worker(ops_stack: Stack) -> Api:
    return Api(ops_stack.gateway_url, "w001", "demo-worker-1234")


@pytest.fixture(scope="session")
def ops_firmware(ops_stack: Stack) -> None:
    """PROC-004 needs a released firmware."""
    from mes_cli.demo import Api as DemoApi
    from mes_cli.demo import ensure_firmware

    api = DemoApi(ops_stack.gateway_url)
    api.login("admin", "demo-admin-1234")
    ensure_firmware(api)
