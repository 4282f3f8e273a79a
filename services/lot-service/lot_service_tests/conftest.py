"""lot-service's use cases on a real PostgreSQL (its own migrated database per test
module), called directly in a `Database.transaction()` as the HTTP routes and consumers
call them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from lot_service.app import _seed
from lot_service.models import SCHEMA, metadata
from lot_service.service import LotService
from lot_service.settings import LotSettings
from lot_service.subscriptions import SUBSCRIPTIONS
from mes_cli.pytest_plugin import create_database, migrate_service
from mes_contracts.envelope import Actor
from mes_contracts.events import make_event
from servicekit.db import Database, raw
from servicekit.runtime import ServiceRuntime

ACTOR = Actor(user_id="manager", role="production_manager")


@dataclass
class LotKit:
    runtime: ServiceRuntime
    service: LotService
    db: Database

    async def create(self, shift: str = "D", now: datetime | None = None, **kw: Any) -> dict:
        async with self.db.transaction() as session:
            return await self.service.create_lot(
                session,
                product_model=kw.get("product_model", "WF"),
                target_quantity=kw.get("target_quantity", 10),
                shift=shift,
                actor=ACTOR,
                correlation_id="c-lot",
                now=now,
            )

    async def emit(self, type_: str, data: dict[str, Any]) -> None:
        """Apply an event as the consumer would (one transaction)."""
        event = make_event(type_, data, source="test")
        handler = getattr(self.service, SUBSCRIPTIONS.handlers[type_])
        async with self.db.transaction() as session:
            await handler(session, event)

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        async with self.db.transaction() as session:
            return await (await raw(session)).fetch(sql, *args)


@pytest.fixture(scope="module")
async def kit(pg_url: str, redis_url: str) -> AsyncIterator[LotKit]:
    url = await create_database(pg_url, "lot")
    await asyncio.to_thread(migrate_service, "lot_service", url)
    settings = LotSettings(database_url=url, redis_url=redis_url, env="test", log_json=False)
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    runtime.db = Database(url, pool_size=20, max_overflow=20)
    await _seed(runtime)
    try:
        yield LotKit(runtime, LotService(runtime, settings), runtime.db)
    finally:
        await runtime.db.dispose()
