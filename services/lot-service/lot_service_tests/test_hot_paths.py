"""LOT creation and the process events' effects on raw asyncpg (ADR 0014), on real
PostgreSQL: gap-free numbers under concurrency, the LOT with its history and event in one
statement, the locked upserts that never move a step backwards."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from mes_contracts import events as ev
from mes_contracts.errors import ErrorCode, MesError

from .conftest import ACTOR, LotKit


# A fixed production date per test (KST noon of a day no other test uses).
def noon(day: int) -> datetime:
    return datetime(2025, 10, day, 3, 0, tzinfo=UTC)


async def lot_events(kit: LotKit, lot: str) -> list[dict[str, Any]]:
    rows = await kit.fetch("SELECT payload FROM lot.outbox ORDER BY seq")
    return [e for e in (json.loads(r["payload"]) for r in rows) if e["subject"] == lot]


async def test_concurrent_creates_get_consecutive_numbers(kit: LotKit) -> None:
    created = await asyncio.gather(*(kit.create(now=noon(1)) for _ in range(20)))
    numbers = sorted(c["lot_number"] for c in created)
    assert numbers == [f"WF-KR-251001D-{i:03d}" for i in range(1, 21)]
    history = await kit.fetch(
        "SELECT lot_number, from_status, to_status, changed_by FROM lot.lot_status_history "
        "WHERE lot_number = ANY($1)",
        numbers,
    )
    assert sorted(h["lot_number"] for h in history) == numbers
    assert {(h["from_status"], h["to_status"], h["changed_by"]) for h in history} == {
        (None, "CREATED", "manager")
    }
    for number in numbers[:3]:
        [event] = await lot_events(kit, number)
        assert event["type"] == ev.LOT_CREATED
        assert event["data"]["lot_number"] == number
        assert event["correlation_id"] == "c-lot"


async def test_unknown_model_and_rolled_back_creation_leave_no_trace(kit: LotKit) -> None:
    with pytest.raises(MesError) as refused:
        await kit.create(now=noon(2), product_model="XX")
    assert refused.value.code == ErrorCode.PRODUCT_MODEL_NOT_FOUND
    assert await kit.fetch("SELECT 1 FROM lot.lot_sequences WHERE product_model = 'XX'") == []

    with pytest.raises(RuntimeError):
        async with kit.db.transaction() as session:
            await kit.service.create_lot(
                session,
                product_model="WF",
                target_quantity=5,
                shift="D",
                actor=None,  # type: ignore[arg-type]
                correlation_id=None,
                now=noon(2),
            )
            raise RuntimeError("the request failed after the insert")
    first = await kit.create(now=noon(2))
    assert first["lot_number"] == "WF-KR-251002D-001"  # the rolled-back number came back


async def test_taken_number_resynchronises_the_counter_once(kit: LotKit) -> None:
    first = await kit.create(now=noon(3))
    async with kit.db.transaction() as session:
        from servicekit.db import raw

        # A LOT entered outside the counter (a data migration) holds the next two numbers.
        await (await raw(session)).execute(
            "INSERT INTO lot.lots SELECT left(lot_number, -3) || lpad(s::text, 3, '0'), product_model, factory, "
            "production_date, shift, s, target_quantity, status, created_at, created_by, "
            "updated_at, 0 FROM lot.lots, generate_series(2, 3) s WHERE lot_number = $1",
            first["lot_number"],
        )
    created = await kit.create(now=noon(3))
    assert created["lot_number"] == "WF-KR-251003D-004"
    assert len(await lot_events(kit, "WF-KR-251003D-002")) == 0
    assert len(await lot_events(kit, created["lot_number"])) == 1


def _step(lot: str, work_order: str, **extra: Any) -> dict[str, Any]:
    return {
        "lot_number": lot,
        "product_model": "WF",
        "process_id": "PROC-001",
        "process_name": "레이저 마킹",
        "sequence_number": 1,
        "worker_id": "W001",
        "work_order_id": work_order,
        "start_time": "2025-10-04T09:00:00+09:00",
        **extra,
    }


def _completed(lot: str, work_order: str, started_at: str, result: str = "PASS") -> dict:
    return _step(
        lot,
        work_order,
        started_at=started_at,
        reported_start_time="2025-10-04T09:00:00+09:00",
        complete_time="2025-10-04T09:20:00+09:00",
        result=result,
        process_data={},
        defects=[],
        measurements=[],
        component_lots=[],
        is_last_process=False,
        recorded_at="2025-10-04T09:20:01+09:00",
    )


async def step_row(kit: LotKit, lot: str) -> dict[str, Any]:
    [row] = await kit.fetch(
        "SELECT status, work_order_id, result FROM lot.lot_processes WHERE lot_number = $1", lot
    )
    return dict(row)


async def test_process_events_lock_the_lot_and_only_move_forward(kit: LotKit) -> None:
    lot = (await kit.create(now=noon(4)))["lot_number"]
    late_start = _step(lot, "WO-1", recorded_at="2025-10-04T09:00:01+09:00")
    # The completion overtakes its start: the step is COMPLETED, the LOT IN_PROGRESS.
    await kit.emit(
        ev.PROCESS_COMPLETED, _completed(lot, "WO-1", "2025-10-04T09:00:01+09:00", "FAIL")
    )
    await kit.emit(ev.PROCESS_STARTED, late_start)
    assert await step_row(kit, lot) == {
        "status": "COMPLETED",
        "work_order_id": "WO-1",
        "result": "FAIL",
    }
    [lot_row] = await kit.fetch("SELECT status FROM lot.lots WHERE lot_number = $1", lot)
    assert lot_row["status"] == "IN_PROGRESS"
    changes = [e for e in await lot_events(kit, lot) if e["type"] == ev.LOT_STATUS_CHANGED]
    assert [(c["data"]["from_status"], c["data"]["to_status"]) for c in changes] == [
        ("CREATED", "IN_PROGRESS")
    ]
    # Rework: a later attempt (another work order, accepted later) replaces the row.
    await kit.emit(ev.PROCESS_STARTED, _step(lot, "WO-2", recorded_at="2025-10-04T09:30:00+09:00"))
    assert await step_row(kit, lot) == {
        "status": "IN_PROGRESS",
        "work_order_id": "WO-2",
        "result": None,
    }
    # The first attempt's completion arriving again does not move it back.
    await kit.emit(ev.PROCESS_COMPLETED, _completed(lot, "WO-1", "2025-10-04T09:00:01+09:00"))
    assert (await step_row(kit, lot))["work_order_id"] == "WO-2"
    await kit.emit(ev.PROCESS_COMPLETED, _completed(lot, "WO-2", "2025-10-04T09:30:00+09:00"))
    assert await step_row(kit, lot) == {
        "status": "COMPLETED",
        "work_order_id": "WO-2",
        "result": "PASS",
    }
    history = await kit.fetch(
        "SELECT from_status, to_status FROM lot.lot_status_history WHERE lot_number = $1 "
        "ORDER BY id",
        lot,
    )
    assert [tuple(h) for h in history] == [(None, "CREATED"), ("CREATED", "IN_PROGRESS")]


async def test_process_event_for_an_unknown_lot_writes_nothing(kit: LotKit) -> None:
    with pytest.raises(LookupError):
        await kit.emit(
            ev.PROCESS_STARTED,
            _step("WF-KR-251004D-999", "WO-X", recorded_at="2025-10-04T09:00:01+09:00"),
        )
    assert await kit.fetch("SELECT 1 FROM lot.lot_processes WHERE work_order_id = 'WO-X'") == []


async def test_serials_move_on_in_one_statement_failed_units_stay(kit: LotKit) -> None:
    lot = (await kit.create(now=noon(5), target_quantity=4))["lot_number"]
    label = {
        "process_id": "PROC-007",
        "process_name": "라벨 프린팅",
        "sequence_number": 7,
        "start_time": "2025-10-05T09:00:00+09:00",
    }
    await kit.emit(
        ev.PROCESS_STARTED, _step(lot, "WO-7", recorded_at="2025-10-05T09:00:01+09:00", **label)
    )
    async with kit.db.transaction() as session:
        await kit.service.change_serial_status(
            session, f"{lot}-0003", "FAILED", reason="dropped", actor=ACTOR, correlation_id=None
        )
    done = _completed(lot, "WO-7", "2025-10-05T09:00:01+09:00")
    await kit.emit(
        ev.PROCESS_COMPLETED, {**done, **label, "complete_time": "2025-10-05T09:20:00+09:00"}
    )
    serials = await kit.fetch(
        "SELECT serial_number, status FROM lot.serials WHERE lot_number = $1 ORDER BY sequence",
        lot,
    )
    assert [s["status"] for s in serials] == ["IN_PROGRESS", "IN_PROGRESS", "FAILED", "IN_PROGRESS"]
    moved = [
        e
        for e in await lot_events(kit, lot)
        if e["type"] == ev.SERIALS_STATUS_CHANGED and e["data"]["process_id"] == "PROC-007"
    ]
    assert [len(m["data"]["serials"]) for m in moved] == [3]
    assert [s["serial_number"][-4:] for s in moved[0]["data"]["serials"]] == [
        "0001",
        "0002",
        "0004",
    ]
    assert {s["from_status"] for s in moved[0]["data"]["serials"]} == {"CREATED"}
