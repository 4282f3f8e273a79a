"""All SQL of process-service. Start and completion, the hot paths, are raw asyncpg
(`hot_*`, one read and one write each, ADR 0014); the rest is SQLAlchemy Core."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from servicekit.db import row_by_key
from servicekit.outbox import Outbox
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import Step
from .holds import Hold
from .models import (
    current_firmware,
    lots,
    ncrs,
    process_records,
    routing_steps,
    workers,
)


async def routing(session: AsyncConnection, product_model: str) -> list[Step]:
    rows = await session.execute(
        select(routing_steps)
        .where(routing_steps.c.product_model == product_model)
        .order_by(routing_steps.c.sequence)
    )
    return [
        Step(
            r.process_id,
            r.sequence,
            r.name_ko,
            r.name_en,
            r.requires_firmware,
            r.hold_on_fail,
            r.rework_limit,
        )
        for r in rows
    ]


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
            routing_steps.c.hold_on_fail,
            routing_steps.c.rework_limit,
            routing_steps.c.takt_seconds,
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
    return await row_by_key(session, lots, for_update=for_update, lot_number=lot_number)


async def upsert_lot(session: AsyncConnection, values: dict[str, Any]) -> None:
    stmt = insert(lots).values(**values)
    await session.execute(stmt.on_conflict_do_nothing())


async def set_lot_status(
    session: AsyncConnection, lot_number: str, status: str, changed_at: datetime
) -> None:
    """The LOT's status as of `changed_at`, unless a later change is already held. CLOSED
    is final (nothing leaves it): a change lot-service made before it applied our close,
    arriving after it, must not reopen the LOT to starts."""
    await session.execute(
        update(lots)
        .where(
            lots.c.lot_number == lot_number,
            lots.c.status != "CLOSED",
            or_(lots.c.status_changed_at.is_(None), lots.c.status_changed_at <= changed_at),
        )
        .values(status=status, status_changed_at=changed_at)
    )


async def open_steps(session: AsyncConnection, lot_number: str) -> list[str]:
    """The LOT's steps started and not completed, in routing order."""
    rows = await session.execute(
        select(process_records.c.process_id)
        .where(
            process_records.c.lot_number == lot_number,
            process_records.c.complete_time.is_(None),
        )
        .order_by(process_records.c.sequence_number, process_records.c.attempt)
    )
    return [r.process_id for r in rows]


async def upsert_worker(session: AsyncConnection, values: dict[str, Any]) -> None:
    stmt = insert(workers).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["worker_id"],
        set_={k: stmt.excluded[k] for k in values if k != "worker_id"},
        where=workers.c.updated_at <= stmt.excluded.updated_at,
    )
    await session.execute(stmt)


async def lot_records(session: AsyncConnection, lot_number: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(process_records)
        .where(process_records.c.lot_number == lot_number)
        .order_by(process_records.c.sequence_number, process_records.c.attempt)
    )
    return [dict(r._mapping) for r in rows]


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


# -- hot paths: raw asyncpg ---------------------------------------------------------------
#
# A read locks the LOT (every write of its records holds that lock) and returns what the
# use case checks. Its subqueries see the statement's snapshot, taken before the lock was
# granted: if another start or completion of the LOT committed while this one waited, the
# read is stale. So the write states what it read (the LOT's record count and completed
# count, both only ever grow) and writes nothing if that no longer holds, in its own, later
# snapshot; the use case then reads again, now under the lock it holds, and decides anew.


@dataclass(frozen=True)
class StartState:
    product_model: str
    status: str
    created_at: datetime
    worker_active: bool
    #: The LOT's records in attempt order: (process_id, completed, result).
    records: list[tuple[str, bool, str | None]]
    firmware: dict[str, Any] | None
    #: A fresh number for the work order (taken unless the LOT is unknown or closed).
    work_order_seq: int | None
    hold: Hold | None = None
    #: The failed checks of the hold's NCR (what LOT_ON_HOLD shows).
    hold_checks: list[dict[str, Any]] | None = None

    def attempts(self, process_id: str) -> int:
        return sum(1 for r in self.records if r[0] == process_id)

    @property
    def seen(self) -> tuple[int, int]:
        """What the write checks is unchanged: (records, completed records)."""
        return len(self.records), sum(1 for r in self.records if r[1])


