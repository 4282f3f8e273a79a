"""Serial label printers hanging off a station: label-service keeps their jobs pending for
the station; the workstation prints them over pyserial and reports back. The printers are
label-service's emulator behind `socket://` serial URLs (pyserial's network port)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from label_service.emulator import PrinterEmulator
from mes_workstation.events import LabelStatus

from .conftest import Client
from .production import new_lot
from .workstation_support import running_station, station_settings, wait_until


@contextmanager
def emulated_printer(state: str) -> Iterator[PrinterEmulator]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="printer-emulator", daemon=True)
    thread.start()
    try:
        start = PrinterEmulator("ZPL", state).start()
        emulator = asyncio.run_coroutine_threadsafe(start, loop).result(5)
        try:
            yield emulator
        finally:
            asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(5)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def register(admin: Client, printer_id: str, port: int, station_id: str) -> None:
    r = admin.post(
        "/api/v1/printers",
        json={
            "printer_id": printer_id,
            "model": "Zebra ZT230",
            "language": "ZPL",
            "transport": "SERIAL",
            "serial_port": f"socket://127.0.0.1:{port}",
            "station_id": station_id,
            "purpose": "SERIAL",
        },
    )
    assert r.status_code == 201, r.text


def print_serial(client: Client, lot: str, seq: int, printer_id: str) -> str:
    r = client.post(
        "/api/v1/label/print",
        json={
            "label_type": "SERIAL",
            "serial_number": f"{lot}-{seq:04d}",
            "lot_number": lot,
            "product_model": "Withforce",
            "created_date": date.today().isoformat(),
            "printer_id": printer_id,
        },
    )
    assert r.status_code == 202, r.text  # queued for the station, not printed by the server
    assert r.json()["data"]["state"] == "pending"
    return r.json()["data"]["job_id"]


def job_state(client: Client, job_id: str) -> dict:
    r = client.get(f"/api/v1/label/jobs/{job_id}")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_station_prints_its_serial_jobs_and_reports_each_outcome(
    gateway: str, manager: Client, worker: Client, admin: Client, tmp_path: Path
) -> None:
    lot = new_lot(manager, worker, quantity=3)
    station_id = f"WS-LBL-{lot[-7:]}"
    settings = station_settings(
        tmp_path / "work",
        gateway,
        station_id=station_id,
        label_printing=True,
        label_poll_seconds=0.3,
    )
    with emulated_printer("ready") as ready, emulated_printer("paper_out") as empty:
        register(admin, f"PRN-A-{lot[-7:]}", ready.port, station_id)
        register(admin, f"PRN-B-{lot[-7:]}", empty.port, station_id)
        printed = [print_serial(worker, lot, n, f"PRN-A-{lot[-7:]}") for n in (1, 2)]
        refused = print_serial(worker, lot, 3, f"PRN-B-{lot[-7:]}")
        with running_station(settings) as station:
            wait_until(lambda: len(ready.labels) == 2, 20, "two labels printed")
            wait_until(lambda: job_state(worker, refused)["state"] == "failed", 10, "reported")
            wait_until(
                lambda: {job_state(worker, j)["state"] for j in printed} == {"sent"}, 10, "sent"
            )
            statuses = station.on_event.of(LabelStatus)
        assert [s.printed for s in statuses][-1] == 2
        assert [s.failed for s in statuses][-1] == 1
        assert all(f"{lot}-{n:04d}".encode() in ready.labels[n - 1] for n in (1, 2))
        assert not empty.labels and not empty.rejected  # asked first, sent nothing
    failed = job_state(worker, refused)
    assert failed["last_error_code"] == "PRINTER_OUT_OF_PAPER"
    assert "paper_out" in failed["last_error"]
