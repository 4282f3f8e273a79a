"""Event consumers: LOT and serial labels queued from lot.created / serials.allocated; the
station of each LOT's serial-allocation step travels in its serials.allocated (ADR 0012).
A label that no printer serves, or whose data cannot be printed, becomes a visible
`failed` job with its reason and a labels.failed event — never an event that fails (and
ends in a dead letter) or a job that waits without a printer. Handlers read the typed
payload (`events.payload_as`); only a payload that breaks the contract is dead-lettered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mes_contracts import events as ev
from mes_contracts.enums import LabelType, SerialAllocationReason
from mes_contracts.envelope import Envelope
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.payloads.lot import LotCreated, SerialsAllocated
from mes_label_drivers.labels import LabelData
from servicekit.db import after_commit
from servicekit.logging import get_logger
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .choice import NO_PRINTER_MESSAGE, Choice, choose
from .jobs import Jobs, initial_state

log = get_logger(__name__)
NO_PRINTER = (ErrorCode.NO_PRINTER_ASSIGNED.value, NO_PRINTER_MESSAGE)


class Handlers:
    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.settings = jobs.settings
        self.tz = ZoneInfo(self.settings.factory_timezone)

    def _product(self, code: str) -> str:
        return self.settings.label_product_names.get(code, code)

    def _row(self, label: LabelData, choice: Choice) -> dict[str, Any]:
        """The job of an event-driven label: sendable, waiting for its station, or failed."""
        error: tuple[str, str] | None = None
        try:
            self.jobs.check(label)
        except MesError as exc:
            error = (exc.code.value, exc.message)
        if error is None and choice.printer is None and choice.settled:
            error = NO_PRINTER
        return self.jobs.row(
            label, choice.printer, source="event", station_id=choice.station_id, error=error
        )

    async def _insert(self, session: AsyncConnection, rows: list[dict[str, Any]]) -> None:
        jobs = await repo.insert_jobs(session, rows)
        after_commit(session, self.jobs.on_new_jobs)
        failed = [j for j in jobs if j["state"] == "failed"]
        if failed:
            log.warning(
                "label jobs failed before printing",
                lot_number=failed[0]["lot_number"],
                jobs=len(failed),
                error_code=failed[0]["last_error_code"],
            )
            await self.jobs.refused(session, failed, datetime.now(UTC))

    async def on_lot_created(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, LotCreated)
        label = LabelData(
            LabelType.LOT,
            d.lot_number,
            self._product(d.product_model),
            d.production_date,
            target_quantity=d.target_quantity,
        )
        choice = await choose(session, self.settings, LabelType.LOT, label.lot_number, waited=True)
        await self._insert(session, [self._row(label, choice)])

    async def on_serials_allocated(self, session: AsyncConnection, event: Envelope) -> None:
        d = ev.payload_as(event, SerialsAllocated)
        created = d.created_date or d.allocated_at.astimezone(self.tz).date()
        product = self._product(d.product_model)
        lot = d.lot_number
        starts = d.reason == SerialAllocationReason.PROC_007_START
        if starts and "station_id" in d.model_fields_set:
            # The station of the start that allocated them — also that it named none, so
            # that the labels go to the default serial printer without waiting. (An entry
            # from before ADR 0012 has no station_id: its jobs wait for the station, then
            # take the default; replacements print where their LOT's serials did.)
            await repo.set_lot_station(session, lot, d.station_id or None)
        choice = await choose(session, self.settings, LabelType.SERIAL, lot, waited=False)
        rows = [
            self._row(LabelData(LabelType.SERIAL, lot, product, created, s.serial_number), choice)
            for s in d.serials
        ]
        await self._insert(session, rows)


async def assign_printers(session: AsyncConnection, jobs: Jobs, now: datetime) -> int:
    """Settle event-driven jobs that wait without a printer (their LOT's station is not
    known: a serials.allocated from before ADR 0012, which carried no station): the
    station's printer or the default once the station is known,
    the default after `label_station_wait_seconds`; `failed` NO_PRINTER_ASSIGNED when no
    printer serves them. Returns how many were settled."""
    wait = jobs.settings.label_station_wait_seconds
    known: dict[tuple[str, str, bool], Choice] = {}
    refused: list[dict[str, Any]] = []
    settled = 0
    for job in await repo.lock_unassigned_jobs(session):
        late = (now - job["created_at"]).total_seconds() > wait
        key = (job["label_type"], job["lot_number"], late)
        if key not in known:
            label_type = LabelType(job["label_type"])
            known[key] = await choose(
                session, jobs.settings, label_type, job["lot_number"], waited=late
            )
        choice = known[key]
        if choice.printer is not None:
            await repo.set_jobs(
                session,
                [job["id"]],
                printer_id=choice.printer["printer_id"],
                station_id=choice.station_id,
                state=initial_state(choice.printer),
                next_attempt_at=now,
            )
        elif choice.settled:
            code, message = NO_PRINTER
            await repo.set_jobs(
                session, [job["id"]], state="failed", last_error_code=code, last_error=message
            )
            refused.append({**job, "last_error_code": code, "last_error": message})
        else:
            continue
        settled += 1
    if refused:
        log.warning("label jobs without a printer", jobs=len(refused))
        await jobs.refused(session, refused, now)
    return settled