_START_STATE = """
SELECT l.product_model, l.status, l.created_at,
       coalesce((SELECT w.active FROM process.workers w WHERE w.worker_id = $2), false)
         AS worker_active,
       (SELECT json_agg(json_build_array(r.process_id, r.complete_time IS NOT NULL, r.result)
                        ORDER BY r.started_at, r.attempt)::text
          FROM process.process_records r WHERE r.lot_number = l.lot_number) AS records,
       (SELECT json_build_object('version', f.version, 'filename', f.filename,
                                 'file_size', f.file_size, 'md5_hash', f.md5_hash,
                                 'download_url', f.download_url)::text
          FROM process.current_firmware f WHERE f.slot = 'released') AS firmware,
       CASE WHEN l.status <> 'CLOSED' THEN nextval('process.work_order_seq') END
         AS work_order_seq,
       l.hold_ncr, l.hold_process_id, l.hold_phase, l.rework_from, l.rework_base,
       (SELECT n.failed_checks::text FROM process.ncrs n WHERE n.ncr_number = l.hold_ncr)
         AS hold_checks
FROM process.lots l
WHERE l.lot_number = $1
FOR UPDATE OF l
"""


async def hot_start_state(
    conn: asyncpg.Connection, lot_number: str, worker_id: str
) -> StartState | None:
    """The LOT (locked), its records, the worker and the released firmware; None: no LOT."""
    row = await conn.fetchrow(_START_STATE, lot_number, worker_id)
    if row is None:
        return None
    return StartState(
        product_model=row["product_model"],
        status=row["status"],
        created_at=row["created_at"],
        worker_active=row["worker_active"],
        records=[tuple(r) for r in json.loads(row["records"] or "[]")],  # type: ignore[misc]
        firmware=json.loads(row["firmware"]) if row["firmware"] else None,
        work_order_seq=row["work_order_seq"],
        hold=hold_of(row),
        hold_checks=json.loads(row["hold_checks"]) if row["hold_checks"] else None,
    )


@functools.cache  # one SQL text: asyncpg prepares it once per connection
def _insert_started(outbox: Outbox) -> str:
    return f"""
WITH unchanged AS (
  SELECT FROM process.process_records WHERE lot_number = $2
  HAVING count(*) = $12::int AND count(complete_time) = $13::int
), rec AS (
  INSERT INTO process.process_records (
    work_order_id, lot_number, process_id, process_name, sequence_number, attempt,
    worker_id, start_time, start_time_raw, started_by, started_at)
  SELECT $1::text, $2::text, $3::text, $4::text, $5::int, $6::int,
         $7::text, $8::timestamptz, $9::text, $10::text, $11::timestamptz
  FROM unchanged
  RETURNING 1
), {outbox.cte(14, when="EXISTS (SELECT FROM rec)")}
SELECT count(*) FROM rec
"""  # noqa: S608 - our schema, our fragments; values are parameters


async def hot_insert_started(
    conn: asyncpg.Connection,
    outbox: Outbox,
    record: dict[str, Any],
    seen: tuple[int, int],
    events: list[Any],
) -> bool:
    """Insert the started record and its events, unless the LOT's records changed since
    `seen` (then nothing is written: read again)."""
    inserted = await conn.fetchval(
        _insert_started(outbox),
        record["work_order_id"],
        record["lot_number"],
        record["process_id"],
        record["process_name"],
        record["sequence_number"],
        record["attempt"],
        record["worker_id"],
        record["start_time"],
        record["start_time_raw"],
        record["started_by"],
        record["started_at"],
        *seen,
        *outbox.params(events),
    )
    return inserted == 1


