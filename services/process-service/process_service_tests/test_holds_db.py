"""Holds and NCRs on real PostgreSQL (ADR 0023): numbers under concurrency, the hold in
the LOT's row, a step whose routing data says not to hold, the round trips of a held LOT."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from mes_cli.pytest_plugin import round_trips
from mes_contracts import events as ev
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.identifiers import format_ncr_number

from .conftest import KST, ProcessKit

FAIL_001 = {"lot_number_engraved": "x", "marking_result": "FAIL"}


async def failed_lot(kit: ProcessKit) -> tuple[str, dict]:
    lot = await kit.new_lot()
    await kit.start(lot, "PROC-001")
    done = await kit.complete(
        lot, "PROC-001", process_data={**FAIL_001, "lot_number_engraved": lot}
    )
    return lot, done


async def test_concurrent_failures_take_consecutive_ncr_numbers(kit: ProcessKit) -> None:
    lots = [await kit.new_lot() for _ in range(8)]
    for lot in lots:
        await kit.start(lot, "PROC-001")
    done = await asyncio.gather(
        *(
            kit.complete(lot, "PROC-001", process_data={**FAIL_001, "lot_number_engraved": lot})
            for lot in lots
        )
    )
    numbers = sorted(d["ncr_number"] for d in done)
    first = int(numbers[0].rsplit("-", 1)[1])
    day = datetime.now(KST).date()
    assert numbers == [format_ncr_number(day, first + i) for i in range(8)]
    rows = await kit.fetch(
        "SELECT ncr_number, lot_number, status FROM process.ncrs WHERE lot_number = ANY($1)", lots
    )
    assert {(r["lot_number"], r["status"]) for r in rows} == {(lot, "OPEN") for lot in lots}


async def test_a_reposted_failing_file_names_its_ncr(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    await kit.start(lot, "PROC-001")
    at = datetime.now(KST).replace(microsecond=0).isoformat()
    body = {
        "process_data": {**FAIL_001, "lot_number_engraved": lot},
        "start_time": at,
        "complete_time": at,
    }
    first = await kit.complete(lot, "PROC-001", **body)
    again = await kit.complete(lot, "PROC-001", **body)
    assert again["already_recorded"] and again["ncr_number"] == first["ncr_number"]


async def test_the_hold_lives_in_the_lot_row_and_a_refused_start_writes_nothing(
    kit: ProcessKit,
) -> None:
    lot, done = await failed_lot(kit)
    [row] = await kit.fetch(
        "SELECT hold_ncr, hold_process_id, hold_phase FROM process.lots WHERE lot_number = $1",
        lot,
    )
    assert tuple(row) == (done["ncr_number"], "PROC-001", "OPEN")
    with pytest.raises(MesError) as refused:
        await kit.start(lot, "PROC-002")
    assert refused.value.code is ErrorCode.LOT_ON_HOLD
    assert refused.value.data["failed_checks"][0]["check"] == "marking_result"
    records = await kit.fetch("SELECT 1 FROM process.process_records WHERE lot_number = $1", lot)
    assert len(records) == 1
    closed = await kit.dispose(done["ncr_number"])
    assert closed["status"] == "CLOSED"
    [row] = await kit.fetch(
        "SELECT hold_phase, rework_from, rework_base FROM process.lots WHERE lot_number = $1", lot
    )
    assert tuple(row) == ("REWORK", "PROC-001", 1)
    await kit.start(lot, "PROC-001")
    await kit.complete(lot, "PROC-001")
    [row] = await kit.fetch("SELECT hold_ncr FROM process.lots WHERE lot_number = $1", lot)
    assert row["hold_ncr"] is None
    await kit.start(lot, "PROC-002")


async def test_a_step_that_does_not_hold_lets_its_fail_go_on(kit: ProcessKit) -> None:
    await kit.fetch(
        "UPDATE process.routing_steps SET hold_on_fail = false WHERE process_id = 'PROC-001'"
    )
    kit.service.routing.invalidate()
    try:
        lot, done = await failed_lot(kit)
        assert done["result"] == "FAIL" and "ncr_number" not in done
        await kit.start(lot, "PROC-002")
    finally:
        await kit.fetch(
            "UPDATE process.routing_steps SET hold_on_fail = true WHERE process_id = 'PROC-001'"
        )
        kit.service.routing.invalidate()


async def test_a_held_lot_is_refused_in_the_same_round_trips(kit: ProcessKit) -> None:
    lot, _ = await failed_lot(kit)
    with pytest.raises(MesError):
        await kit.start(lot, "PROC-002")  # warm
    with round_trips(kit.db.engine) as trips, pytest.raises(MesError):
        await kit.start(lot, "PROC-002")
    # BEGIN, the read (the hold and its NCR's failed checks come with the LOT), ROLLBACK.
    assert trips.count <= 3


# -- spc.violation_found (ADR 0023 amendment) ----------------------------------------------
def spc_violation(lot: str, work_order_id: str, process_id: str = "PROC-001") -> dict:
    at = datetime.now(KST).isoformat()
    point = {"lot_number": lot, "work_order_id": work_order_id, "value": 13.7, "measured_at": at}
    return {
        "lot_number": lot,
        "work_order_id": work_order_id,
        "process_id": process_id,
        "detected_at": at,
        "violations": [
            {
                "check": "test_results[T38_P170]",
                "rule": "1",
                "description": "1 point beyond 3σ",
                "value": 13.7,
                "limits_version": 2,
                "center": 12.8,
                "ucl": 13.4,
                "lcl": 12.2,
                "lower_limit": 11.8,
                "upper_limit": 13.8,
                "unit": "kgf",
                "points": [point],
            }
        ],
    }


async def _hold(kit: ProcessKit, lot: str) -> tuple:
    [row] = await kit.fetch(
        "SELECT hold_ncr, hold_process_id, hold_phase FROM process.lots WHERE lot_number = $1",
        lot,
    )
    return tuple(row)


async def test_an_spc_violation_holds_the_lot_once(kit: ProcessKit) -> None:
    lot = await kit.new_lot()
    await kit.start(lot, "PROC-001")
    done = await kit.complete(lot, "PROC-001")
    assert done["result"] == "PASS"
    event = spc_violation(lot, done["work_order_id"])
    await kit.emit(ev.SPC_VIOLATION_FOUND, event)
    await kit.emit(ev.SPC_VIOLATION_FOUND, event)  # redelivered: the same NCR
    [ncr] = await kit.fetch(
        "SELECT ncr_number, process_id, work_order_id, failed_checks::text AS checks, opened_by "
        "FROM process.ncrs WHERE lot_number = $1",
        lot,
    )
    assert (ncr["process_id"], ncr["work_order_id"]) == ("PROC-001", done["work_order_id"])
    assert ncr["opened_by"] == "trace-service"
    assert "SPC rule 1: 1 point beyond 3σ (limits v2" in ncr["checks"]
    assert await _hold(kit, lot) == (ncr["ncr_number"], "PROC-001", "OPEN")
    with pytest.raises(MesError) as refused:
        await kit.start(lot, "PROC-002")
    assert refused.value.code is ErrorCode.LOT_ON_HOLD
    [check] = refused.value.data["failed_checks"]
    assert check["check"] == "test_results[T38_P170]" and check["measured"] == 13.7
    await kit.dispose(ncr["ncr_number"], "USE_AS_IS", reason="within spec")
    assert await _hold(kit, lot) == (None, None, None)
    await kit.start(lot, "PROC-002")


async def test_an_spc_violation_adds_no_ncr_to_a_fail_or_an_open_hold(kit: ProcessKit) -> None:
    lot, done = await failed_lot(kit)  # the FAIL's own NCR, OPEN
    await kit.emit(ev.SPC_VIOLATION_FOUND, spc_violation(lot, done["work_order_id"]))
    # A violation of another attempt while the NCR is OPEN: the disposition decides anyway.
    await kit.emit(ev.SPC_VIOLATION_FOUND, spc_violation(lot, "WO-OTHER"))
    rows = await kit.fetch("SELECT ncr_number FROM process.ncrs WHERE lot_number = $1", lot)
    assert [r["ncr_number"] for r in rows] == [done["ncr_number"]]
    assert await _hold(kit, lot) == (done["ncr_number"], "PROC-001", "OPEN")


async def test_an_spc_violation_leaves_a_closed_lot(kit: ProcessKit) -> None:
    lot = await kit.new_lot(status="CLOSED")
    await kit.emit(ev.SPC_VIOLATION_FOUND, spc_violation(lot, "WO-CLOSED"))
    assert await kit.fetch("SELECT 1 FROM process.ncrs WHERE lot_number = $1", lot) == []
    assert await _hold(kit, lot) == (None, None, None)
