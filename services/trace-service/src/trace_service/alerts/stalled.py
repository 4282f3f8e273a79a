"""The steps the stalled-LOT rule looks at (ADR 0024): every LOT step in progress whose
routing states a takt, with its last activity. Open records come from the partial index
`ix_trace_records_open` (complete_time IS NULL), the LOT's newest event from
`ix_event_log_subject_time`; neither scan grows with the history."""

from __future__ import annotations

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Select

from ..models import event_log, lots, routing
from ..models import process_records as pr
from .rules import OpenStep

OPEN_LOT_STATUSES = ("CREATED", "IN_PROGRESS")


def open_steps_query() -> Select:
    later = pr.alias("later")
    started = func.coalesce(pr.c.started_at, pr.c.start_time)
    # Another attempt of the same step started after this one: this one is not the step's.
    superseded = exists().where(
        later.c.lot_number == pr.c.lot_number,
        later.c.process_id == pr.c.process_id,
        later.c.work_order_id != pr.c.work_order_id,
        func.coalesce(later.c.started_at, later.c.start_time) > started,
    )
    newest_event = (
        select(func.max(event_log.c.time))
        .where(event_log.c.subject == pr.c.lot_number)
        .scalar_subquery()
    )
    return (
        select(
            pr.c.lot_number,
            pr.c.process_id,
            pr.c.process_name,
            pr.c.work_order_id,
            routing.c.takt_seconds,
            func.greatest(started, newest_event).label("last_activity"),
        )
        .select_from(
            pr.join(
                routing,
                and_(
                    routing.c.product_model == pr.c.product_model,
                    routing.c.process_id == pr.c.process_id,
                ),
            ).join(lots, lots.c.lot_number == pr.c.lot_number)
        )
        .where(
            pr.c.complete_time.is_(None),
            routing.c.takt_seconds.is_not(None),
            lots.c.status.in_(OPEN_LOT_STATUSES),
            ~superseded,
        )
    )


async def open_steps(session: AsyncConnection) -> list[OpenStep]:
    rows = (await session.execute(open_steps_query())).all()
    return [
        OpenStep(
            lot_number=r.lot_number,
            process_id=r.process_id,
            process_name=r.process_name,
            work_order_id=r.work_order_id,
            takt_seconds=r.takt_seconds,
            last_activity=r.last_activity,
        )
        for r in rows
        if r.last_activity is not None
    ]
