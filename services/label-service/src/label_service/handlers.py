"""Event consumers: LOT and serial labels queued from lot.created / serials.allocated, and
the station of each LOT's serial-allocation step from process.started."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mes_contracts.enums import LabelType
from mes_contracts.envelope import Envelope
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .jobs import Jobs, initial_state
from .labels import LabelData, validate


class Handlers:
    def __init__(self, jobs: Jobs) -> None:
        self.jobs = jobs
        self.settings = jobs.settings
        self.tz = ZoneInfo(self.settings.factory_timezone)

    def _product(self, code: str) -> str:
        return self.settings.label_product_names.get(code, code)

    def _local_date(self, value: Any) -> date:
        return datetime.fromisoformat(str(value)).astimezone(self.tz).date()

    async def on_lot_created(self, session: AsyncConnection, event: Envelope) -> None:
        d = event.data
        label = validate(
            LabelData(
                LabelType.LOT,
                d["lot_number"],
                self._product(d["product_model"]),
                date.fromisoformat(d["production_date"]),
                target_quantity=d["target_quantity"],
            )
        )
        printer = await repo.lot_printer(session)
        await repo.insert_jobs(session, [self.jobs.row(label, printer, source="event")])

    async def on_serials_allocated(self, session: AsyncConnection, event: Envelope) -> None:
        d = event.data
        created = (
            date.fromisoformat(d["created_date"])
            if d.get("created_date")
            else self._local_date(d["allocated_at"])
        )
        product = self._product(d["product_model"])
        printer, station = await self.jobs.printer_for(session, LabelType.SERIAL, d["lot_number"])
        if printer is None and station is not None:
            printer = await repo.serial_printer(session, None)
        rows = [
            self.jobs.row(
                validate(
                    LabelData(
                        LabelType.SERIAL, d["lot_number"], product, created, s["serial_number"]
                    )
                ),
                printer,
                source="event",
                station_id=station,
            )
            for s in d["serials"]
        ]
        await repo.insert_jobs(session, rows)

    async def on_process_started(self, session: AsyncConnection, event: Envelope) -> None:
        d = event.data
        if d["process_id"] != self.settings.serial_allocation_process or not d.get("station_id"):
            return
        await repo.set_lot_station(session, d["lot_number"], d["station_id"])


async def assign_printers(session: AsyncConnection, jobs: Jobs, now: datetime) -> int:
    """Give waiting jobs without a printer one, once it can be known: LOT labels the LOT
    printer; serial labels their LOT's station printer, or after `label_station_wait_seconds`
    without a station (serials.allocated may arrive before process.started) the default
    serial printer. Returns how many were assigned."""
    wait = jobs.settings.label_station_wait_seconds
    known: dict[tuple[str, str, bool], tuple[dict | None, str | None]] = {}

    async def resolve(job: dict[str, Any]) -> tuple[dict | None, str | None]:
        if job["label_type"] == LabelType.LOT:
            return await repo.lot_printer(session), None
        station = job["station_id"] or await repo.lot_station(session, job["lot_number"])
        printer = await repo.serial_printer(session, station) if station else None
        if printer is None and (station or (now - job["created_at"]).total_seconds() > wait):
            printer = await repo.serial_printer(session, None)
        return printer, station

    assigned = 0
    for job in await repo.lock_unassigned_jobs(session):
        late = (now - job["created_at"]).total_seconds() > wait
        key = (job["label_type"], job["lot_number"], late)
        if key not in known:
            known[key] = await resolve(job)
        printer, station = known[key]
        if printer is None:
            continue
        await repo.set_jobs(
            session,
            [job["id"]],
            printer_id=printer["printer_id"],
            station_id=printer["station_id"] or station,
            state=initial_state(printer),
            next_attempt_at=now,
        )
        assigned += 1
    return assigned
