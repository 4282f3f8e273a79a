"""The demo printers' emulators inside label-service on a dev stack (ADR 0013).

`./mes up` sets MES_DEV_PRINTER_EMULATORS=true: then, with MES_ENV=dev and the demo
printers seeded (seed.py), label-service itself listens on their loopback ports with the
emulator (emulator.py), so the first LOT's label prints without anything else to start.
A port already taken (another replica, another dev stack) is left to whoever has it.
"""

from __future__ import annotations

import asyncio
import contextlib

from servicekit.logging import get_logger

from .emulator import PrinterEmulator
from .seed import demo_printers
from .settings import LabelSettings

log = get_logger(__name__)
KEEP_LABELS = 100  # what an emulator remembers; a dev stack may print for days


def wanted(settings: LabelSettings) -> bool:
    return (
        settings.env == "dev"
        and settings.dev_printer_emulators
        and settings.label_seed_demo_printers
    )


async def serve(settings: LabelSettings) -> None:
    """Run the demo printers' emulators until cancelled (a background task of the app)."""
    emulators: list[PrinterEmulator] = []
    for body in demo_printers(settings):
        emulator = PrinterEmulator(body.language, host=body.host or "127.0.0.1")
        try:
            await emulator.start(body.port or 9100)
        except OSError as exc:
            log.info(
                "demo printer emulator not started: port taken",
                printer_id=body.printer_id,
                port=body.port,
                error=str(exc),
            )
            continue
        log.info("demo printer emulator listening", printer_id=body.printer_id, port=body.port)
        emulators.append(emulator)
    try:
        while True:
            await asyncio.sleep(5)
            for emulator in emulators:
                del emulator.labels[:-KEEP_LABELS]
                del emulator.rejected[:-KEEP_LABELS]
    finally:
        for emulator in emulators:
            with contextlib.suppress(Exception):
                await emulator.stop()
