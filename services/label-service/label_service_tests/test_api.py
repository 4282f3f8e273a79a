"""POST /api/v1/label/print and friends over real HTTP, real PostgreSQL, real printers'
status answers (emulators on loopback ports)."""

from __future__ import annotations

import asyncio
import base64
import struct

from mes_label_drivers.drivers import PrinterState
from mes_label_drivers.serial_client import SerialPrinter

from .conftest import LabelStack, closed_port, eventually
from .test_transport import PtyPrinter


def serial_request(printer_id: str, seq: int = 1, lot: str = "WF-KR-251110D-010") -> dict:
    return {
        "label_type": "SERIAL",
        "serial_number": f"{lot}-{seq:04d}",
        "lot_number": lot,
        "product_model": "Withforce",
        "created_date": "2025-01-10",
        "printer_id": printer_id,
    }


async def test_registry_is_admin_only_and_announced(label_stack: LabelStack) -> None:
    s = label_stack
    body = {
        "printer_id": "PRINTER-90",
        "model": "TSC TTP-244 Pro",
        "language": "TSPL",
        "host": "127.0.0.1",
    }
    r = await s.http.post("/api/v1/printers", json=body, headers=s.headers("worker", "W001"))
    assert r.status_code == 403 and r.json()["error_code"] == "FORBIDDEN"
    r = await s.http.post("/api/v1/printers", json=body, headers=s.headers("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["data"]["port"] == 9100  # raw TCP default
    again = await s.http.post("/api/v1/printers", json=body, headers=s.headers("admin"))
    assert again.status_code == 409
    r = await s.http.patch(
        "/api/v1/printers/PRINTER-90",
        json={"dpi": 300, "station_id": "ST-03"},
        headers=s.headers("admin"),
    )
    assert r.status_code == 200 and r.json()["data"]["dpi"] == 300
    r = await s.http.get("/api/v1/printers/PRINTER-90", headers=s.headers("viewer"))
    assert r.json()["data"]["station_id"] == "ST-03"
    bad = await s.http.post(
        "/api/v1/printers",
        headers=s.headers("admin"),
        json={"printer_id": "PRINTER-91", "model": "x", "language": "ZPL", "transport": "SERIAL"},
    )
    assert bad.status_code == 400  # a serial printer needs its port and station

    async def announced() -> list[str]:
        entries = await s.redis.xrange("printer.updated") + await s.redis.xrange(
            "printer.registered"
        )
        return [e[1][b"__data__"] for e in entries if b"PRINTER-90" in e[1][b"__data__"]]

    assert len(await eventually(lambda: _at_least(announced, 2))) >= 2


async def _at_least(probe, n: int):
    found = await probe()
    return found if len(found) >= n else None


async def test_print_reaches_the_printer_and_answers_per_seed(label_stack: LabelStack) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-11", emu.port)
    r = await s.http.post(
        "/api/v1/label/print",
        json=serial_request("PRINTER-11"),
        headers=s.headers("worker", "W001", "w001"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["message"] == "라벨이 출력되었습니다"
    data = body["data"]
    assert data["label_type"] == "SERIAL" and data["serial_number"] == "WF-KR-251110D-010-0001"
    assert data["printer_id"] == "PRINTER-11" and data["print_time"].endswith("+00:00")
    labels = await emu.wait_for_labels(1)
    assert b"^FDWF-KR-251110D-010-0001^FS" in labels[0] and labels[0].startswith(b"^XA")
    job = await s.http.get(f"/api/v1/label/jobs/{data['job_id']}", headers=s.headers("viewer"))
    assert job.json()["data"]["state"] == "sent" and job.json()["data"]["worker_id"] == "W001"


async def test_printer_errors_map_to_the_contract(label_stack: LabelStack) -> None:
    s = label_stack
    paper_out = await s.emulator("ZPL", "paper_out")
    silent = await s.emulator("ZPL", "head_open", silent_faults=True)
    await s.register("PRINTER-12", paper_out.port)
    await s.register("PRINTER-13", closed_port())
    await s.register("PRINTER-14", silent.port)
    expected = {
        "PRINTER-12": ("PRINTER_OUT_OF_PAPER", "paper_out"),
        "PRINTER-13": ("PRINTER_NOT_CONNECTED", "offline"),
        "PRINTER-14": ("PRINTER_NOT_RESPONDING", "not_responding"),
        "PRINTER-99": ("PRINTER_NOT_FOUND", None),
    }
    for seq, (printer_id, (code, status)) in enumerate(expected.items(), start=2):
        r = await s.http.post(
            "/api/v1/label/print",
            json=serial_request(printer_id, seq),
            headers=s.headers("production_manager"),
        )
        body = r.json()
        assert body["status"] == "error" and body["error_code"] == code, (printer_id, body)
        assert r.status_code == (404 if status is None else 503)
        if status:
            assert body["data"]["printer_id"] == printer_id
            assert body["data"]["printer_status"] == status
    assert paper_out.labels == [] and paper_out.rejected == []
    for printer_id, state in [
        ("PRINTER-12", "paper_out"),
        ("PRINTER-13", "not_connected"),
        ("PRINTER-14", "not_responding"),
    ]:
        r = await s.http.get(f"/api/v1/printers/{printer_id}/status", headers=s.headers("viewer"))
        assert r.json()["data"]["state"] == state
    # The failed attempts are on record (not silently dropped), and not retried behind
    # the caller's back: they wait for a person to retry or reprint.
    await asyncio.sleep(0.5)
    assert await s.job_states(printer_id="PRINTER-12") == ["failed"]
    assert await s.job_states(printer_id="PRINTER-13") == ["failed"]


async def test_bad_label_data_is_invalid_label_data(label_stack: LabelStack) -> None:
    s = label_stack
    cases = [
        {**serial_request("PRINTER-11"), "serial_number": "WF-KR-251110D-099-0001"},
        {**serial_request("PRINTER-11"), "lot_number": "not-a-lot"},
        {**serial_request("PRINTER-11"), "product_model": "^XA^FDevil^XZ"},
        {
            "label_type": "LOT",
            "lot_number": "WF-KR-251110D-010",
            "product_model": "Withforce",
            "target_quantity": 0,
            "created_date": "2025-01-10",
        },
        {"label_type": "BOX"},
    ]
    for body in cases:
        r = await s.http.post("/api/v1/label/print", json=body, headers=s.headers("worker", "W001"))
        assert r.status_code == 400, r.text
        assert r.json()["error_code"] == "INVALID_LABEL_DATA", body
    r = await s.http.post(
        "/api/v1/label/print", json=serial_request("PRINTER-11"), headers=s.headers("viewer")
    )
    assert r.status_code == 403


async def test_reprint_needs_a_reason_and_is_recorded(label_stack: LabelStack) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-15", emu.port)
    worker = s.headers("worker", "W002", "w002")
    r = await s.http.post(
        "/api/v1/label/print", json=serial_request("PRINTER-15", 20), headers=worker
    )
    assert r.status_code == 200, r.text
    for body in (
        {"serial_number": "WF-KR-251110D-010-0020"},
        {"serial_number": "WF-KR-251110D-010-0020", "reason": "  "},
    ):
        r = await s.http.post("/api/v1/label/reprint", json=body, headers=worker)
        assert r.status_code == 400 and r.json()["error_code"] == "REASON_REQUIRED"
    contract_style = {**serial_request("PRINTER-15", 20), "reprint": True}
    r = await s.http.post("/api/v1/label/print", json=contract_style, headers=worker)
    assert r.json()["error_code"] == "REASON_REQUIRED"
    r = await s.http.post(
        "/api/v1/label/reprint",
        headers=worker,
        json={"serial_number": "WF-KR-251110D-010-0020", "reason": "라벨 손상"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["reprint"] is True
    await emu.wait_for_labels(2)
    r = await s.http.get(
        "/api/v1/label/reprints",
        params={"serial_number": "WF-KR-251110D-010-0020"},
        headers=s.headers("viewer"),
    )
    history = r.json()["data"]["items"]
    assert len(history) == 1
    entry = history[0]
    assert entry["reason"] == "라벨 손상" and entry["requested_by"] == "w002"
    assert entry["worker_id"] == "W002" and entry["printer_id"] == "PRINTER-15"
    assert entry["requested_at"]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


async def test_preview_renders_a_png(label_stack: LabelStack) -> None:
    s = label_stack
    params = {
        "label_type": "LOT",
        "lot_number": "WF-KR-251110D-010",
        "product_model": "위드포스",
        "created_date": "2025-01-10",
        "target_quantity": 100,
    }
    r = await s.http.get("/api/v1/label/preview", params=params, headers=s.headers("viewer"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert _png_size(r.content) == (799, 400)  # 100 x 50 mm at 203 dpi
    assert len(r.content) > 2000  # text, barcode and QR, not a blank page
    r = await s.http.get(
        "/api/v1/label/preview", params={**params, "dpi": 300}, headers=s.headers("viewer")
    )
    assert _png_size(r.content) == (1181, 591)
    jobs = await s.http.get(
        "/api/v1/label/jobs", params={"printer_id": "PRINTER-11"}, headers=s.headers("viewer")
    )
    job_id = jobs.json()["data"]["items"][0]["job_id"]
    r = await s.http.get(f"/api/v1/label/jobs/{job_id}/preview", headers=s.headers("viewer"))
    assert r.status_code == 200 and _png_size(r.content) == (799, 400)


async def test_workstation_prints_serial_port_jobs(label_stack: LabelStack) -> None:
    s = label_stack
    pty = PtyPrinter("ZPL")
    try:
        r = await s.http.post(
            "/api/v1/printers",
            headers=s.headers("admin"),
            json={
                "printer_id": "PRINTER-27",
                "model": "Zebra ZT230",
                "language": "ZPL",
                "transport": "SERIAL",
                "serial_port": "COM3",
                "baudrate": 9600,
                "station_id": "ST-27",
                "purpose": "SERIAL",
            },
        )
        assert r.status_code == 201, r.text
        r = await s.http.post(
            "/api/v1/label/print",
            json=serial_request("PRINTER-27", 30),
            headers=s.headers("worker", "W001"),
        )
        assert r.status_code == 202 and r.json()["data"]["state"] == "pending"
        # The workstation of ST-27 fetches its pending jobs, prints them, reports.
        r = await s.http.get(
            "/api/v1/label/jobs",
            headers=s.headers("worker", "W001"),
            params={"station_id": "ST-27", "state": "pending"},
        )
        items = r.json()["data"]["items"]
        assert [i["serial_number"] for i in items] == ["WF-KR-251110D-010-0030"]
        job = items[0]
        assert job["language"] == "ZPL" and job["serial_port"] == "COM3"
        content = base64.b64decode(job["content_base64"])
        printer = SerialPrinter(pty.path, job["baudrate"], job["language"])
        report = await asyncio.to_thread(printer.print_job, content)
        assert report.state is PrinterState.READY
        await eventually(lambda: _true(pty.device.labels))
        assert pty.device.labels == [content.strip()]
        r = await s.http.post(
            f"/api/v1/label/jobs/{job['job_id']}/result",
            json={"result": "printed"},
            headers=s.headers("worker", "W001"),
        )
        assert r.status_code == 200 and r.json()["data"]["state"] == "sent"
        assert await s.job_states(station_id="ST-27", state="pending") == []
    finally:
        pty.close()


async def _true(value):
    return value
