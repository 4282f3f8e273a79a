"""Labels through the whole stack: a LOT created at the gateway is printed on the LOT
printer (the dev-seeded PRINTER-01, pointed at a printer emulator by an admin)."""

from __future__ import annotations

import asyncio
import threading

from label_service.emulator import PrinterEmulator
from mes_cli.pytest_plugin import eventually

from .conftest import Client


class ThreadedEmulator:
    """A printer emulator on its own event loop (the e2e tests are synchronous)."""

    def __init__(self, language: str = "ZPL") -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        start = PrinterEmulator(language).start()
        self.emu = asyncio.run_coroutine_threadsafe(start, self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.emu.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def test_lot_label_printed_after_lot_creation(gateway: str, manager: Client) -> None:
    admin = Client(gateway, "admin", "demo-admin-1234")
    printers = {p["printer_id"]: p for p in admin.get("/api/v1/printers").json()["data"]}
    assert printers["PRINTER-01"]["purpose"] == "LOT"  # dev seeding
    assert printers["PRINTER-07"]["station_id"] == "ST-07"
    printer = ThreadedEmulator()
    try:
        r = admin.patch("/api/v1/printers/PRINTER-01", json={"port": printer.emu.port})
        assert r.status_code == 200, r.text
        r = manager.post(
            "/api/v1/lots", json={"product_model": "WF", "target_quantity": 30, "shift": "D"}
        )
        assert r.status_code == 201, r.text
        lot = r.json()["data"]["lot_number"]
        wanted = f"^FD{lot}^FS".encode()
        label = eventually(lambda: next((x for x in printer.emu.labels if wanted in x), None))
        assert b"^FDQTY: 30^FS" in label and b"^BCN" in label and b"^BQN" in label

        def sent() -> list | None:
            r = manager.get("/api/v1/label/jobs", params={"lot_number": lot})
            jobs = r.json()["data"]["items"]
            return jobs if jobs and jobs[0]["state"] == "sent" else None

        job = eventually(sent)[0]
        assert job["printer_id"] == "PRINTER-01" and job["label_type"] == "LOT"
        preview = manager.get(f"/api/v1/label/jobs/{job['job_id']}/preview")
        assert preview.status_code == 200 and preview.content[:4] == b"\x89PNG"
    finally:
        printer.stop()
        admin.http.close()
