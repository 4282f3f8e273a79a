"""lot-service's use cases on a real PostgreSQL (its own migrated database per test
module), called directly in a `Database.transaction()` as the HTTP routes and consumers
call them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from lot_service.app import _seed
from lot_service.service import LotService
from lot_service.settings import LotSettings
from lot_service.subscriptions import SUBSCRIPTIONS
from mes_cli.pytest_plugin import UseCaseKit, migrated_runtime
from mes_contracts.envelope import Actor

ACTOR = Actor(user_id="manager", role="production_manager")


@dataclass
class LotKit(UseCaseKit):
    subscriptions = SUBSCRIPTIONS

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


@pytest.fixture(scope="module")
async def kit(pg_url: str, redis_url: str) -> AsyncIterator[LotKit]:
    async with migrated_runtime(pg_url, redis_url, "lot_service", LotSettings) as runtime:
        await _seed(runtime)
        yield LotKit(runtime, LotService(runtime, runtime.settings), runtime.db)
