"""Event rules: printer.status_changed and the label outcomes, each applied in the
consumer's transaction (with its inbox row), so a redelivered event changes nothing."""

from __future__ import annotations

from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from mes_contracts.payloads import (
    LabelsFailed,
    LabelsPrinted,
    LotHeld,
    LotReleased,
    PrinterStatusChanged,
    PrinterUpdated,
)
from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import ncrs
from . import rules
from .centre import AlertCentre
from .models import alert_label_jobs as jobs


class AlertHandlers:
    def __init__(self, centre: AlertCentre) -> None:
        self.centre = centre
        self.handlers = {
            ev.PRINTER_STATUS_CHANGED: self.printer_status,
            ev.PRINTER_UPDATED: self.printer_updated,
            ev.LABELS_FAILED: self.labels_failed,
            ev.LABELS_PRINTED: self.labels_printed,
            ev.LOT_HELD: self.lot_hold,
            ev.LOT_RELEASED: self.lot_hold,
        }

    async def on_event(self, session: AsyncConnection, event: Envelope) -> None:
        await self.handlers[event.type](session, event)

    async def printer_status(self, session: AsyncConnection, event: Envelope) -> None:
        p = ev.payload_as(event, PrinterStatusChanged)
        # Streams are not ordered against a poll that saw a newer state: the event is the
        # printer's latest word on its own stream, which label-service publishes in order.
        holding = rules.printer_alerts(p.printer_id, p.state)
        await self.centre.reconcile(session, rules.printer_scope(p.printer_id), holding)

    async def printer_updated(self, session: AsyncConnection, event: Envelope) -> None:
        """A printer taken out of service is no longer polled: its alerts resolve."""
        p = ev.payload_as(event, PrinterUpdated)
        if not p.active:
            await self.centre.reconcile(session, rules.printer_scope(p.printer_id), [])

    async def lot_hold(self, session: AsyncConnection, event: Envelope) -> None:
        """After the projection of lot.held / lot.released: the LOT is on hold while one
        of its NCRs holds it (newest fact per NCR wins, whatever the order)."""
        p = ev.payload_as(event, (LotHeld, LotReleased))
        holding_ncrs = await holding(session, p.lot_number)
        specs = rules.lot_hold_alerts(
            p.lot_number, bool(holding_ncrs), ", ".join(holding_ncrs) or None
        )
        await self.centre.reconcile(session, rules.lot_hold_key(p.lot_number), specs)

    async def labels_failed(self, session: AsyncConnection, event: Envelope) -> None:
        p = ev.payload_as(event, LabelsFailed)
        rows = [
            {
                "job_id": x.job_id,
                "lot_number": p.lot_number,
                "first_failed_at": p.failed_at,
                "failed_at": p.failed_at,
                "will_retry": x.will_retry,
            }
            for x in p.labels
        ]
        stmt = insert(jobs).values(rows)
        newest = stmt.excluded.failed_at >= func.coalesce(jobs.c.failed_at, stmt.excluded.failed_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=["job_id"],
            set_={
                "first_failed_at": func.least(jobs.c.first_failed_at, stmt.excluded.failed_at),
                "failed_at": func.greatest(jobs.c.failed_at, stmt.excluded.failed_at),
                "will_retry": case((newest, stmt.excluded.will_retry), else_=jobs.c.will_retry),
            },
        )
        await session.execute(stmt)
        await self._lot(session, p.lot_number)

    async def labels_printed(self, session: AsyncConnection, event: Envelope) -> None:
        p = ev.payload_as(event, LabelsPrinted)
        rows = [
            {"job_id": x.job_id, "lot_number": p.lot_number, "printed_at": p.printed_at}
            for x in p.labels
        ]
        stmt = insert(jobs).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=["job_id"],
            set_={"printed_at": func.greatest(jobs.c.printed_at, stmt.excluded.printed_at)},
        )
        await session.execute(stmt)
        await self._lot(session, p.lot_number)

    async def _lot(self, session: AsyncConnection, lot_number: str) -> None:
        failing = await failing_jobs(session, lot_number)
        holding = rules.label_failed_alerts(lot_number, failing)
        await self.centre.reconcile(session, rules.label_failed_key(lot_number), holding)


def _failing():
    return jobs.c.failed_at.is_not(None) & (
        jobs.c.printed_at.is_(None) | (jobs.c.printed_at < jobs.c.failed_at)
    )


async def holding(session: AsyncConnection, lot_number: str) -> list[str]:
    """NCRs of the LOT that hold it: held, and not released since."""
    stmt = (
        select(ncrs.c.ncr_number)
        .where(
            ncrs.c.lot_number == lot_number,
            ncrs.c.held_at.is_not(None),
            ncrs.c.released_at.is_(None) | (ncrs.c.released_at < ncrs.c.held_at),
        )
        .order_by(ncrs.c.ncr_number)
    )
    return list((await session.execute(stmt)).scalars())


async def failing_jobs(session: AsyncConnection, lot_number: str) -> list[str]:
    """Jobs of the LOT whose last outcome was a failure (newest fact wins)."""
    stmt = select(jobs.c.job_id).where(jobs.c.lot_number == lot_number, _failing())
    return list((await session.execute(stmt)).scalars())


async def waiting_too_long(session: AsyncConnection, minutes: float) -> dict[str, int]:
    """LOT → jobs still retrying whose first failure is older than `minutes`."""
    cutoff = func.now() - func.make_interval(0, 0, 0, 0, 0, 0, minutes * 60)
    stmt = (
        select(jobs.c.lot_number, func.count())
        .where(_failing(), jobs.c.will_retry.is_(True), jobs.c.first_failed_at < cutoff)
        .group_by(jobs.c.lot_number)
    )
    return {lot: n for lot, n in (await session.execute(stmt)).all()}


async def forget_printed_jobs(session: AsyncConnection, older_than_minutes: int = 60) -> int:
    """Jobs printed after their last failure (or never failed) long enough ago that no late
    failure event is still on its way: the rules no longer need them."""
    cutoff = func.now() - func.make_interval(0, 0, 0, 0, 0, int(older_than_minutes))
    stmt = delete(jobs).where(
        jobs.c.printed_at < cutoff,
        jobs.c.failed_at.is_(None) | (jobs.c.failed_at <= jobs.c.printed_at),
    )
    return (await session.execute(stmt)).rowcount
