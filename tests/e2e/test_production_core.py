"""LOTs, serials and process start/completion through the gateway (SPEC §3–§7, TC-LOT-*,
TC-SN-*, TC-PROC-*)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from lot_service.settings import LotSettings
from mes_cli.pytest_plugin import eventually

from .conftest import Client
from .production import (
    KST,
    complete_body,
    dispose,
    new_lot,
    run_process,
    run_through,
    start_body,
    station_file,
)

LOT_RE = re.compile(r"^WF-KR-(\d{6})([DN])-(\d{3})$")


#: The shift calendar lot-service builds from the same environment (the stack inherits ours);
#: its boundaries are unit-tested in lot_service_tests/test_lot_rules.py.
CALENDAR = LotSettings().calendar()


def test_lot_number_format_and_daily_sequence(manager: Client):  # TC-LOT-001, TC-LOT-002
    numbers = []
    for shift in ("D", "N", "D"):
        r = manager.post("/api/v1/lots", json={"product_model": "WF", "shift": shift})
        assert r.status_code == 201, r.text
        data = r.json()["data"]
        assert data["status"] == "CREATED" and data["target_quantity"] == 100
        m = LOT_RE.match(data["lot_number"])
        assert m, data["lot_number"]
        # The date of the LOT's own creation instant, not of this test's clock a moment
        # later: no flake when a create straddles 08:00 or midnight KST.
        day = CALENDAR.production_date(datetime.fromisoformat(data["created_at"]), shift)
        assert data["production_date"] == day.isoformat()
        assert m.group(1) == f"{day:%y%m%d}" and m.group(2) == shift
        numbers.append(data)
    same_day = [n for n in numbers if n["production_date"] == numbers[0]["production_date"]]
    seqs = [n["sequence"] for n in same_day]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "consecutive within a production date"


def test_fifty_simultaneous_creates_get_fifty_consecutive_numbers(gateway: str, manager: Client):
    token = manager.headers["Authorization"]

    def create(_: int) -> httpx.Response:
        return httpx.post(
            gateway + "/api/v1/lots",
            json={"product_model": "WF", "shift": "D", "target_quantity": 5},
            headers={"Authorization": token},
            timeout=60,
        )

    with ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(create, range(50)))
    assert [r.status_code for r in answers] == [201] * 50, [
        r.text for r in answers if r.status_code != 201
    ]
    data = [r.json()["data"] for r in answers]
    assert len({d["lot_number"] for d in data}) == 50
    by_date: dict[str, list[int]] = {}
    for d in data:
        by_date.setdefault(d["production_date"], []).append(d["sequence"])
    for seqs in by_date.values():
        seqs.sort()
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "no gap, no duplicate"


def test_a_taken_lot_number_is_never_issued_twice(manager: Client, stack):  # TC-LOT-004
    import asyncio

    import asyncpg

    first = manager.post("/api/v1/lots", json={"product_model": "WF", "shift": "D"}).json()["data"]
    taken_seq = first["sequence"] + 1
    # The next number of the same day and shift ("WF-KR-YYMMDDD-NNN"; it read "…DD-NNN",
    # a number the service would never issue, so nothing was tested).
    taken = f"{first['lot_number'].rsplit('-', 1)[0]}-{taken_seq:03d}"
    dsn = stack.database_url.replace("postgresql+asyncpg://", "postgresql://")

    async def sql(query: str, *args: object) -> list:
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    # A LOT with the next number already exists (say, entered by hand during a migration).
    day = datetime.fromisoformat(first["production_date"]).date()
    asyncio.run(
        sql(
            "INSERT INTO lot.lots (lot_number, product_model, factory, production_date, shift, sequence,"
            " target_quantity, status, created_at, created_by, updated_at)"
            " VALUES ($1, 'WF', 'KR', $2, 'D', $3, 1, 'CREATED', now(), 'legacy', now())",
            taken,
            day,
            taken_seq,
        )
    )
    r = manager.post("/api/v1/lots", json={"product_model": "WF", "shift": "D"})
    assert r.status_code == 201, r.text
    issued = r.json()["data"]
    assert issued["lot_number"] != taken and issued["sequence"] > taken_seq
    rows = asyncio.run(sql("SELECT created_by FROM lot.lots WHERE lot_number = $1", taken))
    assert [row["created_by"] for row in rows] == ["legacy"]  # the existing LOT is untouched
    # The hand-entered row never had a lot.created: other services do not know it, and the
    # stack's later checks compare their views with lot-service's (TC-DASH-001).
    asyncio.run(sql("DELETE FROM lot.lots WHERE lot_number = $1", taken))


def test_lot_lookup_shows_each_process_status(
    manager: Client, worker: Client, firmware_released
):  # TC-LOT-006
    lot = new_lot(manager, worker)
    run_process(worker, lot, "PROC-001")
    at = datetime.now(KST).replace(microsecond=0)
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-002", at)).status_code
        == 200
    )

    def statuses() -> dict | None:
        d = manager.get(f"/api/v1/lots/{lot}").json()["data"]
        s = {p["process_id"]: p["status"] for p in d["processes"]}
        return d if s.get("PROC-002") == "IN_PROGRESS" else None

    data = eventually(statuses)
    assert data["status"] == "IN_PROGRESS"
    steps = {p["process_id"]: p for p in data["processes"]}
    assert len(steps) == 8
    assert steps["PROC-001"]["status"] == "COMPLETED" and steps["PROC-001"]["result"] == "PASS"
    assert steps["PROC-001"]["worker_id"] == "W001"
    assert steps["PROC-002"]["status"] == "IN_PROGRESS"
    assert all(steps[f"PROC-00{i}"]["status"] == "NOT_STARTED" for i in range(3, 9))
    assert data["progress_percent"] == 12


def test_lot_completes_when_the_last_process_completes(
    manager: Client, worker: Client, firmware_released
):  # TC-LOT-005
    lot = new_lot(manager, worker, quantity=12)
    run_through(worker, lot, "PROC-008")
    data = eventually(
        lambda: (
            (d := manager.get(f"/api/v1/lots/{lot}").json()["data"])["status"] == "COMPLETED" and d
        )
    )
    history = [(h["from_status"], h["to_status"]) for h in data["status_history"]]
    assert history == [(None, "CREATED"), ("CREATED", "IN_PROGRESS"), ("IN_PROGRESS", "COMPLETED")]
    assert all(h["changed_by"] for h in data["status_history"])
    assert data["progress_percent"] == 100
    closed = manager.post(f"/api/v1/lots/{lot}/close", json={"reason": "shipped"})
    assert closed.status_code == 200 and closed.json()["data"]["status"] == "CLOSED"
    # A closed LOT takes no more work. process-service learns of the close by event: until
    # then the start is refused as what it also is, a duplicate of the passed PROC-008.
    at = datetime.now(KST)
    refusals = []
    r = eventually(
        lambda: (
            refusals.append(
                x := worker.post("/api/v1/process/start", json=start_body(lot, "PROC-008", at))
            )
            or (x.status_code == 409 and x.json()["error_code"] == "LOT_CLOSED" and x)
        )
    )
    assert r.json()["error_code"] == "LOT_CLOSED"
    assert {(x.status_code, x.json()["error_code"]) for x in refusals} <= {
        (409, "LOT_CLOSED"),
        (409, "DUPLICATE_START"),
    }


def test_serials_are_allocated_at_label_printing_start(
    manager: Client, worker: Client, firmware_released
):  # TC-SN-001/002/005
    lot = new_lot(manager, worker, quantity=25)
    run_through(worker, lot, "PROC-006")
    assert manager.get(f"/api/v1/lots/{lot}/serials").json()["data"]["total"] == 0
    at = datetime.now(KST).replace(microsecond=0)
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-007", at)).status_code
        == 200
    )
    serials = eventually(
        lambda: (
            (d := manager.get(f"/api/v1/lots/{lot}/serials").json()["data"])["total"] == 25 and d
        )
    )
    numbers = [s["serial_number"] for s in serials["items"]]
    assert numbers == [f"{lot}-{i:04d}" for i in range(1, 26)]
    assert {s["status"] for s in serials["items"]} == {"CREATED"}
    one = manager.get(f"/api/v1/serials/{numbers[0]}").json()["data"]
    assert one["lot_number"] == lot

    # PROC-007 fails, its NCR says rework, and it is started again: no second allocation.
    failed = dict(
        complete_body(lot, "PROC-007", at),
        process_data={
            "label_printed": True,
            "printer_id": "PRINTER-07",
            "print_time": at.isoformat(),
            "barcode_verified": False,
        },
    )
    r = worker.post("/api/v1/process/complete", json=failed)
    assert r.status_code == 200 and r.json()["data"]["result"] == "FAIL"
    dispose(manager, r.json()["data"]["ncr_number"])
    at2 = datetime.now(KST).replace(microsecond=0)
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-007", at2)).status_code
        == 200
    )
    # A replacement unit continues the numbering; numbers are never reissued.
    r = manager.post(f"/api/v1/lots/{lot}/serials", json={"reason": "unit 3 dropped, replaced"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["serial_number"] == f"{lot}-0026"
    assert r.json()["data"]["replacement_reason"] == "unit 3 dropped, replaced"
    final = manager.get(f"/api/v1/lots/{lot}/serials").json()["data"]
    assert final["total"] == 26 and len({s["serial_number"] for s in final["items"]}) == 26
    # A damaged unit is marked failed with its reason.
    r = manager.patch(
        f"/api/v1/serials/{numbers[2]}", json={"status": "FAILED", "reason": "dropped"}
    )
    assert r.status_code == 200 and r.json()["data"]["status"] == "FAILED"


def test_start_answers_per_contract(manager: Client, worker: Client):  # TC-PROC-001
    lot = new_lot(manager, worker)
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "success" and body["message"] == "착공이 등록되었습니다"
    data = body["data"]
    assert set(data) == {
        "lot_number",
        "process_id",
        "process_name",
        "worker_id",
        "start_time",
        "work_order_id",
        "sequence_number",
    }
    assert data["sequence_number"] == 1 and data["worker_id"] == "W001"
    assert re.match(r"^WO-\d{8}-\d{3,}$", data["work_order_id"])
    assert data["start_time"] == at.isoformat()


def test_out_of_order_and_duplicate_starts_are_refused(
    manager: Client, worker: Client
):  # TC-PROC-002/006
    lot = new_lot(manager, worker)
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-003", at))
    assert r.status_code == 400
    body = r.json()
    assert body["error_code"] == "PREVIOUS_PROCESS_NOT_COMPLETED"
    assert body["data"]["current_process"] == "센서 검사"
    assert body["data"]["previous_process"] == "LMA 조립"
    assert "LMA 조립" in body["data"]["required_action"]

    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at)).status_code
        == 200
    )
    dup = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
    assert dup.status_code == 409 and dup.json()["error_code"] == "DUPLICATE_START"
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-002", at))
    assert r.status_code == 400 and r.json()["error_code"] == "PREVIOUS_PROCESS_NOT_COMPLETED"
    unknown = worker.post(
        "/api/v1/process/start", json={**start_body(lot, "PROC-001", at), "process_id": "PROC-009"}
    )
    assert unknown.status_code == 400 and unknown.json()["error_code"] == "INVALID_PROCESS_SEQUENCE"

    # Going back after later steps started is an invalid sequence.
    worker.post("/api/v1/process/complete", json=complete_body(lot, "PROC-001", at))
    run_process(worker, lot, "PROC-002")
    back = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
    assert back.status_code in (400, 409)
    assert back.json()["error_code"] in ("INVALID_PROCESS_SEQUENCE", "DUPLICATE_START")


def test_unknown_lot_worker_and_unstarted_completion(
    manager: Client, worker: Client, admin: Client
):
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body("WF-KR-000101D-999", "PROC-001", at))
    assert r.status_code == 404 and r.json()["error_code"] == "LOT_NOT_FOUND"
    lot = new_lot(manager, worker)
    r = admin.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at, worker_id="W404"))
    assert r.status_code == 404 and r.json()["error_code"] == "WORKER_NOT_FOUND"
    r = worker.post("/api/v1/process/complete", json=complete_body(lot, "PROC-001", at))
    assert r.status_code == 409 and r.json()["error_code"] == "PROCESS_NOT_STARTED"
    # A worker may not act under another worker's id.
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at, worker_id="W002"))
    assert r.status_code == 403 and r.json()["error_code"] == "FORBIDDEN"


def test_missing_required_field_is_named(
    manager: Client, worker: Client, firmware_released
):  # TC-PROC-004
    lot = new_lot(manager, worker)
    run_through(worker, lot, "PROC-002")
    at = datetime.now(KST).replace(microsecond=0)
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-003", at)).status_code
        == 200
    )
    body = station_file("invalid", "missing-tof_sensor")
    body.update(
        lot_number=lot,
        start_time=at.isoformat(),
        complete_time=(at + timedelta(minutes=5)).isoformat(),
    )
    r = worker.post("/api/v1/process/complete", json=body)
    assert r.status_code == 400
    assert r.json()["error_code"] == "MISSING_REQUIRED_FIELD"
    assert r.json()["data"]["field"] == "process_data.tof_sensor"
    # Malformed request bodies get the contract's body too, never a bare 422.
    r = worker.post(
        "/api/v1/process/complete",
        content=b'{"lot_number": "WF-KR',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["status"] == "error"


def test_fail_is_recorded_as_a_defect_and_double_completion_once(
    manager: Client, worker: Client, firmware_released
):
    lot = new_lot(manager, worker)
    run_through(worker, lot, "PROC-002")
    at = datetime.now(KST).replace(microsecond=0)
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-003", at)).status_code
        == 200
    )
    body = station_file("invalid", "defect-is-valid-but-FAIL")
    body.update(
        lot_number=lot,
        start_time=at.isoformat(),
        complete_time=(at + timedelta(minutes=5)).isoformat(),
    )
    first = worker.post("/api/v1/process/complete", json=body)
    assert first.status_code == 200, first.text
    data = first.json()["data"]
    assert data["result"] == "FAIL" and data["already_recorded"] is False
    [defect] = data["defects"]
    assert defect["check"] == "temp_sensor"
    assert defect["measured"] == 62.4 and defect["target"] == 60.0 and defect["tolerance"] == 1.0

    again = worker.post("/api/v1/process/complete", json=body)
    assert again.status_code == 200
    assert again.json()["data"]["already_recorded"] is True
    assert again.json()["data"]["work_order_id"] == data["work_order_id"]
    different = dict(body, complete_time=(at + timedelta(minutes=6)).isoformat())
    r = worker.post("/api/v1/process/complete", json=different)
    assert r.status_code == 409 and r.json()["error_code"] == "PROCESS_ALREADY_COMPLETED"
    history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"]
    attempts = next(p for p in history if p["process_id"] == "PROC-003")["attempts"]
    assert len(attempts) == 1 and attempts[0]["result"] == "FAIL"


def test_worker_and_times_are_stored_to_the_second(
    manager: Client, worker: Client
):  # TC-PROC-007/008
    lot = new_lot(manager, worker)
    # Times near the MES clock (ADR 0008), in another offset than the server's.
    start = datetime.now(ZoneInfo("America/New_York")).replace(microsecond=0)
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", start)).status_code
        == 200
    )
    body = complete_body(lot, "PROC-001", start)
    body["complete_time"] = (start + timedelta(seconds=41)).isoformat()
    assert worker.post("/api/v1/process/complete", json=body).status_code == 200
    history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"]
    [attempt] = history[0]["attempts"]
    assert attempt["worker_id"] == "W001" and attempt["complete_worker_id"] == "W001"
    assert attempt["start_time"] == start.isoformat()
    assert attempt["complete_time"] == body["complete_time"]


def test_naive_times_are_refused(manager: Client, worker: Client):
    lot = new_lot(manager, worker)
    body = start_body(lot, "PROC-001", datetime.now(KST))
    body["start_time"] = "2026-01-05T09:00:00"
    r = worker.post("/api/v1/process/start", json=body)
    assert r.status_code == 400 and r.json()["data"]["field"] == "start_time"


@pytest.mark.parametrize(
    "payload",
    [
        {"product_model": "WF", "shift": "D", "target_quantity": 0},
        {"product_model": "WF", "shift": "D", "target_quantity": 10001},
        {"product_model": "ZZ", "shift": "D"},
    ],
)
def test_bad_lot_requests(manager: Client, payload: dict):
    r = manager.post("/api/v1/lots", json=payload)
    assert r.status_code in (400, 404)
    assert r.json()["status"] == "error"
