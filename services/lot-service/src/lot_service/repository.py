"""All SQL of lot-service. Functions take the caller's session (one transaction)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import (
    lot_processes,
    lot_sequences,
    lot_status_history,
    lots,
    product_models,
    routing_steps,
    serials,
)


async def get_product_model(session: AsyncConnection, code: str) -> dict[str, Any] | None:
    row = (
        await session.execute(select(product_models).where(product_models.c.code == code))
    ).first()
    return dict(row._mapping) if row else None


async def list_product_models(session: AsyncConnection) -> list[dict[str, Any]]:
    rows = await session.execute(select(product_models).order_by(product_models.c.code))
    return [dict(r._mapping) for r in rows]


async def upsert_product_model(
    session: AsyncConnection, code: str, name: str, factory: str
) -> None:
    await session.execute(
        insert(product_models)
        .values(code=code, name=name, factory=factory)
        .on_conflict_do_nothing()
    )


async def next_lot_sequence(
    session: AsyncConnection, product_model: str, factory: str, production_date: date
) -> int:
    """Consecutive per production date: the row lock serializes concurrent creators and a
    rolled-back creation gives its number back, so there is no gap and no duplicate."""
    stmt = (
        insert(lot_sequences)
        .values(
            product_model=product_model,
            factory=factory,
            production_date=production_date,
            last_seq=1,
        )
        .on_conflict_do_update(
            index_elements=["product_model", "factory", "production_date"],
            set_={"last_seq": lot_sequences.c.last_seq + 1},
        )
        .returning(lot_sequences.c.last_seq)
    )
    return (await session.execute(stmt)).scalar_one()


async def resync_lot_sequence(
    session: AsyncConnection, product_model: str, factory: str, production_date: date
) -> int:
    """Set the date's counter past every existing LOT of that date; returns the next number."""
    highest = (
        select(func.coalesce(func.max(lots.c.sequence), 0))
        .where(
            lots.c.product_model == product_model,
            lots.c.factory == factory,
            lots.c.production_date == production_date,
        )
        .scalar_subquery()
    )
    stmt = (
        update(lot_sequences)
        .where(
            lot_sequences.c.product_model == product_model,
            lot_sequences.c.factory == factory,
            lot_sequences.c.production_date == production_date,
        )
        .values(last_seq=func.greatest(lot_sequences.c.last_seq, highest) + 1)
        .returning(lot_sequences.c.last_seq)
    )
    return (await session.execute(stmt)).scalar_one()


async def insert_lot(session: AsyncConnection, values: dict[str, Any]) -> bool:
    stmt = insert(lots).values(**values).on_conflict_do_nothing().returning(lots.c.lot_number)
    return (await session.execute(stmt)).first() is not None


async def add_status_history(
    session: AsyncConnection,
    lot_number: str,
    from_status: str | None,
    to_status: str,
    changed_at: datetime,
    changed_by: str,
    reason: str | None = None,
) -> None:
    await session.execute(
        lot_status_history.insert().values(
            lot_number=lot_number,
            from_status=from_status,
            to_status=to_status,
            changed_at=changed_at,
            changed_by=changed_by,
            reason=reason,
        )
    )


async def get_lot(
    session: AsyncConnection, lot_number: str, *, for_update: bool = False
) -> dict | None:
    stmt = select(lots).where(lots.c.lot_number == lot_number)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def set_lot_status(
    session: AsyncConnection, lot_number: str, status: str, at: datetime
) -> None:
    await session.execute(
        update(lots).where(lots.c.lot_number == lot_number).values(status=status, updated_at=at)
    )


