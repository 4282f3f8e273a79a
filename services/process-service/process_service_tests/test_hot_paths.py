"""Start and completion on raw asyncpg (ADR 0014) against real PostgreSQL: work-order
numbers from a sequence, the LOT lock against concurrent starts and completions, events
in the same statement as the record, the routing cache."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from mes_contracts import events as ev
from mes_contracts.errors import ErrorCode, MesError

from .conftest import ProcessKit

WORK_ORDER = re.compile(r"^WO-\d{8}-\d{3,}$")


async def outbox_events(kit: ProcessKit, lot: str) -> list[dict[str, Any]]:
    rows = await kit.fetch("SELECT payload FROM process.outbox ORDER BY seq")
    events = [json.loads(r["payload"]) for r in rows]
    return [e for e in events if e.get("subject") == lot]


async def gather_outcomes(calls: list[Any]) -> list[Any]:
    """Results, or the error code of a refusal (anything else fails the test)."""
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, MesError):
            raise outcome
    return [o.code if isinstance(o, MesError) else o for o in outcomes]


async def test_concurrent_starts_get_distinct_work_order_ids(kit: ProcessKit) -> None:
    lots = [await kit.new_lot() for _ in range(24)]
    started = await asyncio.gather(*(kit.start(lot, "PROC-001") for lot in lots))
    ids = [s["work_order_id"] for s in started]
    assert len(set(ids)) == len(ids)
    assert all(WORK_ORDER.match(i) for i in ids), ids
    stored = await kit.fetch(
        "SELECT work_order_id FROM process.process_records WHERE lot_number = ANY($1)", lots
    )
    assert sorted(r["work_order_id"] for r in stored) == sorted(ids)


async def test_start_writes_record_and_event_together(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    data = await kit.start(lot, "PROC-001", station_id="ST-01")
    [record] = await kit.fetch("SELECT * FROM process.process_records WHERE lot_number = $1", lot)
    assert record["work_order_id"] == data["work_order_id"]
    assert record["attempt"] == 1 and record["started_by"] == "tester"
    assert record["start_time_raw"] == data["start_time"]
    [event] = await outbox_events(kit, lot)
    assert event["type"] == ev.PROCESS_STARTED
    assert event["data"]["work_order_id"] == data["work_order_id"]
    assert event["data"]["station_id"] == "ST-01"
    assert event["correlation_id"] == "c-1"


async def test_refused_start_writes_nothing(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    with pytest.raises(MesError) as refused:
        await kit.start(lot, "PROC-002")
    assert refused.value.code == ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED
    with pytest.raises(MesError) as refused:
        await kit.start(lot, "PROC-001", worker_id="W999")
    assert refused.value.code == ErrorCode.WORKER_NOT_FOUND
    with pytest.raises(MesError) as refused:
        await kit.start("WF-KR-251110D-999", "PROC-001")
    assert refused.value.code == ErrorCode.LOT_NOT_FOUND
    closed = await kit.new_lot(status="CLOSED")
    with pytest.raises(MesError) as refused:
        await kit.start(closed, "PROC-001")
    assert refused.value.code == ErrorCode.LOT_CLOSED
    assert (
        await kit.fetch(
            "SELECT 1 FROM process.process_records WHERE lot_number = ANY($1)", [lot, closed]
        )
        == []
    )
    assert await outbox_events(kit, lot) == []


async def test_concurrent_duplicate_starts_one_wins_the_rest_are_refused(
    kit: ProcessKit,
) -> None:
    """Each waits for the LOT lock with a snapshot from before the winner committed: the
    write notices and the start reads again, so the losers get DUPLICATE_START, not a
    unique-index error."""
    lot = await kit.new_lot()
    outcomes = await gather_outcomes([kit.start(lot, "PROC-001") for _ in range(12)])
    wins = [o for o in outcomes if isinstance(o, dict)]
    assert len(wins) == 1, outcomes
    assert {o for o in outcomes if not isinstance(o, dict)} == {ErrorCode.DUPLICATE_START}
    assert len(await outbox_events(kit, lot)) == 1


async def test_concurrent_completions_of_one_record(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    await kit.start(lot, "PROC-001")
    different = [
        kit.complete(lot, "PROC-001", worker_id="W001", process_data=data)
        for data in (
            {"lot_number_engraved": lot, "marking_result": "SUCCESS"},
            {"lot_number_engraved": lot, "marking_result": "FAIL"},
        )
    ]
    outcomes = await gather_outcomes(different)
    assert len([o for o in outcomes if isinstance(o, dict)]) == 1, outcomes
    assert ErrorCode.PROCESS_ALREADY_COMPLETED in outcomes

    lot = await kit.new_lot()
    await kit.start(lot, "PROC-001")
    same = await kit.complete(lot, "PROC-001")
    again = await asyncio.gather(*(kit.complete(lot, "PROC-001") for _ in range(5)))
    assert not same["already_recorded"]
    assert all(a["already_recorded"] for a in again)
    assert {a["work_order_id"] for a in again} == {same["work_order_id"]}
    completed = [e for e in await outbox_events(kit, lot) if e["type"] == ev.PROCESS_COMPLETED]
    assert len(completed) == 1


async def test_completion_is_stored_with_its_event(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    started = await kit.start(lot, "PROC-001")
    data = {"lot_number_engraved": lot, "marking_result": "FAIL", "note": '줄 "따옴표"'}
    done = await kit.complete(lot, "PROC-001", process_data=data)
    assert done["result"] == "FAIL" and done["defects"]
    [record] = await kit.fetch(
        "SELECT process_data::text AS data, defects::text AS defects, result, completed_by "
        "FROM process.process_records WHERE work_order_id = $1",
        started["work_order_id"],
    )
    assert json.loads(record["data"]) == data
    assert json.loads(record["defects"]) == done["defects"]
    assert record["completed_by"] == "tester"
    event, held, opened = (await outbox_events(kit, lot))[-3:]
    assert event["type"] == ev.PROCESS_COMPLETED
    assert event["data"]["work_order_id"] == started["work_order_id"]
    assert event["data"]["process_data"] == data
    # The FAIL held the LOT and opened an NCR, in the completion's transaction (ADR 0023).
    assert (held["type"], opened["type"]) == (ev.LOT_HELD, ev.NCR_OPENED)
    assert held["data"]["ncr_number"] == opened["data"]["ncr_number"] == done["ncr_number"]
    await kit.dispose(done["ncr_number"])

    # A FAIL completes the step; starting it again is rework: a new work order, attempt 2.
    rework = await gather_outcomes([kit.start(lot, "PROC-001") for _ in range(3)])
    [second] = [o for o in rework if isinstance(o, dict)]
    assert second["work_order_id"] != started["work_order_id"]
    attempts = await kit.fetch(
        "SELECT attempt FROM process.process_records WHERE lot_number = $1 ORDER BY attempt", lot
    )
    assert [a["attempt"] for a in attempts] == [1, 2]


async def test_completion_refusals(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    with pytest.raises(MesError) as refused:
        await kit.complete(lot, "PROC-001")
    assert refused.value.code == ErrorCode.PROCESS_NOT_STARTED
    with pytest.raises(MesError) as refused:
        await kit.complete("WF-KR-251110D-998", "PROC-001")
    assert refused.value.code == ErrorCode.LOT_NOT_FOUND


async def test_firmware_step_hands_out_the_released_firmware(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    for process_id in ("PROC-001", "PROC-002", "PROC-003"):
        await kit.start(lot, process_id)
        await kit.complete(lot, process_id)
    with pytest.raises(MesError) as refused:
        await kit.start(lot, "PROC-004")
    assert refused.value.code == ErrorCode.NO_RELEASED_FIRMWARE
    await kit.emit(
        ev.FIRMWARE_RELEASED,
        {
            "version": "v1.2.3",
            "filename": "firmware_v1.2.3.bin",
            "file_size": 1024,
            "md5_hash": "0" * 32,
            "sha256": "0" * 64,
            "target_mcu": "STM32F103",
            "released_at": "2025-11-10T09:00:00+09:00",
            "released_by": "admin",
        },
    )
    started = await kit.start(lot, "PROC-004")
    assert started["firmware_info"] == {
        "version": "v1.2.3",
        "filename": "firmware_v1.2.3.bin",
        "file_size": 1024,
        "md5_hash": "0" * 32,
        "download_url": "/api/v1/firmware/download/v1.2.3",
    }


async def test_routing_is_cached_and_forgotten_on_routing_updated(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    await kit.start(lot, "PROC-001")  # the routing is in memory now
    async with kit.db.transaction() as session:
        from servicekit.db import raw

        await (await raw(session)).execute(
            "UPDATE process.routing_steps SET name_ko = '레이저 각인' WHERE process_id = 'PROC-001'"
        )
    try:
        other = await kit.new_lot()
        with pytest.raises(MesError) as refused:  # still the cached name
            await kit.start(other, "PROC-001", process_name="레이저 각인")
        assert refused.value.code == ErrorCode.PROCESS_NAME_MISMATCH
        await kit.emit(
            ev.ROUTING_UPDATED,
            {
                "product_model": "WF",
                "steps": [
                    {
                        "process_id": "PROC-001",
                        "sequence": 1,
                        "name_ko": "레이저 각인",
                        "name_en": "Laser Marking",
                    }
                ],
                "updated_at": "2025-11-10T09:00:00+09:00",
            },
        )
        started = await kit.start(other, "PROC-001", process_name="레이저 각인")
        assert started["process_name"] == "레이저 각인"
    finally:
        async with kit.db.transaction() as session:
            await (await raw(session)).execute(
                "UPDATE process.routing_steps SET name_ko = '레이저 마킹' "
                "WHERE process_id = 'PROC-001'"
            )
        kit.service.routing.invalidate()


async def test_routing_cache_expires(kit: ProcessKit) -> None:
    kit.service.routing.ttl = 0.0
    try:
        async with kit.db.transaction() as session:
            first = await kit.service.routing.steps(session, "WF")
            again = await kit.service.routing.steps(session, "WF")
            assert first == again and first is not again  # read again, not remembered
            assert await kit.service.routing.steps(session, "XX") == []
    finally:
        kit.service.routing.ttl = 60.0
