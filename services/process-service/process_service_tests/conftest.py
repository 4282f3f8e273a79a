"""process-service's use cases on a real PostgreSQL (its own migrated database per test
module), called directly in a `Database.transaction()` as the HTTP routes call them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mes_cli.demo import process_data_for
from mes_cli.pytest_plugin import create_database, migrate_service
from mes_contracts import events as ev
from mes_contracts.api import ProcessCompleteRequest, ProcessStartRequest
from mes_contracts.envelope import Actor
from mes_contracts.events import make_event
from mes_contracts.routing import DEFAULT_ROUTING
from process_service.app import ProcessSettings, _seed_routing
from process_service.models import SCHEMA, metadata
from process_service.service import ProcessService
from process_service.subscriptions import SUBSCRIPTIONS
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime

KST = ZoneInfo("Asia/Seoul")
NAMES = {step.process_id: step.name_ko for step in DEFAULT_ROUTING}
ACTOR = Actor(user_id="tester", role="admin")


@dataclass
class ProcessKit:
    runtime: ServiceRuntime
    service: ProcessService
    db: Database
    lots: int = 0

    async def emit(self, type_: str, data: dict[str, Any]) -> None:
        """Apply an event as the consumer would (one transaction)."""
        event = make_event(type_, data, source="test")
        handler = getattr(self.service, SUBSCRIPTIONS.handlers[type_])
        async with self.db.transaction() as session:
            await handler(session, event)

    async def new_lot(self, status: str = "CREATED") -> str:
        self.lots += 1
        number = f"WF-KR-251110D-{self.lots:03d}"
        await self.emit(
            ev.LOT_CREATED,
            {
                "lot_number": number,
                "product_model": "WF",
                "factory": "KR",
                "production_date": "2025-11-10",
                "shift": "D",
                "sequence": self.lots,
                "target_quantity": 10,
                "status": status,
                "created_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
                "created_by": "tester",
            },
        )
        return number

    async def start(self, lot: str, process_id: str, **overrides: Any) -> dict[str, Any]:
        body = ProcessStartRequest.model_validate(
            {
                "lot_number": lot,
                "process_id": process_id,
                "process_name": NAMES[process_id],
                "worker_id": "W001",
                "start_time": datetime.now(KST).replace(microsecond=0).isoformat(),
                **overrides,
            }
        ).model_dump()
        async with self.db.transaction() as session:
            return await self.service.start(session, body, actor=ACTOR, correlation_id="c-1")

    async def complete(self, lot: str, process_id: str, **overrides: Any) -> dict[str, Any]:
        now = datetime.now(KST).replace(microsecond=0)
        body = ProcessCompleteRequest.model_validate(
            {
                "lot_number": lot,
                "process_id": process_id,
                "process_name": NAMES[process_id],
                "worker_id": "W001",
                "start_time": now.isoformat(),
                "complete_time": now.isoformat(),
                "process_data": process_data_for(process_id, lot, now),
                **overrides,
            }
        ).model_dump()
        async with self.db.transaction() as session:
            return await self.service.complete(session, body, actor=ACTOR, correlation_id="c-2")

    async def dispose(self, ncr_number: str, disposition: str = "REWORK", **body: Any) -> dict:
        """Close an NCR as the disposition route does (REWORK by default)."""
        async with self.db.transaction() as session:
            return await self.service.dispose(
                session,
                ncr_number,
                {"disposition": disposition, **body},
                actor=ACTOR,
                correlation_id="c-3",
            )

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        from servicekit.db import raw

        async with self.db.transaction() as session:
            return await (await raw(session)).fetch(sql, *args)


@pytest.fixture(scope="module")
async def kit(pg_url: str, redis_url: str) -> AsyncIterator[ProcessKit]:
    url = await create_database(pg_url, "process")
    await asyncio.to_thread(migrate_service, "process_service", url)
    settings = ProcessSettings(database_url=url, redis_url=redis_url, env="test", log_json=False)
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    runtime.db = Database(url, pool_size=20, max_overflow=20)
    service = ProcessService(runtime, KST, settings.time_window())
    await _seed_routing(runtime)
    kit = ProcessKit(runtime, service, runtime.db)
    await kit.emit(
        ev.USER_CREATED,
        {"username": "w001", "role": "worker", "worker_id": "W001", "active": True},
    )
    try:
        yield kit
    finally:
        await runtime.db.dispose()