async def list_lots(
    session: AsyncConnection,
    *,
    status: str | None,
    product_model: str | None,
    production_date: date | None,
    shift: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    conditions = []
    if status:
        conditions.append(lots.c.status == status)
    if product_model:
        conditions.append(lots.c.product_model == product_model)
    if production_date:
        conditions.append(lots.c.production_date == production_date)
    if shift:
        conditions.append(lots.c.shift == shift)
    where = and_(*conditions) if conditions else None
    query = select(lots)
    count = select(func.count()).select_from(lots)
    if where is not None:
        query = query.where(where)
        count = count.where(where)
    query = (
        query.order_by(lots.c.production_date.desc(), lots.c.sequence.desc())
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(r._mapping) for r in await session.execute(query)]
    return rows, (await session.execute(count)).scalar_one()


async def status_history(session: AsyncConnection, lot_number: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(lot_status_history)
        .where(lot_status_history.c.lot_number == lot_number)
        .order_by(lot_status_history.c.id)
    )
    return [dict(r._mapping) for r in rows]


async def lot_process_rows(session: AsyncConnection, lot_number: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(lot_processes)
        .where(lot_processes.c.lot_number == lot_number)
        .order_by(lot_processes.c.sequence_number)
    )
    return [dict(r._mapping) for r in rows]


def _later_attempt(excluded: Any) -> Any:
    """The event is about a later attempt of the step than the row holds: ordered by when
    the MES accepted each start (`started_at`), by the reported start for rows from
    before that was recorded."""
    row = lot_processes.c
    return case(
        (
            and_(row.started_at.is_not(None), excluded.started_at.is_not(None)),
            row.started_at < excluded.started_at,
        ),
        else_=row.start_time.is_(None) | (row.start_time < excluded.start_time),
    )


async def record_process_started(session: AsyncConnection, values: dict[str, Any]) -> None:
    """Upsert that never moves a completed step back to IN_PROGRESS (events may arrive late):
    only a later attempt (another work order) replaces the row."""
    stmt = insert(lot_processes).values(status="IN_PROGRESS", **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["lot_number", "process_id"],
        set_={
            "status": "IN_PROGRESS",
            "worker_id": stmt.excluded.worker_id,
            "start_time": stmt.excluded.start_time,
            "started_at": stmt.excluded.started_at,
            "complete_time": None,
            "result": None,
            "work_order_id": stmt.excluded.work_order_id,
        },
        where=lot_processes.c.work_order_id.is_distinct_from(stmt.excluded.work_order_id)
        & _later_attempt(stmt.excluded),
    )
    await session.execute(stmt)


async def record_process_completed(session: AsyncConnection, values: dict[str, Any]) -> None:
    """The completion of the row's work order always applies (it carries the recorded
    start, ADR 0008); one of another work order only if it is a later attempt."""
    stmt = insert(lot_processes).values(status="COMPLETED", **values)
    row = lot_processes.c
    stmt = stmt.on_conflict_do_update(
        index_elements=["lot_number", "process_id"],
        set_={
            "status": "COMPLETED",
            "worker_id": stmt.excluded.worker_id,
            "start_time": stmt.excluded.start_time,
            "started_at": func.coalesce(stmt.excluded.started_at, row.started_at),
            "complete_time": stmt.excluded.complete_time,
            "result": stmt.excluded.result,
            "work_order_id": stmt.excluded.work_order_id,
        },
        where=row.work_order_id.is_(None)
        | (row.work_order_id == stmt.excluded.work_order_id)
        | _later_attempt(stmt.excluded),
    )
    await session.execute(stmt)


async def count_serials(
    session: AsyncConnection, lot_number: str, *, regular_only: bool = False
) -> int:
    """The LOT's serials; `regular_only`: those allocated for its units, not replacements."""
    query = select(func.count()).select_from(serials).where(serials.c.lot_number == lot_number)
    if regular_only:
        query = query.where(serials.c.replacement_reason.is_(None))
    return (await session.execute(query)).scalar_one()


async def reserve_serial_seqs(session: AsyncConnection, lot_number: str, count: int) -> int:
    """Advance the LOT's serial counter; returns the first new sequence. Never reissued."""
    stmt = (
        update(lots)
        .where(lots.c.lot_number == lot_number)
        .values(last_serial_seq=lots.c.last_serial_seq + count)
        .returning(lots.c.last_serial_seq)
    )
    last = (await session.execute(stmt)).scalar_one()
    return last - count + 1


async def insert_serials(session: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(serials.insert(), rows)


async def list_serials(session: AsyncConnection, lot_number: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(serials).where(serials.c.lot_number == lot_number).order_by(serials.c.sequence)
    )
    return [dict(r._mapping) for r in rows]


async def get_serial(session: AsyncConnection, serial_number: str) -> dict[str, Any] | None:
    row = (
        await session.execute(select(serials).where(serials.c.serial_number == serial_number))
    ).first()
    return dict(row._mapping) if row else None


async def replace_routing(
    session: AsyncConnection, product_model: str, steps: list[dict[str, Any]]
) -> None:
    await session.execute(
        delete(routing_steps).where(routing_steps.c.product_model == product_model)
    )
    if steps:
        await session.execute(
            routing_steps.insert(),
            [
                {
                    "product_model": product_model,
                    "process_id": s["process_id"],
                    "sequence": s["sequence"],
                    "name_ko": s["name_ko"],
                    "name_en": s["name_en"],
                }
                for s in steps
            ],
        )


async def routing_of(session: AsyncConnection, product_model: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(routing_steps)
        .where(routing_steps.c.product_model == product_model)
        .order_by(routing_steps.c.sequence)
    )
    return [dict(r._mapping) for r in rows]


async def set_serial_statuses(
    session: AsyncConnection,
    lot_number: str,
    *,
    from_statuses: tuple[str, ...],
    to_status: str,
    at: datetime,
) -> list[dict[str, Any]]:
    """Move the LOT's serials in `from_statuses` to `to_status`; returns (serial, old status)."""
    old = (
        select(serials.c.serial_number, serials.c.status)
        .where(serials.c.lot_number == lot_number, serials.c.status.in_(from_statuses))
        .with_for_update()
    )
    before = {r.serial_number: r.status for r in await session.execute(old)}
    if not before:
        return []
    await session.execute(
        update(serials)
        .where(serials.c.serial_number.in_(list(before)))
        .values(status=to_status, updated_at=at)
    )
    return [{"serial_number": sn, "from_status": st} for sn, st in sorted(before.items())]


async def set_serial_status(
    session: AsyncConnection, serial_number: str, status: str, reason: str | None, at: datetime
) -> None:
    await session.execute(
        update(serials)
        .where(serials.c.serial_number == serial_number)
        .values(status=status, status_reason=reason, updated_at=at)
    )
