"""Which printer prints a label: one resolution for event-driven jobs, the dispatcher,
print requests without `printer_id`, reprints and retries (ADR 0005, ADR 0009).

- LOT label: the active `purpose=LOT` printer, else an `ANY` printer of no station.
- Serial label: the serial printer of the station that started the LOT's serial step
  (`MES_SERIAL_ALLOCATION_PROCESS`, named in the LOT's serials.allocated, ADR 0012); if
  that start named no station, or the station has no printer: the line's default serial printer — `MES_LABEL_DEFAULT_SERIAL_PRINTER` if set
  and active, else the active `purpose=SERIAL` printer of no station (registered by an
  admin, `POST /api/v1/printers`).
- No printer: the job fails visibly with `NO_PRINTER_ASSIGNED`. The only wait is for a
  station not known yet (a serials.allocated from before ADR 0012 carried none), at most
  `MES_LABEL_STATION_WAIT_SECONDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mes_contracts.enums import LabelType
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .settings import LabelSettings

NO_PRINTER_MESSAGE = (
    "no printer serves this label: register the station's serial printer or a default "
    "serial printer (purpose SERIAL, no station; or MES_LABEL_DEFAULT_SERIAL_PRINTER), "
    "then retry"
)


@dataclass(frozen=True)
class Choice:
    printer: dict[str, Any] | None
    station: str | None
    settled: bool  # False: the station may still become known; ask again later

    @property
    def station_id(self) -> str | None:
        return (self.printer or {}).get("station_id") or self.station


async def default_serial_printer(
    session: AsyncConnection, settings: LabelSettings
) -> dict[str, Any] | None:
    """The configured default, else the SERIAL printer of no station, else (dev stacks
    with demo printers) the demo serial printer."""
    if settings.label_default_serial_printer:
        printer = await repo.get_printer(session, settings.label_default_serial_printer)
        if printer is not None and printer["active"]:
            return printer
    printer = await repo.serial_printer(session, None)
    if printer is None and settings.dev_default_serial_printer:
        printer = await repo.get_printer(session, settings.dev_default_serial_printer)
        if printer is not None and not printer["active"]:
            printer = None
    return printer


async def choose(
    session: AsyncConnection,
    settings: LabelSettings,
    label_type: LabelType,
    lot_number: str,
    *,
    waited: bool,
) -> Choice:
    """The printer for a new label of this LOT. `waited`: stop waiting for the station
    (a person is waiting, or the job has waited long enough)."""
    if label_type is LabelType.LOT:
        return Choice(await repo.lot_printer(session), None, True)
    known, station = await repo.lot_station(session, lot_number)
    printer = await repo.serial_printer(session, station) if station else None
    if printer is None and (known or waited):
        printer = await default_serial_printer(session, settings)
    return Choice(printer, station, known or waited or printer is not None)
