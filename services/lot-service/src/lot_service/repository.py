"""All SQL of lot-service. Functions take the caller's session (one transaction).

LOT creation and what applying process events does to a LOT, the hot paths, are raw asyncpg
with constant SQL (ADR 0014: prepared once per connection, no statement built per call); the
rest is SQLAlchemy Core.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from mes_contracts.envelope import Envelope
from servicekit.db import equal_to, raw, row_by_key
from servicekit.outbox import Outbox
from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import (
    lot_holds,
    lot_processes,
    lot_sequences,
    lot_status_history,
    lots,
    product_models,
    routing_steps,
    serials,
)


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


async def list_lots(
    session: AsyncConnection,
    *,
    status: str | None,
    product_model: str | None,
    production_date: date | None,
    shift: str | None,
    limit: int,
    offset: int,
    on_hold: bool | None = None,
) -> tuple[list[dict[str, Any]], int]:
    conditions = equal_to(
        lots,
        status=status,
        product_model=product_model,
        production_date=production_date,
        shift=shift,
    )
    if on_hold is not None:
        conditions.append(lots.c.hold_ncr.isnot(None) if on_hold else lots.c.hold_ncr.is_(None))
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
    return await row_by_key(session, serials, serial_number=serial_number)


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


_MOVE_SERIALS = """
WITH old AS (
  SELECT serial_number, status FROM lot.serials
  WHERE lot_number = $1 AND status = ANY($2::text[])
  FOR UPDATE
)
UPDATE lot.serials s SET status = $3, updated_at = $4
FROM old WHERE s.serial_number = old.serial_number
RETURNING s.serial_number, old.status AS from_status
"""


async def set_serial_statuses(
    session: AsyncConnection,
    lot_number: str,
    *,
    from_statuses: tuple[str, ...],
    to_status: str,
    at: datetime,
) -> list[dict[str, Any]]:
    """Move the LOT's serials in `from_statuses` to `to_status`, in one statement (raw,
    ADR 0014); returns (serial, old status) in serial order."""
    rows = await (await raw(session)).fetch(
        _MOVE_SERIALS, lot_number, list(from_statuses), to_status, at
    )
    return sorted(
        ({"serial_number": r[0], "from_status": r[1]} for r in rows),
        key=lambda m: m["serial_number"],
    )


async def set_serial_status(
    session: AsyncConnection, serial_number: str, status: str, reason: str | None, at: datetime
) -> None:
    await session.execute(
        update(serials)
        .where(serials.c.serial_number == serial_number)
        .values(status=status, status_reason=reason, updated_at=at)
    )


# -- hot paths: raw asyncpg ---------------------------------------------------------------

_RESERVE_NUMBER = """
WITH model AS (SELECT factory FROM lot.product_models WHERE code = $1)
INSERT INTO lot.lot_sequences AS s (product_model, factory, production_date, last_seq)
SELECT $1, model.factory, $2, 1 FROM model
ON CONFLICT (product_model, factory, production_date) DO UPDATE SET last_seq = s.last_seq + 1
RETURNING s.factory, s.last_seq
"""


async def reserve_lot_number(
    session: AsyncConnection, product_model: str, production_date: date
) -> tuple[str, int] | None:
    """(factory, sequence) of the product model's next LOT of the date; None: no such model.

    Consecutive per production date: the counter row's lock serializes concurrent creators
    and a rolled-back creation gives its number back, so there is no gap and no duplicate."""
    row = await (await raw(session)).fetchrow(_RESERVE_NUMBER, product_model, production_date)
    return (row["factory"], row["last_seq"]) if row else None


@functools.cache  # one SQL text: asyncpg prepares it once per connection
def _insert_created(outbox: Outbox) -> str:
    return f"""
