"""Labels through the whole stack: a LOT created at the gateway is printed on the LOT
printer (the dev-seeded PRINTER-01, pointed at a printer emulator by an admin)."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime

from label_service.emulator import PrinterEmulator
from mes_cli.pytest_plugin import eventually

from .conftest import Client
from .production import KST, new_lot, run_through, start_body


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
        # Back to the port it had: later tests' LOT labels must not go to a stopped emulator.
        admin.patch("/api/v1/printers/PRINTER-01", json={"port": printers["PRINTER-01"]["port"]})
        printer.stop()
        admin.http.close()


def _serial_jobs(client: Client, lot: str) -> list[dict]:
    r = client.get("/api/v1/label/jobs", params={"lot_number": lot, "limit": 500})
    assert r.status_code == 200, r.text
    return [j for j in r.json()["data"]["items"] if j["label_type"] == "SERIAL"]


def _start_label_printing_without_station(manager: Client, worker: Client) -> str:
    """A LOT of 100 at PROC-007, started with no `station_id` (as `./mes demo` does)."""
    lot = new_lot(manager, worker, quantity=100)
    run_through(worker, lot, "PROC-006")
    at = datetime.now(KST).replace(microsecond=0)
    body = start_body(lot, "PROC-007", at)
    assert "station_id" not in body
    r = worker.post("/api/v1/process/start", json=body)
    assert r.status_code == 200, r.text
    return lot


def test_serial_labels_without_station_or_default_printer_fail_visibly(
    admin: Client, manager: Client, worker: Client, firmware_released: None
) -> None:
    """No station printer and no default serial printer (the dev stack's last resort, the
    demo PRINTER-07, is taken out of service here): every serial label job is `failed`
    NO_PRINTER_ASSIGNED, none waits without a printer."""
    r = admin.patch("/api/v1/printers/PRINTER-07", json={"active": False})
    assert r.status_code == 200, r.text
    try:
        lot = _start_label_printing_without_station(manager, worker)

        def all_failed() -> list[dict] | None:
            jobs = _serial_jobs(manager, lot)
            done = len(jobs) == 100 and {j["state"] for j in jobs} == {"failed"}
            return jobs if done else None

        jobs = eventually(all_failed, timeout=60)
        assert {(j["printer_id"], j["last_error_code"]) for j in jobs} == {
            (None, "NO_PRINTER_ASSIGNED")
        }
        r = worker.post(
            "/api/v1/label/reprint", json={"serial_number": f"{lot}-0001", "reason": "torn"}
        )
        assert r.status_code == 409 and r.json()["error_code"] == "NO_PRINTER_ASSIGNED", r.text
    finally:
        admin.patch("/api/v1/printers/PRINTER-07", json={"active": True})


def test_a_dev_stack_sends_serial_labels_without_station_to_the_demo_printer(
    manager: Client, worker: Client, firmware_released: None
) -> None:
    """As `./mes demo` does (no station_id): the dev stack's demo serial printer takes the
    labels, so a first run prints without set-up."""
    lot = _start_label_printing_without_station(manager, worker)

    def all_assigned() -> list[dict] | None:
        jobs = _serial_jobs(manager, lot)
        return jobs if len(jobs) == 100 and all(j["printer_id"] for j in jobs) else None

    jobs = eventually(all_assigned, timeout=60)
    assert {j["printer_id"] for j in jobs} == {"PRINTER-07"}
    assert "failed" not in {j["state"] for j in jobs}


def test_serial_labels_without_station_print_on_the_default_serial_printer(
    admin: Client, manager: Client, worker: Client, firmware_released: None
) -> None:
    """An admin registers the line's default serial printer (purpose SERIAL, no station):
    a PROC-007 start without station_id prints all 100 serial labels there, and a reprint
    without printer_id goes there too."""
    printer = ThreadedEmulator()
    printer_id = "PRINTER-LINE-E2E"
    body = {
        "printer_id": printer_id,
        "model": "Zebra ZT410 (emulated)",
        "language": "ZPL",
        "host": "127.0.0.1",
        "port": printer.emu.port,
        "purpose": "SERIAL",
    }
    r = admin.post("/api/v1/printers", json=body)
    assert r.status_code == 201, r.text
    try:
        lot = _start_label_printing_without_station(manager, worker)
        marks = {f"^FD{lot}-{n:04d}^FS".encode() for n in range(1, 101)}

        def all_printed() -> bool:
            got = {m for m in marks for label in list(printer.emu.labels) if m in label}
            return got == marks

        eventually(all_printed, timeout=60)

        def all_sent() -> list[dict] | None:
            jobs = _serial_jobs(manager, lot)
            return jobs if len(jobs) == 100 and {j["state"] for j in jobs} == {"sent"} else None

        jobs = eventually(all_sent, timeout=30)
        assert {j["printer_id"] for j in jobs} == {printer_id}
        r = worker.post(
            "/api/v1/label/reprint", json={"serial_number": f"{lot}-0042", "reason": "torn"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["data"]["printer_id"] == printer_id and r.json()["data"]["print_time"]
    finally:
        # Leave the shared stack as it was: no registered default serial printer.
        admin.patch(f"/api/v1/printers/{printer_id}", json={"active": False})
        printer.stop()


def test_print_refuses_what_the_preview_refuses(manager: Client, worker: Client) -> None:
    """An emoji product name: the preview and the print request give the same 400
    INVALID_LABEL_DATA (nothing is sent to a printer); a Hangul name previews."""
    fields = {
        "label_type": "LOT",
        "lot_number": "WF-KR-251110D-001",
        "product_model": "Withforce \U0001f916",
        "created_date": "2025-11-10",
        "target_quantity": 5,
    }
    preview = manager.get("/api/v1/label/preview", params=fields)
    printed = worker.post("/api/v1/label/print", json={**fields, "printer_id": "PRINTER-01"})
    assert preview.status_code == printed.status_code == 400, (preview.text, printed.text)
    assert preview.json()["error_code"] == printed.json()["error_code"] == "INVALID_LABEL_DATA"
    assert preview.json()["data"] == printed.json()["data"]
    assert printed.json()["data"]["characters"] == ["U+1F916"]
    jobs = manager.get("/api/v1/label/jobs", params={"lot_number": fields["lot_number"]})
    assert not [j for j in jobs.json()["data"]["items"] if "\U0001f916" in j["label"]["product"]]
    ok = manager.get("/api/v1/label/preview", params={**fields, "product_model": "위드포스"})
    assert ok.status_code == 200 and ok.content[:4] == b"\x89PNG"
