"""All SQL of process-service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import Record, Step
from .models import (
    current_firmware,
    lots,
    process_records,
    routing_steps,
    work_order_counters,
    workers,
)


async def routing(session: AsyncConnection, product_model: str) -> list[Step]:
    rows = await session.execute(
        select(routing_steps)
        .where(routing_steps.c.product_model == product_model)
        .order_by(routing_steps.c.sequence)
    )
    return [Step(r.process_id, r.sequence, r.name_ko, r.name_en, r.requires_firmware) for r in rows]


async def all_routings(session: AsyncConnection) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(routing_steps).order_by(routing_steps.c.product_model, routing_steps.c.sequence)
    )
    return [dict(r._mapping) for r in rows]


async def all_routings_of(session: AsyncConnection, product_model: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(
            routing_steps.c.process_id,
            routing_steps.c.sequence,
            routing_steps.c.name_ko,
            routing_steps.c.name_en,
            routing_steps.c.level,
            routing_steps.c.requires_firmware,
        )
        .where(routing_steps.c.product_model == product_model)
        .order_by(routing_steps.c.sequence)
    )
    return [dict(r._mapping) for r in rows]


async def seed_routing(
    session: AsyncConnection, product_model: str, steps: list[dict[str, Any]]
) -> int:
    """Insert the steps that are missing; returns how many were inserted."""
    inserted = 0
    for step in steps:
        result = await session.execute(
            insert(routing_steps)
            .values(product_model=product_model, **step)
            .on_conflict_do_nothing()
            .returning(routing_steps.c.process_id)
        )
        inserted += len(result.all())
    return inserted


async def get_lot(
    session: AsyncConnection, lot_number: str, *, for_update: bool = False
) -> dict | None:
    stmt = select(lots).where(lots.c.lot_number == lot_number)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def upsert_lot(session: AsyncConnection, values: dict[str, Any]) -> None:
    stmt = insert(lots).values(**values)
    await session.execute(stmt.on_conflict_do_nothing())


async def set_lot_status(session: AsyncConnection, lot_number: str, status: str) -> None:
    await session.execute(update(lots).where(lots.c.lot_number == lot_number).values(status=status))


async def worker_active(session: AsyncConnection, worker_id: str) -> bool:
    row = (
        await session.execute(select(workers.c.active).where(workers.c.worker_id == worker_id))
    ).first()
    return bool(row and row.active)


async def upsert_worker(session: AsyncConnection, values: dict[str, Any]) -> None:
    stmt = insert(workers).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["worker_id"],
        set_={k: stmt.excluded[k] for k in values if k != "worker_id"},
        where=workers.c.updated_at <= stmt.excluded.updated_at,
    )
    await session.execute(stmt)


async def latest_records(session: AsyncConnection, lot_number: str) -> dict[str, Record]:
    rows = await session.execute(
        select(
            process_records.c.process_id,
            process_records.c.complete_time,
            process_records.c.result,
        )
        .where(process_records.c.lot_number == lot_number)
        .order_by(process_records.c.attempt)
    )
    latest: dict[str, Record] = {}
    for r in rows:
        latest[r.process_id] = Record(r.process_id, r.complete_time is not None, r.result)
    return latest


async def count_attempts(session: AsyncConnection, lot_number: str, process_id: str) -> int:
    rows = await session.execute(
        select(process_records.c.work_order_id).where(
            process_records.c.lot_number == lot_number, process_records.c.process_id == process_id
        )
    )
    return len(rows.all())


async def next_work_order_seq(session: AsyncConnection, day: date) -> int:
    stmt = (
        insert(work_order_counters)
        .values(day=day, last_seq=1)
        .on_conflict_do_update(
            index_elements=["day"], set_={"last_seq": work_order_counters.c.last_seq + 1}
        )
        .returning(work_order_counters.c.last_seq)
    )
    return (await session.execute(stmt)).scalar_one()


async def insert_record(session: AsyncConnection, values: dict[str, Any]) -> None:
    await session.execute(process_records.insert().values(**values))


async def records_for(
    session: AsyncConnection, lot_number: str, process_id: str
) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(process_records)
        .where(
            process_records.c.lot_number == lot_number, process_records.c.process_id == process_id
        )
        .order_by(process_records.c.attempt.desc())
    )
    return [dict(r._mapping) for r in rows]


async def lot_records(session: AsyncConnection, lot_number: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(process_records)
        .where(process_records.c.lot_number == lot_number)
        .order_by(process_records.c.sequence_number, process_records.c.attempt)
    )
    return [dict(r._mapping) for r in rows]


async def complete_record(
    session: AsyncConnection, work_order_id: str, values: dict[str, Any]
) -> None:
    await session.execute(
        update(process_records)
        .where(process_records.c.work_order_id == work_order_id)
        .values(**values)
    )


async def get_firmware(session: AsyncConnection) -> dict[str, Any] | None:
    row = (await session.execute(select(current_firmware))).first()
    return dict(row._mapping) if row else None


async def set_firmware(
    session: AsyncConnection, values: dict[str, Any], event_time: datetime
) -> None:
    stmt = insert(current_firmware).values(slot="released", event_time=event_time, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["slot"],
        set_={**{k: stmt.excluded[k] for k in values}, "event_time": stmt.excluded.event_time},
        where=current_firmware.c.event_time <= stmt.excluded.event_time,
    )
    await session.execute(stmt)
