"""label-service settings (environment, prefix `MES_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from servicekit.settings import ServiceSettings

DEMO_SERIAL_PRINTER = "PRINTER-07"  # seeded on dev stacks (seed.py)


class LabelSettings(ServiceSettings):
    service_name: str = "label-service"
    port: int = 8003
    factory_timezone: str = "Asia/Seoul"
    # Printed product name per product model code (lot.created carries only the code).
    label_product_names: dict[str, str] = Field(default_factory=lambda: {"WF": "Withforce"})

    # Printer I/O (seconds).
    label_connect_timeout: float = 3.0
    label_status_timeout: float = 2.0
    label_write_timeout: float = 20.0

    # Background dispatcher: poll interval, retry backoff (doubling, capped), give-up point.
    # (jobs queued by events wake it at commit; the poll finds retries that fell due)
    label_dispatch_interval: float = 2.0
    # The look with no job open (a new job wakes the dispatcher at once anyway).
    label_idle_dispatch_interval: float = 30.0
    label_retry_base_seconds: float = 2.0
    label_retry_max_seconds: float = 60.0
    label_max_attempts: int = 30
    label_batch_size: int = 200
    # The status poll of active network printers (printer.status_changed on a change).
    label_status_poll_seconds: float = 5.0
    # How long a serial job waits for its LOT's station before the default serial printer.
    label_station_wait_seconds: float = 30.0
    # The line's default serial printer (printer id) for serial labels whose start named no
    # station or whose station has no printer; unset: the active SERIAL printer of no station.
    label_default_serial_printer: str | None = None
    # A job left `sending` this long (its process died mid-send) is marked failed.
    label_stale_sending_seconds: float = 120.0

    # Hangul: the TrueType font the printers hold (ZPL `^CW` / TSPL / EZPL download name).
    label_zpl_hangul_font: str = "E:NANUMGOTHIC.TTF"
    label_tspl_hangul_font: str = "NANUMGOTHIC.TTF"
    label_ezpl_hangul_font: str = "A"
    # Font the PNG preview embeds for Hangul (TrueType or CFF OpenType); None = bundled Noto.
    label_preview_font: Path | None = None

    # Dev seeding (MES_ENV=dev, empty printer table): demo printers on loopback.
    label_seed_demo_printers: bool = True
    label_demo_printer_host: str = "127.0.0.1"
    label_demo_printer_port: int = 9101
    label_demo_serial_printer_port: int = 9107
    # Dev only (`./mes up` sets MES_DEV_PRINTER_EMULATORS=true): label-service itself runs
    # the demo printers' emulators on those ports, so labels print out of the box.
    dev_printer_emulators: bool = False

    @property
    def dev_default_serial_printer(self) -> str | None:
        """On a dev stack with demo printers: the demo serial printer, the last resort for
        serial labels, so `./mes demo`'s labels print without further set-up."""
        if self.env == "dev" and self.label_seed_demo_printers:
            return DEMO_SERIAL_PRINTER
        return None
