"""The whole system, started by the launcher's own code, on the session's data stores."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import create_database, eventually
from mes_cli.stack import Stack, StackConfig

STACK_ENV = {
    "MES_CONSUMER_MIN_IDLE_MS": "2000",
    "MES_CONSUMER_BLOCK_MS": "200",
    "MES_OUTBOX_POLL_SECONDS": "0.5",
    # The suite talks to one gateway from one address far faster than a person would;
    # the rate limit itself is tested with gateways of its own (test_gateway_rate_limit).
    "MES_RATE_LIMIT_PER_MINUTE": "1000000",
    "MES_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
}


def _redis_db(url: str, index: int) -> str:
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{index}"


@pytest.fixture(scope="session")
def stack(pg_url: str, redis_url: str) -> Iterator[Stack]:
    database_url = asyncio.run(create_database(pg_url, "e2e"))
    config = StackConfig(
        data_dir=Path(tempfile.mkdtemp(prefix="mes-e2e-")),
        http_port=free_port(),
        database_url=database_url,
        redis_url=_redis_db(redis_url, 1),
        extra_env=STACK_ENV,
    )
    running = Stack(config, log=lambda *_: None)
    try:
        running.start(timeout=120)
        yield running
    finally:
        running.stop()
        shutil.rmtree(config.data_dir, ignore_errors=True)


class Client:
    """A signed-in user of the public API."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        r = self.http.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        self.user = r.json()["data"]["user"]
        self.http.headers["Authorization"] = f"Bearer {r.json()['data']['access_token']}"

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
    client = redis.Redis.from_url(stack.redis_url or "")
    try:
        eventually(lambda: _consumed(client, "firmware.released", "process-service"), timeout=30)
    finally:
        client.close()


def _entry(entry_id: bytes | str) -> tuple[int, int]:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    millis, _, seq = text.partition("-")
    return int(millis), int(seq or 0)


def _consumed(client: redis.Redis, stream: str, group: str) -> bool:
    """Every entry of `stream` delivered to `group` and acknowledged."""
    last = client.xrevrange(stream, count=1)
    if not last:
        return False
    for info in client.xinfo_groups(stream):
        name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
        if name == group:
            delivered = _entry(info["last-delivered-id"])
            return delivered >= _entry(last[0][0]) and info["pending"] == 0
    return False
