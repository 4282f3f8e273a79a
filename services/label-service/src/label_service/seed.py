"""Dev seeding: two demo printers on loopback when MES_ENV=dev and no printer exists.

PRINTER-01 (ZPL, LOT labels) on MES_LABEL_DEMO_PRINTER_PORT (9101) and PRINTER-07 (ZPL,
serial labels of station ST-07, and the dev default serial printer) on
MES_LABEL_DEMO_SERIAL_PRINTER_PORT (9107), both at MES_LABEL_DEMO_PRINTER_HOST. `./mes up`
runs their emulators inside label-service (demo_printers.py); elsewhere start them by
hand (`python -m label_service.emulator --port 9101`), or the jobs wait for the printer
(backing off) and stay visible (`GET /api/v1/label/jobs`).
"""

from __future__ import annotations

from mes_contracts.api.printers import PrinterBody
from mes_contracts.enums import PrinterLanguage, PrinterPurpose
from mes_contracts.errors import MesError
from servicekit.runtime import ServiceRuntime

from . import printers as registry
from . import repository as repo
from .jobs import SYSTEM
from .settings import DEMO_SERIAL_PRINTER, LabelSettings


def demo_printers(settings: LabelSettings) -> list[PrinterBody]:
    host = settings.label_demo_printer_host
    common = {"model": "Zebra ZT410 (emulated)", "language": PrinterLanguage.ZPL, "host": host}
    return [
        PrinterBody(
            printer_id="PRINTER-01",
            name="LOT label printer",
            port=settings.label_demo_printer_port,
            purpose=PrinterPurpose.LOT,
            **common,
        ),
        PrinterBody(
            printer_id=DEMO_SERIAL_PRINTER,
            name="ST-07 serial label printer",
            port=settings.label_demo_serial_printer_port,
            station_id="ST-07",
            purpose=PrinterPurpose.SERIAL,
            **common,
        ),
    ]


async def seed_demo_printers(runtime: ServiceRuntime, settings: LabelSettings) -> int:
    """Idempotent: does nothing unless dev, enabled and the printer table is empty."""
    if settings.env != "dev" or not settings.label_seed_demo_printers:
        return 0
    seeded = 0
    async with runtime.db.transaction() as session:  # type: ignore[union-attr]
        if await repo.count_printers(session):
            return 0
        for body in demo_printers(settings):
            try:
                await registry.register(runtime, session, body, SYSTEM)
                seeded += 1
            except MesError:  # another replica seeded it first: keep what is there
                continue
    return seeded
