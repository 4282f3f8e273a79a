"""The stalled-LOT alert on real PostgreSQL (ADR 0024): events projected as the consumer
projects them, then the monitor's rule; raised once for a step idle past 3 × its takt,
resolved when the step completes; closed LOTs and superseded attempts never stall; the
open steps are read through the partial index of open records."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from mes_cli.pytest_plugin import create_database, migrate_service
from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from mes_contracts.events import make_event
from mes_contracts.routing import DEFAULT_ROUTING
from servicekit.db import Database, raw
from servicekit.runtime import ServiceRuntime
from sqlalchemy.dialects import postgresql
from trace_service.alerts import rules
from trace_service.alerts.centre import AlertCentre
from trace_service.alerts.monitor import Monitor
from trace_service.alerts.stalled import open_steps, open_steps_query
from trace_service.app import TraceSettings
from trace_service.models import SCHEMA, metadata
from trace_service.projections import Projector

KST = ZoneInfo("Asia/Seoul")
NOW = datetime.now(UTC).replace(microsecond=0)
PROC_003_TAKT = 1800  # DEFAULT_ROUTING


@pytest.fixture
async def monitor(pg_url: str) -> Any:
    url = await create_database(pg_url, "trace_stalled")
    await asyncio.to_thread(migrate_service, "trace_service", url)
    settings = TraceSettings(database_url=url)
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    runtime.db = Database(url)
    try:
        yield Monitor(AlertCentre(runtime, settings), KST)
    finally:
        await runtime.db.dispose()


def _event(type_: str, data: dict[str, Any], at: datetime) -> Envelope:
    return make_event(type_, data, source="test", time=at)


def routing_updated() -> Envelope:
    steps = [
        {
            "process_id": s.process_id,
            "sequence": s.sequence,
            "name_ko": s.name_ko,
            "name_en": s.name_en,
            "takt_seconds": s.takt_seconds,
        }
        for s in DEFAULT_ROUTING
    ]
    data = {"product_model": "WF", "steps": steps, "updated_at": NOW - timedelta(days=1)}
    return _event(ev.ROUTING_UPDATED, data, NOW - timedelta(days=1))


def lot_created(lot: str, seq: int, at: datetime) -> Envelope:
    data = {
        "lot_number": lot,
        "product_model": "WF",
        "factory": "KR",
        "production_date": at.astimezone(KST).date().isoformat(),
        "shift": "D",
        "sequence": seq,
        "target_quantity": 10,
        "status": "CREATED",
        "created_at": at,
        "created_by": "manager",
    }
    return _event(ev.LOT_CREATED, data, at)


def _common(lot: str, wo: str, at: datetime) -> dict[str, Any]:
    return {
        "work_order_id": wo,
        "lot_number": lot,
        "product_model": "WF",
        "process_id": "PROC-003",
        "process_name": "센서 검사",
        "sequence_number": 3,
        "worker_id": "W001",
        "start_time": at,
    }


def started(lot: str, wo: str, at: datetime) -> Envelope:
    return _event(ev.PROCESS_STARTED, {**_common(lot, wo, at), "recorded_at": at}, at)


def completed(lot: str, wo: str, start: datetime, at: datetime) -> Envelope:
    data = {
        **_common(lot, wo, start),
        "started_at": start,
        "reported_start_time": start,
        "complete_time": at,
        "result": "PASS",
        "process_data": {},
        "is_last_process": False,
        "recorded_at": at,
    }
    return _event(ev.PROCESS_COMPLETED, data, at)


def status_changed(lot: str, to: str, at: datetime) -> Envelope:
    data = {
        "lot_number": lot,
        "from_status": "IN_PROGRESS",
        "to_status": to,
        "changed_at": at,
        "changed_by": "manager",
        "reason": "test",
    }
    return _event(ev.LOT_STATUS_CHANGED, data, at)


async def project(m: Monitor, *events: Envelope) -> None:
    projector = Projector(KST)
    async with m.centre.rt.db.transaction() as session:
        for e in events:
            await projector.apply(session, Envelope.from_json(e.to_json()))


async def tick(m: Monitor) -> list[dict[str, Any]]:
    """The rule once, then every stalled-LOT alert (open or resolved)."""
    async with m.centre.rt.db.transaction() as session:
        await m.stalled(session)
    async with m.centre.rt.db.transaction() as session:
        rows = await (await raw(session)).fetch(
            "SELECT condition_key, subject_id, code, params, resolved_at FROM trace.alerts"
            " WHERE rule = 'lot.stalled' ORDER BY id"
        )
    return [dict(r) for r in rows]


async def test_a_step_idle_past_its_takt_multiple_raises_once_and_resolves_on_completion(
    monitor: Monitor,
) -> None:
    idle_since = NOW - timedelta(seconds=3 * PROC_003_TAKT + 600)
    stalled, busy, closed, retried = (f"WF-KR-261204D-{n:03d}" for n in range(1, 5))
    await project(
        monitor,
        routing_updated(),
        *(
            lot_created(lot, n, idle_since - timedelta(hours=1))
            for n, lot in enumerate((stalled, busy, closed, retried), start=1)
        ),
        started(stalled, "WO-1", idle_since),
        started(busy, "WO-2", NOW - timedelta(minutes=10)),
        started(closed, "WO-3", idle_since),
        status_changed(closed, "CLOSED", idle_since + timedelta(minutes=1)),
        # An abandoned attempt, then a later one of the same step that completed.
        started(retried, "WO-4", idle_since),
        started(retried, "WO-5", idle_since + timedelta(minutes=5)),
        completed(
            retried, "WO-5", idle_since + timedelta(minutes=5), idle_since + timedelta(minutes=20)
        ),
    )
    async with monitor.centre.rt.db.transaction() as session:
        listed = {(s.lot_number, s.work_order_id) for s in await open_steps(session)}
    assert listed == {(stalled, "WO-1"), (busy, "WO-2")}

    [alert] = await tick(monitor)
    assert (alert["subject_id"], alert["code"]) == (stalled, "ALERT_LOT_STALLED")
    assert alert["condition_key"] == rules.lot_stalled_key(stalled, "PROC-003")
    assert alert["resolved_at"] is None
    assert await tick(monitor) == [alert]  # polled again: raised once

    await project(monitor, completed(stalled, "WO-1", idle_since, NOW))
    [after] = await tick(monitor)
    assert after["condition_key"] == alert["condition_key"] and after["resolved_at"] is not None


async def test_the_open_steps_come_from_the_partial_index(monitor: Monitor) -> None:
    sql = str(
        open_steps_query().compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
    )
    async with monitor.centre.rt.db.transaction() as session:
        conn = await raw(session)
        await conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql))
    assert "ix_trace_records_open" in plan, plan
    assert "ix_event_log_subject_time" in plan, plan
