"""Every label job gets a printer or fails visibly (issue 15, items 8 and 11): starts of
the serial step without a station, no default printer, the configured default serial
printer, reprints and retries without printer_id, unprintable event data. Real HTTP,
PostgreSQL, Redis streams and printer emulators."""

from __future__ import annotations

import json
from typing import Any

from .conftest import LabelStack, eventually
from .test_events import BEFORE_0012, batches, lot_created, serials

# The line's default serial printer is a station printer (ST-07), named by the setting;
# it is registered only in the second test, so the first one runs without any default.
LABEL_SETTINGS = {
    "label_default_serial_printer": "PRINTER-LINE",
    "label_product_names": {"WF": "Withforce", "EM": "Robot \U0001f916"},
}
NO_STATION = None


async def _jobs(s: LabelStack, lot: str) -> list[dict[str, Any]]:
    r = await s.http.get(
        "/api/v1/label/jobs", params={"lot_number": lot, "limit": 500}, headers=s.headers("viewer")
    )
    assert r.status_code == 200, r.text
    return r.json()["data"]["items"]


async def _settled(s: LabelStack, lot: str, count: int, state: str) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]] | None:
        jobs = await _jobs(s, lot)
        return jobs if len(jobs) == count and {j["state"] for j in jobs} == {state} else None

    return await eventually(probe, within=20)


async def _failed_events(s: LabelStack, lot: str) -> list[dict[str, Any]]:
    entries = [json.loads(e[1][b"__data__"]) for e in await s.redis.xrange("labels.failed")]
    return [e for e in entries if e["data"]["lot_number"] == lot]


async def test_without_station_or_default_every_label_fails_visibly(
    label_stack: LabelStack,
) -> None:
    s = label_stack
    started = "WF-KR-251110D-201"  # PROC-007 started without a station
    await s.publish("serials.allocated", serials(started, 100, NO_STATION))
    jobs = await _settled(s, started, 100, "failed")
    assert {(j["printer_id"], j["last_error_code"]) for j in jobs} == {
        (None, "NO_PRINTER_ASSIGNED")
    }
    assert "default serial printer" in jobs[0]["last_error"]
    # One labels.failed for the LOT, every label listed (ADR 0012), not 100 events.
    [event] = await eventually(lambda: _failed_events(s, started))
    labels = event["data"]["labels"]
    assert len(labels) == 100 and event["version"] == 1
    assert {(x["printer_id"], x["error_code"], x["will_retry"]) for x in labels} == {
        (None, "NO_PRINTER_ASSIGNED", False)
    }

    # An entry from before ADR 0012 names no station: its jobs wait for one, then fail.
    unknown = "WF-KR-251110D-202"
    await s.publish("serials.allocated", serials(unknown, 3, BEFORE_0012))
    assert {j["last_error_code"] for j in await _settled(s, unknown, 3, "failed")} == {
        "NO_PRINTER_ASSIGNED"
    }
    lot_label = "WF-KR-251110D-203"  # no LOT printer either
    await s.publish("lot.created", lot_created(lot_label, 10))
    [job] = await _settled(s, lot_label, 1, "failed")
    assert job["label_type"] == "LOT" and job["last_error_code"] == "NO_PRINTER_ASSIGNED"

    worker = s.headers("worker", "W001")
    serial = f"{started}-0001"
    r = await s.http.post(
        "/api/v1/label/reprint", json={"serial_number": serial, "reason": "torn"}, headers=worker
    )
    assert r.status_code == 409 and r.json()["error_code"] == "NO_PRINTER_ASSIGNED", r.text
    r = await s.http.post(f"/api/v1/label/jobs/{jobs[0]['job_id']}/retry", headers=worker)
    assert r.status_code == 409 and r.json()["error_code"] == "NO_PRINTER_ASSIGNED", r.text
    for stream in ("serials.allocated", "lot.created"):
        assert await s.redis.xlen(f"{stream}.dlq") == 0  # no event failed
    [refused] = await batches(s, "labels.failed", unknown)
    assert len(refused["labels"]) == 3