_COMPLETE_STATE = """
SELECT l.product_model, l.status,
       l.hold_ncr, l.hold_process_id, l.hold_phase, l.rework_from, l.rework_base,
       r.work_order_id, r.start_time, r.start_time_raw, r.started_at, r.complete_time,
       r.complete_worker_id, r.reported_start_time_raw, r.complete_time_raw, r.completed_at,
       r.result, r.defects::text AS defects, r.completion_digest
FROM process.lots l
LEFT JOIN process.process_records r ON r.lot_number = l.lot_number AND r.process_id = $2
WHERE l.lot_number = $1
ORDER BY r.attempt DESC
FOR UPDATE OF l
"""


_RECORD_COLUMNS = (
    "work_order_id",
    "start_time",
    "start_time_raw",
    "started_at",
    "complete_time",
    "complete_worker_id",
    "reported_start_time_raw",
    "complete_time_raw",
    "completed_at",
    "result",
    "defects",
    "completion_digest",
)


def hold_of(row: Any) -> Hold | None:
    """The LOT's hold from its hold_* columns (None: not held)."""
    if row["hold_ncr"] is None:
        return None
    return Hold(
        row["hold_ncr"],
        row["hold_process_id"],
        row["hold_phase"],
        row["rework_from"],
        row["rework_base"] or 0,
    )


@dataclass(frozen=True)
class CompleteState:
    product_model: str
    status: str
    #: The records of the LOT's process, newest attempt first.
    records: list[dict[str, Any]]
    hold: Hold | None = None


async def hot_complete_state(
    conn: asyncpg.Connection, lot_number: str, process_id: str
) -> CompleteState | None:
    """The LOT (locked) and its records of `process_id`; None: no LOT."""
    rows = await conn.fetch(_COMPLETE_STATE, lot_number, process_id)
    if not rows:
        return None
    records = []
    for row in rows:
        if row["work_order_id"] is None:
            continue  # the LOT without a record of the process (outer join)
        record = {k: row[k] for k in _RECORD_COLUMNS}
        record["defects"] = json.loads(record["defects"]) if record["defects"] else None
        record.update(lot_number=lot_number, process_id=process_id)
        records.append(record)
    return CompleteState(rows[0]["product_model"], rows[0]["status"], records, hold_of(rows[0]))


@functools.cache
def _update_completed(outbox: Outbox) -> str:
    return f"""
WITH rec AS (
  UPDATE process.process_records SET
    complete_worker_id = $2::text, reported_start_time_raw = $3::text,
    complete_time = $4::timestamptz, complete_time_raw = $5::text, completed_by = $6::text,
    completed_at = $7::timestamptz, result = $8::text, process_data = $9::text::jsonb,
    defects = $10::text::jsonb, completion_digest = $11::text
  WHERE work_order_id = $1 AND complete_time IS NULL
  RETURNING 1
), {outbox.cte(12, when="EXISTS (SELECT FROM rec)")}
SELECT count(*) FROM rec
"""  # noqa: S608 - our schema, our fragments; values are parameters


async def hot_complete_record(
    conn: asyncpg.Connection,
    outbox: Outbox,
    work_order_id: str,
    values: dict[str, Any],
    events: list[Any],
) -> bool:
    """Complete the open record and insert its events; False (nothing written) if it is
    no longer open (completed meanwhile: read again)."""
    updated = await conn.fetchval(
        _update_completed(outbox),
        work_order_id,
        values["complete_worker_id"],
        values["reported_start_time_raw"],
        values["complete_time"],
        values["complete_time_raw"],
        values["completed_by"],
        values["completed_at"],
        values["result"],
        json.dumps(values["process_data"], ensure_ascii=False),
        json.dumps(values["defects"], ensure_ascii=False),
        values["completion_digest"],
        *outbox.params(events),
    )
    return updated == 1


# -- holds and NCRs (ADR 0023): only a failing completion, a LOT on hold and the routes ----

_NEXT_NCR = """
INSERT INTO process.ncr_counters AS c (day, last) VALUES ($1, 1)
ON CONFLICT (day) DO UPDATE SET last = c.last + 1
RETURNING last
"""


async def next_ncr_seq(conn: asyncpg.Connection, day: date) -> int:
    """NNN of the day's next NCR: the counter row is locked until commit, so two failing
    completions of one day take consecutive numbers and a rolled-back one leaves no gap."""
    return int(await conn.fetchval(_NEXT_NCR, day))