WITH created AS (
  INSERT INTO lot.lots (lot_number, product_model, factory, production_date, shift, sequence,
                        target_quantity, status, created_at, created_by, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
  ON CONFLICT DO NOTHING
  RETURNING lot_number
), history AS (
  INSERT INTO lot.lot_status_history (lot_number, from_status, to_status, changed_at, changed_by)
  SELECT lot_number, NULL, $8, $9, $10 FROM created
), {outbox.cte(12, when="EXISTS (SELECT FROM created)")}
SELECT count(*) FROM created
"""  # noqa: S608 - our schema, our fragments; values are parameters


async def insert_created_lot(
    session: AsyncConnection, outbox: Outbox, row: dict[str, Any], events: list[Envelope]
) -> bool:
    """The LOT, its first status row and its events in one statement; False (nothing
    written) when the number or the date's sequence is taken already."""
    inserted = await (await raw(session)).fetchval(
        _insert_created(outbox),
        row["lot_number"],
        row["product_model"],
        row["factory"],
        row["production_date"],
        row["shift"],
        row["sequence"],
        row["target_quantity"],
        row["status"],
        row["created_at"],
        row["created_by"],
        row["updated_at"],
        *outbox.params(events),
    )
    return inserted == 1


@functools.cache
def _change_status(outbox: Outbox) -> str:
    return f"""
WITH moved AS (
  UPDATE lot.lots SET status = $2, updated_at = $3 WHERE lot_number = $1 RETURNING lot_number
), history AS (
  INSERT INTO lot.lot_status_history (lot_number, from_status, to_status, changed_at,
                                      changed_by, reason)
  SELECT lot_number, $4::text, $2, $3, $5::text, $6::text FROM moved
), {outbox.cte(7, when="EXISTS (SELECT FROM moved)")}
SELECT count(*) FROM moved
"""  # noqa: S608 - our schema, our fragments; values are parameters


async def change_status(
    session: AsyncConnection,
    outbox: Outbox,
    lot_number: str,
    from_status: str,
    to_status: str,
    *,
    at: datetime,
    changed_by: str,
    reason: str | None,
    events: list[Envelope],
) -> None:
    """The LOT's new status, its history row and its events, in one statement."""
    await (await raw(session)).execute(
        _change_status(outbox),
        lot_number,
        to_status,
        at,
        from_status,
        changed_by,
        reason,
        *outbox.params(events),
    )


_GET_LOT = "SELECT * FROM lot.lots WHERE lot_number = $1"


async def get_lot(
    session: AsyncConnection, lot_number: str, *, for_update: bool = False
) -> dict | None:
    sql = _GET_LOT + " FOR UPDATE" if for_update else _GET_LOT
    row = await (await raw(session)).fetchrow(sql, lot_number)
    return dict(row) if row else None


# The step's row is replaced only by a later attempt (another work order), ordered by when
# the MES accepted each start (`started_at`), by the reported start for rows from before
# that was recorded.
_LATER_ATTEMPT = """
  CASE WHEN row.started_at IS NOT NULL AND EXCLUDED.started_at IS NOT NULL
       THEN row.started_at < EXCLUDED.started_at
       ELSE row.start_time IS NULL OR row.start_time < EXCLUDED.start_time END"""

# The LOT is locked (FOR UPDATE in a CTE: the newest version of its row) before its step is
# written; no LOT, no write. One statement for what used to be two.
_STARTED = f"""
WITH lot AS (SELECT * FROM lot.lots WHERE lot_number = $1 FOR UPDATE),
step AS (
  INSERT INTO lot.lot_processes AS row (lot_number, process_id, process_name, sequence_number,
                                        status, worker_id, start_time, started_at, work_order_id)
  SELECT $1, $2, $3, $4::int, 'IN_PROGRESS', $5, $6::timestamptz, $7::timestamptz, $8 FROM lot
  ON CONFLICT (lot_number, process_id) DO UPDATE SET
    status = 'IN_PROGRESS', worker_id = EXCLUDED.worker_id, start_time = EXCLUDED.start_time,
    started_at = EXCLUDED.started_at, complete_time = NULL, result = NULL,
    work_order_id = EXCLUDED.work_order_id
  WHERE row.work_order_id IS DISTINCT FROM EXCLUDED.work_order_id AND {_LATER_ATTEMPT}
)
SELECT * FROM lot
"""  # noqa: S608 - constant


async def lock_lot_recording_started(
    session: AsyncConnection, values: dict[str, Any]
) -> dict[str, Any] | None:
    """Lock the LOT and upsert its step as started; never moves a completed step back to
    IN_PROGRESS (events may arrive late). None: the LOT is unknown, nothing written."""
    row = await (await raw(session)).fetchrow(
        _STARTED,
        values["lot_number"],
        values["process_id"],
        values["process_name"],
        values["sequence_number"],
        values["worker_id"],
        values["start_time"],
        values["started_at"],
        values["work_order_id"],
    )
    return dict(row) if row else None


# The completion of the row's work order always applies (it carries the recorded start,
# ADR 0008); one of another work order only if it is a later attempt.
_COMPLETED = f"""
WITH lot AS (SELECT * FROM lot.lots WHERE lot_number = $1 FOR UPDATE),
step AS (
  INSERT INTO lot.lot_processes AS row (lot_number, process_id, process_name, sequence_number,
                                        status, worker_id, start_time, started_at,
                                        complete_time, result, work_order_id)
  SELECT $1, $2, $3, $4::int, 'COMPLETED', $5, $6::timestamptz, $7::timestamptz, $8::timestamptz,
         $9, $10 FROM lot
  ON CONFLICT (lot_number, process_id) DO UPDATE SET
    status = 'COMPLETED', worker_id = EXCLUDED.worker_id, start_time = EXCLUDED.start_time,
    started_at = coalesce(EXCLUDED.started_at, row.started_at),
    complete_time = EXCLUDED.complete_time, result = EXCLUDED.result,
    work_order_id = EXCLUDED.work_order_id
  WHERE row.work_order_id IS NULL OR row.work_order_id = EXCLUDED.work_order_id
        OR {_LATER_ATTEMPT}
)
SELECT * FROM lot
"""  # noqa: S608 - constant


async def lock_lot_recording_completed(
    session: AsyncConnection, values: dict[str, Any]
) -> dict[str, Any] | None:
    """Lock the LOT and upsert its step as completed. None: the LOT is unknown."""
    row = await (await raw(session)).fetchrow(
        _COMPLETED,
        values["lot_number"],
        values["process_id"],
        values["process_name"],
        values["sequence_number"],
        values["worker_id"],
        values["start_time"],
        values["started_at"],
        values["complete_time"],
        values["result"],
        values["work_order_id"],
    )
    return dict(row) if row else None


async def count_serials(
    session: AsyncConnection, lot_number: str, *, regular_only: bool = False
) -> int:
    """The LOT's serials; `regular_only`: those allocated for its units, not replacements."""
    sql = "SELECT count(*) FROM lot.serials WHERE lot_number = $1"
    if regular_only:
        sql += " AND replacement_reason IS NULL"
    return await (await raw(session)).fetchval(sql, lot_number)


async def set_scrapped(session: AsyncConnection, lot_number: str, scrapped: int) -> None:
    """The LOT's scrapped units, as the newest NCR disposition counts them (never down)."""
    await session.execute(
        update(lots)
        .where(lots.c.lot_number == lot_number, lots.c.scrapped_quantity < scrapped)
        .values(scrapped_quantity=scrapped)
    )


# -- holds (ADR 0023) ----------------------------------------------------------------------

_HOLD_FACTS = ("held_at", "disposition", "rework_from", "closed_at", "released_at")


async def record_hold_fact(
    session: AsyncConnection,
    *,
    ncr_number: str,
    lot_number: str,
    process_id: str,
    **facts: Any,
) -> None:
    """One NCR's facts from one hold event; each event sets only its own columns."""
    unknown = set(facts) - set(_HOLD_FACTS)
    if unknown:
        raise ValueError(f"not a hold fact: {sorted(unknown)}")
    stmt = insert(lot_holds).values(
        ncr_number=ncr_number, lot_number=lot_number, process_id=process_id, **facts
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["ncr_number"], set_={k: stmt.excluded[k] for k in facts}
        )
    )


