"""label-service on real PostgreSQL and Redis, served over real HTTP, plus printer
emulators on loopback ports. One service instance (and database) per test module."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from label_service.app import build_app
from label_service.emulator import PrinterEmulator
from label_service.settings import LabelSettings
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import create_database, migrate_service, serve_app
from mes_contracts.events import make_event
from mes_contracts.wire import encode_entry
from redis.asyncio import Redis

LABEL_REDIS_DB = 7  # this suite's own Redis database: its streams and groups only


def redis_db(url: str, index: int) -> str:
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{index}"


@dataclass
class LabelStack:
    url: str
    http: httpx.AsyncClient
    redis: Redis
    headers: Callable[..., dict[str, str]]
    emulators: list[PrinterEmulator]
    settings: LabelSettings
    server: Any = None

    async def stop_service(self) -> None:
        await asyncio.to_thread(self.server.__exit__, None, None, None)

    async def start_service(self) -> None:
        """A new service process-equivalent on the same database, at a new URL."""
        self.server = serve_app(build_app(self.settings))
        self.url = await asyncio.to_thread(self.server.__enter__)
        await self.http.aclose()
        self.http = httpx.AsyncClient(base_url=self.url, timeout=30)

    async def emulator(
        self, language: str = "ZPL", state: str = "ready", **kw: Any
    ) -> PrinterEmulator:
        emu = await PrinterEmulator(language, state, **kw).start()
        self.emulators.append(emu)
        return emu

    async def register(self, printer_id: str, port: int, **fields: Any) -> dict[str, Any]:
        body = {
            "printer_id": printer_id,
            "model": "Zebra ZT410",
            "language": "ZPL",
            "host": "127.0.0.1",
            "port": port,
            **fields,
        }
        r = await self.http.post("/api/v1/printers", json=body, headers=self.headers("admin"))
        assert r.status_code == 201, r.text
        return r.json()["data"]

    async def publish(self, type_: str, data: dict[str, Any]) -> None:
        envelope = make_event(type_, data, source="test")
        await self.redis.xadd(type_, encode_entry(envelope))

    async def job_states(self, **params: str) -> list[str]:
        r = await self.http.get(
            "/api/v1/label/jobs", params={"limit": 500, **params}, headers=self.headers("viewer")
        )
        assert r.status_code == 200, r.text
        return [j["state"] for j in r.json()["data"]["items"]]


@pytest.fixture(scope="module")
async def label_stack(
    request: pytest.FixtureRequest, pg_url: str, redis_url: str, jwt_keys: Any
) -> AsyncIterator[LabelStack]:
    """A test module may set `LABEL_SETTINGS = {...}` for its own service's settings."""
    database_url = await create_database(pg_url, "label")
    await asyncio.to_thread(migrate_service, "label_service", database_url)
    redis = Redis.from_url(redis_db(redis_url, LABEL_REDIS_DB))
    await redis.flushdb()
    defaults: dict[str, Any] = {
        "consumer_block_ms": 100,
        "consumer_min_idle_ms": 1000,
        "outbox_poll_seconds": 0.2,
        "label_dispatch_interval": 0.1,
        "label_retry_base_seconds": 0.2,
        "label_retry_max_seconds": 0.5,
        "label_connect_timeout": 1.0,
        "label_status_timeout": 0.5,
        "label_station_wait_seconds": 2.0,
        # The seeded demo printers point at ports nobody listens on (9101/9107 may be a
        # stack's emulators on this machine, e.g. another test worker's).
        "label_demo_printer_port": free_port(),
        "label_demo_serial_printer_port": free_port(),
    }
    settings = LabelSettings(
        database_url=database_url,
        redis_url=redis_db(redis_url, LABEL_REDIS_DB),
        env="test",
        jwt_public_key=jwt_keys.public_pem,
        log_json=False,
        log_level="WARNING",
        **{**defaults, **getattr(request.module, "LABEL_SETTINGS", {})},  # the module's win
    )

    def headers(role: str = "admin", worker_id: str | None = None, username: str = "tester"):
        return jwt_keys.headers(role, worker_id, username)

    stack = LabelStack("", httpx.AsyncClient(), redis, headers, [], settings)
    await stack.start_service()
    try:
        yield stack
    finally:
        await stack.http.aclose()
        for emu in stack.emulators:
            await emu.stop()
        await stack.stop_service()
        await redis.aclose()


def lot_created(lot: str, quantity: int = 100) -> dict:
    """lot.created's payload for `lot` (its sequence: the number's last three digits)."""
    return {
        "lot_number": lot,
        "product_model": "WF",
        "factory": "KR",
        "production_date": "2025-11-10",
        "shift": "D",
        "sequence": int(lot[-3:]),
        "target_quantity": quantity,
        "created_at": datetime.now(UTC).isoformat(),
        "created_by": "manager",
    }


def closed_port() -> int:
    """A loopback port with nothing listening on it (yet)."""
    return free_port()


async def eventually(probe: Callable[[], Any], within: float = 15.0) -> Any:
    async with asyncio.timeout(within):
        while True:
            value = await probe()
            if value:
                return value
            await asyncio.sleep(0.05)