async def test_the_default_serial_printer_prints_starts_without_a_station(
    label_stack: LabelStack,
) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-LINE", emu.port, purpose="SERIAL", station_id="ST-07")
    lot = "WF-KR-251110D-204"
    await s.publish("serials.allocated", serials(lot, 100, NO_STATION))
    assert len(await emu.wait_for_labels(100, within=20)) == 100
    jobs = await _settled(s, lot, 100, "sent")
    assert {(j["printer_id"], j["station_id"]) for j in jobs} == {("PRINTER-LINE", "ST-07")}

    other = "WF-KR-251110D-205"  # a station without a printer of its own
    await s.publish("serials.allocated", serials(other, 2, "ST-99"))
    assert {j["printer_id"] for j in await _settled(s, other, 2, "sent")} == {"PRINTER-LINE"}

    # The first test's labels: a failed job retried, a reprint without printer_id.
    earlier = "WF-KR-251110D-201"
    worker = s.headers("worker", "W001")
    failed = await _jobs(s, earlier)
    r = await s.http.post(f"/api/v1/label/jobs/{failed[0]['job_id']}/retry", headers=worker)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["printer_id"] == "PRINTER-LINE"
    r = await s.http.post(
        "/api/v1/label/reprint",
        json={"serial_number": f"{earlier}-0002", "reason": "torn"},
        headers=worker,
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["printer_id"] == "PRINTER-LINE"
    assert r.json()["data"]["state"] == "sent"
    marks = [f"^FD{earlier}-0001^FS".encode(), f"^FD{earlier}-0002^FS".encode()]
    await eventually(lambda: _printed(emu, marks))


async def _printed(emu: Any, marks: list[bytes]) -> bool:
    return all(any(m in label for label in emu.labels) for m in marks)


async def test_unprintable_event_data_fails_its_job_not_the_event(label_stack: LabelStack) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-LOT", emu.port, purpose="LOT")
    bad = "EM-KR-251110D-001"  # product name (from settings) with an emoji
    await s.publish("lot.created", {**lot_created(bad, 10), "product_model": "EM"})
    good = "WF-KR-251110D-206"
    await s.publish("lot.created", lot_created(good, 10))
    await emu.wait_for_labels(1)
    [job] = await _settled(s, bad, 1, "failed")
    assert job["last_error_code"] == "INVALID_LABEL_DATA"
    assert job["printer_id"] == "PRINTER-LOT" and job["label"]["product"] == "Robot \U0001f916"
    [event] = await eventually(lambda: _failed_events(s, bad))
    assert [x["error_code"] for x in event["data"]["labels"]] == ["INVALID_LABEL_DATA"]
    assert not any(bad.encode() in label for label in emu.labels)
    assert await s.redis.xlen("lot.created.dlq") == 0
    r = await s.http.post(f"/api/v1/label/jobs/{job['job_id']}/retry", headers=s.headers())
    assert r.status_code == 400 and r.json()["error_code"] == "INVALID_LABEL_DATA"


async def test_print_refuses_exactly_what_the_preview_refuses(label_stack: LabelStack) -> None:
    s = label_stack
    emu = await s.emulator("ZPL")
    await s.register("PRINTER-API", emu.port)
    lot = "WF-KR-251110D-207"
    base = {"label_type": "LOT", "lot_number": lot, "created_date": "2025-11-10"}
    cases = {
        "Withforce \U0001f916": 400,
        "\ufffd": 400,
        "With\u202eforce": 400,
        "With\u200bforce": 400,
        "^XA": 400,
        "위드포스 café": 200,
    }
    for product, status in cases.items():
        fields = {**base, "product_model": product, "target_quantity": 5}
        preview = await s.http.get(
            "/api/v1/label/preview", params=fields, headers=s.headers("viewer")
        )
        printed = await s.http.post(
            "/api/v1/label/print", json={**fields, "printer_id": "PRINTER-API"}, headers=s.headers()
        )
        assert (preview.status_code, printed.status_code) == (status, status), product
        if status == 400:
            assert preview.json()["error_code"] == printed.json()["error_code"]
            assert printed.json()["error_code"] == "INVALID_LABEL_DATA"
            assert preview.json()["data"] == printed.json()["data"], product
    assert len(emu.labels) == 1  # only the printable one reached the printer
    # Field rules are the same too: a preview with a bad quantity is what print answers.
    fields = {**base, "product_model": "Withforce", "target_quantity": 10000}
    preview = await s.http.get("/api/v1/label/preview", params=fields, headers=s.headers())
    printed = await s.http.post("/api/v1/label/print", json=fields, headers=s.headers())
    assert preview.status_code == printed.status_code == 400
    assert preview.json()["error_code"] == printed.json()["error_code"] == "INVALID_LABEL_DATA"
