"""The hold the LOT list shows (ADR 0023), from lot.held, ncr.closed and lot.released on a
real PostgreSQL: the same hold whatever order the events arrive in, and again on repeats."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lot_service import repository as repo
from mes_contracts import events as ev

from .conftest import LotKit

T0 = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)


def held(lot: str, ncr: str, at: datetime, process_id: str = "PROC-003") -> tuple[str, dict]:
    return ev.LOT_HELD, {
        "ncr_number": ncr,
        "lot_number": lot,
        "process_id": process_id,
        "product_model": "WF",
        "process_name": "센서 검사",
        "work_order_id": f"WO-{ncr}",
        "failed_checks": [],
        "held_at": at,
        "held_by": "w001",
    }


def closed(
    lot: str, ncr: str, at: datetime, disposition: str, rework_from: str | None = None
) -> tuple[str, dict]:
    return ev.NCR_CLOSED, {
        "ncr_number": ncr,
        "lot_number": lot,
        "process_id": "PROC-003",
        "disposition": disposition,
        "reason": "sensor reseated",
        "rework_from": rework_from,
        "target_quantity": 10,
        "closed_at": at,
        "closed_by": "quality",
    }


def released(lot: str, ncr: str, at: datetime, cause: str) -> tuple[str, dict]:
    return ev.LOT_RELEASED, {
        "ncr_number": ncr,
        "lot_number": lot,
        "process_id": "PROC-003",
        "cause": cause,
        "released_at": at,
        "released_by": "quality",
    }


async def hold_of(kit: LotKit, lot: str) -> dict[str, Any]:
    [row] = await kit.fetch(
        "SELECT hold_ncr, hold_process_id, hold_phase, rework_from FROM lot.lots"
        " WHERE lot_number = $1",
        lot,
    )
    return dict(row)


NOT_HELD = {"hold_ncr": None, "hold_process_id": None, "hold_phase": None, "rework_from": None}


_NCRS = itertools.count(100)


def story(lot: str) -> list[tuple[list[tuple[str, dict]], dict[str, Any]]]:
    """Event sets and the hold each leaves, whatever their order (NCR numbers of its own)."""
    a, b = (f"NCR-261204-{next(_NCRS)}" for _ in range(2))
    t = [T0 + timedelta(minutes=m) for m in range(6)]
    return [
        (
            [held(lot, a, t[0])],
            {**NOT_HELD, "hold_ncr": a, "hold_process_id": "PROC-003", "hold_phase": "OPEN"},
        ),
        (
            [held(lot, a, t[0]), closed(lot, a, t[1], "REWORK", "PROC-002")],
            {
                "hold_ncr": a,
                "hold_process_id": "PROC-003",
                "hold_phase": "REWORK",
                "rework_from": "PROC-002",
            },
        ),
        (
            [
                held(lot, a, t[0]),
                closed(lot, a, t[1], "REWORK", "PROC-003"),
                held(lot, b, t[2]),  # the rework failed: the hold moves to the new NCR
            ],
            {**NOT_HELD, "hold_ncr": b, "hold_process_id": "PROC-003", "hold_phase": "OPEN"},
        ),
        (
            [
                held(lot, a, t[0]),
                closed(lot, a, t[1], "REWORK", "PROC-003"),
                released(lot, a, t[2], "REWORK_PASSED"),
            ],
            NOT_HELD,
        ),
        ([held(lot, a, t[0]), closed(lot, a, t[1], "USE_AS_IS")], NOT_HELD),
        (
            [
                held(lot, a, t[0]),
                closed(lot, a, t[1], "USE_AS_IS"),
                released(lot, a, t[2], "USE_AS_IS"),
                held(lot, b, t[3]),
            ],
            {**NOT_HELD, "hold_ncr": b, "hold_process_id": "PROC-003", "hold_phase": "OPEN"},
        ),
    ]


@pytest.mark.parametrize("case", range(6))
async def test_every_order_of_the_hold_events_leaves_the_same_hold(kit: LotKit, case: int) -> None:
    orders = list(itertools.permutations(range(len(story("probe")[case][0]))))
    for order in orders:  # a LOT (and NCR numbers) of its own per order
        lot = (await kit.create())["lot_number"]
        events, expected = story(lot)[case]
        for i in [*order, *order]:  # and every event delivered twice
            await kit.emit(*events[i])
        assert await hold_of(kit, lot) == expected, order


async def test_the_list_filters_on_hold(kit: LotKit) -> None:
    held_lot = (await kit.create())["lot_number"]
    free_lot = (await kit.create())["lot_number"]
    await kit.emit(*held(held_lot, "NCR-261204-009", T0))
    async with kit.db.transaction() as session:
        on, _ = await repo.list_lots(
            session,
            status=None,
            product_model=None,
            production_date=None,
            shift=None,
            limit=500,
            offset=0,
            on_hold=True,
        )
        off, _ = await repo.list_lots(
            session,
            status=None,
            product_model=None,
            production_date=None,
            shift=None,
            limit=500,
            offset=0,
            on_hold=False,
        )
    assert held_lot in {r["lot_number"] for r in on}
    assert free_lot not in {r["lot_number"] for r in on}
    assert free_lot in {r["lot_number"] for r in off} and held_lot not in {
        r["lot_number"] for r in off
    }


async def test_a_hold_event_before_its_lot_is_retried(kit: LotKit) -> None:
    with pytest.raises(LookupError):
        await kit.emit(*held("WF-KR-261204D-999", "NCR-261204-010", T0))