@functools.cache
def _open_ncr(outbox: Outbox) -> str:
    return f"""
WITH ncr AS (
  INSERT INTO process.ncrs (ncr_number, lot_number, product_model, process_id, process_name,
                            work_order_id, status, failed_checks, opened_at, opened_by)
  VALUES ($1, $2, $3, $4, $5, $6, 'OPEN', $7::text::jsonb, $8, $9)
), held AS (
  UPDATE process.lots SET hold_ncr = $1, hold_process_id = $4, hold_phase = 'OPEN',
                          rework_from = NULL, rework_base = NULL
  WHERE lot_number = $2
), {outbox.cte(10)}
SELECT 1
"""  # noqa: S608 - our schema, our fragments; values are parameters


async def open_ncr(
    conn: asyncpg.Connection, outbox: Outbox, ncr: dict[str, Any], events: list[Any]
) -> None:
    """The NCR row, the LOT's hold and their events, in one statement."""
    await conn.execute(
        _open_ncr(outbox),
        ncr["ncr_number"],
        ncr["lot_number"],
        ncr["product_model"],
        ncr["process_id"],
        ncr["process_name"],
        ncr["work_order_id"],
        json.dumps(ncr["failed_checks"], ensure_ascii=False),
        ncr["opened_at"],
        ncr["opened_by"],
        *outbox.params(events),
    )


@functools.cache
def _release(outbox: Outbox) -> str:
    return f"""
WITH released AS (
  UPDATE process.lots SET hold_ncr = NULL, hold_process_id = NULL, hold_phase = NULL,
                          rework_from = NULL, rework_base = NULL
  WHERE lot_number = $1
), {outbox.cte(2)}
SELECT 1
"""  # noqa: S608 - our schema, our fragments; values are parameters


async def release_hold(
    conn: asyncpg.Connection, outbox: Outbox, lot_number: str, events: list[Any]
) -> None:
    await conn.execute(_release(outbox), lot_number, *outbox.params(events))


async def ncr_of(session: AsyncConnection, work_order_id: str) -> str | None:
    """The NCR a failed attempt opened, if it did."""
    return await session.scalar(
        select(ncrs.c.ncr_number).where(ncrs.c.work_order_id == work_order_id)
    )


async def get_ncr(
    session: AsyncConnection, ncr_number: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    stmt = select(ncrs).where(ncrs.c.ncr_number == ncr_number)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def list_ncrs(
    session: AsyncConnection,
    *,
    status: str | None,
    lot_number: str | None,
    process_id: str | None,
    opened_from: datetime | None,
    opened_to: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    conditions = []
    if status:
        conditions.append(ncrs.c.status == status)
    if lot_number:
        conditions.append(ncrs.c.lot_number == lot_number)
    if process_id:
        conditions.append(ncrs.c.process_id == process_id)
    if opened_from:
        conditions.append(ncrs.c.opened_at >= opened_from)
    if opened_to:
        conditions.append(ncrs.c.opened_at < opened_to)
    total = await session.scalar(select(func.count()).select_from(ncrs).where(*conditions))
    rows = await session.execute(
        select(ncrs)
        .where(*conditions)
        .order_by(ncrs.c.opened_at.desc(), ncrs.c.ncr_number.desc())
        .limit(limit)
        .offset(offset)
    )
    return [dict(r._mapping) for r in rows], int(total or 0)


async def lot_ncrs(session: AsyncConnection, lot_number: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(ncrs).where(ncrs.c.lot_number == lot_number).order_by(ncrs.c.opened_at)
    )
    return [dict(r._mapping) for r in rows]


async def close_ncr(session: AsyncConnection, ncr_number: str, values: dict[str, Any]) -> None:
    await session.execute(
        update(ncrs).where(ncrs.c.ncr_number == ncr_number).values(status="CLOSED", **values)
    )


async def set_hold(session: AsyncConnection, lot_number: str, values: dict[str, Any]) -> None:
    """hold_* columns of the LOT (all None: released)."""
    await session.execute(update(lots).where(lots.c.lot_number == lot_number).values(**values))
