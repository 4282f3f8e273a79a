"""All SQL of label-service (SQLAlchemy Core, parameterized). Functions take the caller's
session, i.e. run inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from servicekit.db import row_by_key
from sqlalchemy import and_, case, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import lot_stations, print_jobs, printers, reprints

WAITING = ("queued", "retrying")  # the dispatcher's states
OPEN = ("queued", "retrying", "pending", "sending")


def _rows(result: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in result]


# -- printers ---------------------------------------------------------------------------
async def get_printer(session: AsyncConnection, printer_id: str) -> dict[str, Any] | None:
    return await row_by_key(session, printers, printer_id=printer_id)


async def list_printers(session: AsyncConnection) -> list[dict[str, Any]]:
    return _rows(await session.execute(select(printers).order_by(printers.c.printer_id)))


async def count_printers(session: AsyncConnection) -> int:
    return (await session.execute(select(func.count()).select_from(printers))).scalar_one()


async def insert_printer(session: AsyncConnection, values: dict[str, Any]) -> dict[str, Any] | None:
    stmt = insert(printers).values(**values).on_conflict_do_nothing().returning(printers)
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def update_printer(
    session: AsyncConnection, printer_id: str, values: dict[str, Any]
) -> dict[str, Any] | None:
    stmt = (
        update(printers)
        .where(printers.c.printer_id == printer_id)
        .values(**values, updated_at=func.now())
        .returning(printers)
    )
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def lot_printer(session: AsyncConnection) -> dict[str, Any] | None:
    """The active printer for LOT labels: purpose LOT first, else an ANY printer of no
    station (a station's printer serves that station)."""
    stmt = (
        select(printers)
        .where(
            printers.c.active,
            or_(
                printers.c.purpose == "LOT",
                and_(printers.c.purpose == "ANY", printers.c.station_id.is_(None)),
            ),
        )
        .order_by(case((printers.c.purpose == "LOT", 0), else_=1), printers.c.printer_id)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def serial_printer(session: AsyncConnection, station_id: str | None) -> dict[str, Any] | None:
    """The station's serial-label printer; with no station, a SERIAL printer of no station."""
    station = printers.c.station_id == station_id if station_id else printers.c.station_id.is_(None)
    purposes = ("SERIAL", "ANY") if station_id else ("SERIAL",)
    stmt = (
        select(printers)
        .where(printers.c.active, station, printers.c.purpose.in_(purposes))
        .order_by(case((printers.c.purpose == "SERIAL", 0), else_=1), printers.c.printer_id)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


# -- jobs ---------------------------------------------------------------------------------
async def insert_jobs(session: AsyncConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        return []
    return _rows(await session.execute(insert(print_jobs).returning(print_jobs), rows))


async def get_job(
    session: AsyncConnection, job_id: int, *, for_update: bool = False
) -> dict[str, Any] | None:
    return await row_by_key(session, print_jobs, for_update=for_update, id=job_id)


async def list_jobs(
    session: AsyncConnection, *, limit: int, offset: int, **filters: str | None
) -> tuple[list[dict[str, Any]], int]:
    conditions = [getattr(print_jobs.c, k) == v for k, v in filters.items() if v is not None]
    where = and_(literal(True), *conditions)
    total = (
        await session.execute(select(func.count()).select_from(print_jobs).where(where))
    ).scalar_one()
    stmt = select(print_jobs).where(where).order_by(print_jobs.c.id).limit(limit).offset(offset)
    return _rows(await session.execute(stmt)), total


async def latest_job(
    session: AsyncConnection, lot_number: str, serial_number: str | None
) -> dict[str, Any] | None:
    label_type = "SERIAL" if serial_number else "LOT"
    stmt = (
        select(print_jobs)
        .where(
            print_jobs.c.label_type == label_type,
            print_jobs.c.lot_number == lot_number,
            print_jobs.c.serial_number == serial_number
            if serial_number
            else print_jobs.c.serial_number.is_(None),
        )
        .order_by(print_jobs.c.id.desc())
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


async def dispatcher_has_work(session: AsyncConnection) -> bool:
    """Any job the dispatcher may act on (waiting to be sent, or caught mid-send)."""
    stmt = select(exists().where(print_jobs.c.state.in_((*WAITING, "sending"))))
    return bool((await session.execute(stmt)).scalar())


async def due_printer_ids(session: AsyncConnection, now: datetime) -> list[str]:
    """Active TCP printers that have jobs due now and are not backed off."""
    stmt = (
        select(print_jobs.c.printer_id)
        .join(printers, printers.c.printer_id == print_jobs.c.printer_id)
        .where(
            print_jobs.c.state.in_(WAITING),
            print_jobs.c.next_attempt_at <= now,
            printers.c.active,
            printers.c.transport == "TCP",
            or_(printers.c.retry_at.is_(None), printers.c.retry_at <= now),
        )
        .distinct()
    )
    return list((await session.execute(stmt)).scalars())


async def printer_failed(
    session: AsyncConnection, printer_id: str, failures: int, retry_at: datetime
) -> None:
    """The printer did not take a batch: `failures` in a row, not tried before `retry_at`."""
    await session.execute(
        update(printers)
        .where(printers.c.printer_id == printer_id)
        .values(consecutive_failures=failures, retry_at=retry_at)
    )


async def printer_answered(session: AsyncConnection, printer_id: str) -> bool:
    """The printer took a batch: no more backoff. True if it had been backed off."""
    stmt = (
        update(printers)
        .where(printers.c.printer_id == printer_id, printers.c.consecutive_failures > 0)
        .values(consecutive_failures=0, retry_at=None)
        .returning(printers.c.printer_id)
    )
    return (await session.execute(stmt)).first() is not None


async def lock_due_jobs(
    session: AsyncConnection, printer_id: str, now: datetime, limit: int
) -> list[dict[str, Any]]:
    """Due jobs of one printer, locked (replicas skip them) until the caller commits."""
    stmt = (
        select(print_jobs)
        .where(
            print_jobs.c.printer_id == printer_id,
            print_jobs.c.state.in_(WAITING),
            print_jobs.c.next_attempt_at <= now,
        )
        .order_by(print_jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return _rows(await session.execute(stmt))


async def lock_unassigned_jobs(session: AsyncConnection, limit: int = 500) -> list[dict[str, Any]]:
    stmt = (
        select(print_jobs)
        .where(print_jobs.c.printer_id.is_(None), print_jobs.c.state.in_(WAITING))
        .order_by(print_jobs.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return _rows(await session.execute(stmt))


async def set_jobs(session: AsyncConnection, ids: list[int], **values: Any) -> None:
    if ids:
        await session.execute(
            update(print_jobs)
            .where(print_jobs.c.id.in_(ids))
            .values(**values, updated_at=func.now())
        )


async def record_attempt(session: AsyncConnection, ids: list[int], **values: Any) -> None:
    """One more attempt for these jobs, with its outcome."""
    if ids:
        await session.execute(
            update(print_jobs)
            .where(print_jobs.c.id.in_(ids))
            .values(**values, attempts=print_jobs.c.attempts + 1, updated_at=func.now())
        )


async def wake_printer_jobs(session: AsyncConnection, printer_id: str) -> None:
    """Make a printer's waiting jobs due now and end its backoff (after its settings
    changed, or once it answers again)."""
    await session.execute(
        update(print_jobs)
        .where(print_jobs.c.printer_id == printer_id, print_jobs.c.state.in_(WAITING))
        .values(next_attempt_at=func.now())
    )
    await end_printer_backoff(session, printer_id)


async def end_printer_backoff(session: AsyncConnection, printer_id: str) -> None:
    """Try the printer at the next tick again (a person asked for it)."""
    await session.execute(
        update(printers)
        .where(printers.c.printer_id == printer_id, printers.c.consecutive_failures > 0)
        .values(consecutive_failures=0, retry_at=None)
    )


async def fail_stale_sending(
    session: AsyncConnection, older_than: datetime
) -> list[dict[str, Any]]:
    """Jobs whose sender died mid-send: failed, visible, retryable by hand."""
    stmt = (
        update(print_jobs)
        .where(print_jobs.c.state == "sending", print_jobs.c.updated_at < older_than)
        .values(
            state="failed",
            last_error_code="PRINTER_NOT_RESPONDING",
            last_error="interrupted while sending; check the label, then retry or reprint",
            updated_at=func.now(),
        )
        .returning(print_jobs)
    )
    return _rows(await session.execute(stmt))


# -- reprint history and LOT stations -------------------------------------------------------
async def insert_reprint(session: AsyncConnection, values: dict[str, Any]) -> None:
    await session.execute(insert(reprints).values(**values))


async def list_reprints(
    session: AsyncConnection, lot_number: str | None, serial_number: str | None, limit: int
) -> list[dict[str, Any]]:
    stmt = select(reprints).order_by(reprints.c.id.desc()).limit(limit)
    if lot_number:
        stmt = stmt.where(reprints.c.lot_number == lot_number)
    if serial_number:
        stmt = stmt.where(reprints.c.serial_number == serial_number)
    return _rows(await session.execute(stmt))


async def set_lot_station(
    session: AsyncConnection, lot_number: str, station_id: str | None
) -> None:
    stmt = insert(lot_stations).values(lot_number=lot_number, station_id=station_id)
    stmt = stmt.on_conflict_do_update(
        index_elements=["lot_number"],
        set_={"station_id": stmt.excluded.station_id, "updated_at": func.now()},
    )
    await session.execute(stmt)


async def lot_station(session: AsyncConnection, lot_number: str) -> tuple[bool, str | None]:
    """(known, station): whether the start of the LOT's serial step was seen, and the
    station it named (None: it named none)."""
    stmt = select(lot_stations.c.station_id).where(lot_stations.c.lot_number == lot_number)
    row = (await session.execute(stmt)).first()
    return (row is not None, row.station_id if row else None)


# -- status poll ------------------------------------------------------------------------
async def polled_printers(session: AsyncConnection) -> list[dict[str, Any]]:
    """The printers the status poll asks: active network printers."""
    stmt = (
        select(printers)
        .where(printers.c.active.is_(True), printers.c.transport == "TCP")
        .order_by(printers.c.printer_id)
    )
    return _rows(await session.execute(stmt))


async def change_printer_state(
    session: AsyncConnection, printer_id: str, state: str, at: datetime
) -> tuple[bool, str | None]:
    """(changed, previous state): the row is locked, so replicas polling at once publish
    a change once."""
    stmt = select(printers.c.last_state).where(printers.c.printer_id == printer_id)
    row = (await session.execute(stmt.with_for_update())).first()
    if row is None or row.last_state == state:
        return False, row.last_state if row else None
    await session.execute(
        update(printers)
        .where(printers.c.printer_id == printer_id)
        .values(last_state=state, last_state_at=at)
    )
    return True, row.last_state