# The LOT's newest NCR (by the first thing known of it: a later NCR is opened after every
# fact of the earlier ones) holds it unless released; closed USE_AS_IS/SCRAP counts as
# released too (its lot.released may come later), closed REWORK is the REWORK phase.
_REFRESH_HOLD = """
WITH newest AS (
  SELECT * FROM lot.lot_holds WHERE lot_number = $1
  ORDER BY least(held_at, closed_at, released_at) DESC NULLS LAST, ncr_number DESC
  LIMIT 1
), holding AS (
  SELECT * FROM newest
  WHERE released_at IS NULL AND (disposition IS NULL OR disposition = 'REWORK')
)
UPDATE lot.lots SET
  hold_ncr = (SELECT ncr_number FROM holding),
  hold_process_id = (SELECT process_id FROM holding),
  hold_phase = (SELECT CASE WHEN disposition = 'REWORK' THEN 'REWORK' ELSE 'OPEN' END
                FROM holding),
  rework_from = (SELECT rework_from FROM holding)
WHERE lot_number = $1
RETURNING hold_ncr
"""


async def refresh_hold(session: AsyncConnection, lot_number: str) -> None:
    """Set the LOT's hold columns from its NCRs (the caller holds the LOT's row lock, so
    this sees every fact committed before its own)."""
    await (await raw(session)).execute(_REFRESH_HOLD, lot_number)
