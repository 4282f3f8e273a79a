"""process-service's use cases on a real PostgreSQL (its own migrated database per test
module), called directly in a `Database.transaction()` as the HTTP routes call them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mes_cli.demo import process_data_for
from mes_cli.pytest_plugin import UseCaseKit, migrated_runtime
from mes_contracts import events as ev
from mes_contracts.api import ProcessCompleteRequest, ProcessStartRequest
from mes_contracts.envelope import Actor
from mes_contracts.routing import DEFAULT_ROUTING
from process_service.app import ProcessSettings, _seed_routing
from process_service.service import ProcessService
from process_service.subscriptions import SUBSCRIPTIONS

KST = ZoneInfo("Asia/Seoul")
NAMES = {step.process_id: step.name_ko for step in DEFAULT_ROUTING}
ACTOR = Actor(user_id="tester", role="admin")


@dataclass
class ProcessKit(UseCaseKit):
    subscriptions = SUBSCRIPTIONS
    lots: int = 0

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


@pytest.fixture(scope="module")
async def kit(pg_url: str, redis_url: str) -> AsyncIterator[ProcessKit]:
    async with migrated_runtime(pg_url, redis_url, "process_service", ProcessSettings) as runtime:
        service = ProcessService(runtime, KST, runtime.settings.time_window())
        await _seed_routing(runtime)
        kit = ProcessKit(runtime, service, runtime.db)
        await kit.emit(
            ev.USER_CREATED,
            {"username": "w001", "role": "worker", "worker_id": "W001", "active": True},
        )
        yield kit
