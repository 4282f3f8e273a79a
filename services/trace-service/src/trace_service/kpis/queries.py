"""The SQL behind the KPIs (ADR 0027). Every query is bounded by the period through an
index: process records by their local start/complete day, LOT transitions by
(to_status, changed_at), defects by occurred_at, open LOTs by their partial index."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from mes_contracts import routing_progress as rp
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import (
    defects,
    lot_status_history,
    lots,
    ncrs,
    process_records,
    routing,
    serials,
)
from .rules import Attempt

OPEN_STATUSES = ("CREATED", "IN_PROGRESS")
pr = process_records


def local_days(start: datetime, end: datetime, tz: Any) -> tuple[date, date]:
    """The first and last factory-local dates [start, end) touches (the records' day
    columns, which the indexes cover)."""
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return start.astimezone(tz).date(), last


async def steps(session: AsyncConnection, product_model: str = "WF") -> list[Any]:
    return (
        await session.execute(
            select(routing)
            .where(routing.c.product_model == product_model)
            .order_by(routing.c.sequence)
        )
    ).all()


async def planned(session: AsyncConnection, day: date, shift: str | None) -> tuple[int, int]:
    """(LOTs, units) of the production day."""
    cond = [lots.c.production_date == day]
    if shift:
        cond.append(lots.c.shift == shift)
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(lots.c.target_quantity), 0)).where(*cond)
        )
    ).one()
    return row[0], row[1]


async def started(
    session: AsyncConnection, start: datetime, end: datetime, tz: Any
) -> tuple[int, int]:
    """(LOTs, units) whose first step's first attempt started in [start, end)."""
    first = (
        select(pr.c.lot_number, func.min(pr.c.start_time).label("at"))
        .where(pr.c.start_day.between(*local_days(start, end, tz)), pr.c.sequence_number == 1)
        .group_by(pr.c.lot_number)
        .subquery()
    )
    earlier = (
        select(pr.c.lot_number)
        .where(
            pr.c.lot_number == first.c.lot_number,
            pr.c.sequence_number == 1,
            pr.c.start_time < start,
        )
        .exists()
    )
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(lots.c.target_quantity), 0))
            .select_from(first.outerjoin(lots, lots.c.lot_number == first.c.lot_number))
            .where(first.c.at >= start, first.c.at < end, ~earlier)
        )
    ).one()
    return row[0], row[1]


async def transitions(
    session: AsyncConnection, to_status: str, start: datetime, end: datetime
) -> list[Any]:
    """LOTs that moved to `to_status` in [start, end) (the first time), with their units."""
    h = lot_status_history
    first = (
        select(h.c.lot_number, func.min(h.c.changed_at).label("at"))
        .where(h.c.to_status == to_status, h.c.changed_at >= start, h.c.changed_at < end)
        .group_by(h.c.lot_number)
        .subquery()
    )
    return (
        await session.execute(
            select(first.c.lot_number, first.c.at, lots.c.target_quantity).select_from(
                first.outerjoin(lots, lots.c.lot_number == first.c.lot_number)
            )
        )
    ).all()


# A SCRAP disposition names a count (before the LOT's serials exist) or the serials.
_SCRAPPED_UNITS = func.coalesce(ncrs.c.scrap_count, 0) + func.coalesce(
    func.jsonb_array_length(ncrs.c.scrap_serials), 0
)


async def scrapped_by_lot(session: AsyncConnection, lot_numbers: Sequence[str]) -> dict[str, int]:
    if not lot_numbers:
        return {}
    rows = await session.execute(
        select(ncrs.c.lot_number, func.coalesce(func.sum(_SCRAPPED_UNITS), 0))
        .where(ncrs.c.lot_number.in_(lot_numbers), ncrs.c.disposition == "SCRAP")
        .group_by(ncrs.c.lot_number)
    )
    return {r[0]: int(r[1]) for r in rows}


async def scrapped_in(session: AsyncConnection, start: datetime, end: datetime) -> int:
    stmt = select(func.coalesce(func.sum(_SCRAPPED_UNITS), 0)).where(
        ncrs.c.disposition == "SCRAP", ncrs.c.closed_at >= start, ncrs.c.closed_at < end
    )
    return int((await session.execute(stmt)).scalar_one())


async def passed_serials(session: AsyncConnection, lot_numbers: Sequence[str]) -> int:
    if not lot_numbers:
        return 0
    stmt = select(func.count()).where(
        serials.c.lot_number.in_(lot_numbers), serials.c.status == "PASSED"
    )
    return (await session.execute(stmt)).scalar_one()


async def open_lot_count(session: AsyncConnection) -> int:
    stmt = select(func.count()).select_from(lots).where(lots.c.status.in_(OPEN_STATUSES))
    return (await session.execute(stmt)).scalar_one()


async def attempts_judged_in(
    session: AsyncConnection, start: datetime, end: datetime, tz: Any
) -> list[Attempt]:
    """Every attempt of the (LOT, process) pairs with a completion in [start, end): the
    rules keep those whose first attempt completed in the period."""
    pairs = (
        select(pr.c.lot_number, pr.c.process_id)
        .where(
            pr.c.complete_day.between(*local_days(start, end, tz)),
            pr.c.complete_time >= start,
            pr.c.complete_time < end,
        )
        .distinct()
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                pr.c.lot_number,
                pr.c.process_id,
                pr.c.started_at,
                pr.c.start_time,
                pr.c.complete_time,
                pr.c.result,
                pr.c.product_model,
                lots.c.target_quantity,
            ).select_from(
                pr.join(
                    pairs,
                    and_(
                        pairs.c.lot_number == pr.c.lot_number,
                        pairs.c.process_id == pr.c.process_id,
                    ),
                ).outerjoin(lots, lots.c.lot_number == pr.c.lot_number)
            )
        )
    ).all()
    return [
        Attempt(
            r.lot_number,
            r.process_id,
            r.started_at or r.start_time,
            r.complete_time,
            r.result,
            r.target_quantity or 0,
            r.product_model,
        )
        for r in rows
    ]


async def open_lots_with_records(session: AsyncConnection) -> tuple[list[Any], dict[str, list]]:
    """Every open LOT and its process records in the order they were started."""
    open_rows = (
        await session.execute(
            select(lots.c.lot_number, lots.c.target_quantity, lots.c.created_at).where(
                lots.c.status.in_(OPEN_STATUSES)
            )
        )
    ).all()
    if not open_rows:
        return [], {}
    numbers = [r.lot_number for r in open_rows]
    rows = (
        await session.execute(
            select(
                pr.c.lot_number,
                pr.c.process_id,
                pr.c.start_time,
                pr.c.complete_time,
                pr.c.result,
            )
            .where(pr.c.lot_number.in_(numbers))
            .order_by(pr.c.lot_number, pr.c.sequence_number, pr.c.started_at, pr.c.start_time)
        )
    ).all()
    by_lot: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_lot[r.lot_number].append(r)
    return open_rows, by_lot


def step_records(records: Sequence[Any]) -> list[rp.StepRecord]:
    return [rp.StepRecord(r.process_id, r.complete_time is not None, r.result) for r in records]


async def defect_counts(
    session: AsyncConnection, start: datetime, end: datetime, by: str
) -> list[Any]:
    keys = (
        (defects.c.process_id, defects.c.check_name) if by == "cause" else (defects.c.process_id,)
    )
    return (
        await session.execute(
            select(*keys, func.count().label("count"))
            .where(defects.c.occurred_at >= start, defects.c.occurred_at < end)
            .group_by(*keys)
        )
    ).all()
