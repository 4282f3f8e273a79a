"""Edges of production through the gateway (issue 15, ADR 0008): replacement serials
before and racing the allocation, completions against their recorded start, implausible
and unrepresentable times, and process names checked against the routing."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from mes_cli.pytest_plugin import eventually

from .conftest import Client
from .production import KST, complete_body, new_lot, run_process, run_through, start_body


def _now() -> datetime:
    return datetime.now(KST).replace(microsecond=0)


def _error(r: httpx.Response, status: int, code: str, field: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["status"] == "error" and body["error_code"] == code, body
    if field is not None:
        assert body["data"]["field"] == field, body
    return body["data"]


def _serials(manager: Client, lot: str) -> list[dict[str, Any]]:
    r = manager.get(f"/api/v1/lots/{lot}/serials")
    assert r.status_code == 200, r.text
    return r.json()["data"]["items"]


REPLACE = {"reason": "unit dropped, replaced"}


# -- item 2: replacement serials ----------------------------------------------------------
def test_a_replacement_before_the_lots_serials_is_refused(
    manager: Client, worker: Client, firmware_released
):
    lot = new_lot(manager, worker, quantity=3)
    run_through(worker, lot, "PROC-006")
    data = _error(
        manager.post(f"/api/v1/lots/{lot}/serials", json=REPLACE), 409, "SERIALS_NOT_ALLOCATED"
    )
    assert data["lot_number"] == lot and data["allocation_process"] == "PROC-007"
    assert _serials(manager, lot) == []

    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-007", _now()))
    assert r.status_code == 200, r.text
    eventually(lambda: len(_serials(manager, lot)) == 3)
    r = manager.post(f"/api/v1/lots/{lot}/serials", json=REPLACE)
    assert r.status_code == 201, r.text
    assert r.json()["data"]["serial_number"] == f"{lot}-0004"
    serials = _serials(manager, lot)
    assert [s["serial_number"] for s in serials] == [f"{lot}-{i:04d}" for i in range(1, 5)]
    assert [s["replacement_reason"] for s in serials] == [None, None, None, REPLACE["reason"]]


def test_replacements_racing_the_allocation_leave_exact_totals(
    gateway: str, manager: Client, worker: Client, firmware_released
):
    quantity, racers = 5, 12
    lot = new_lot(manager, worker, quantity=quantity)
    run_through(worker, lot, "PROC-006")
    token = manager.headers["Authorization"]
    go = threading.Barrier(racers + 1)

    def replace_until_accepted(_: int) -> list[httpx.Response]:
        answers: list[httpx.Response] = []
        with httpx.Client(base_url=gateway, headers={"Authorization": token}, timeout=30) as c:
            # One before the start, surely refused; the rest race the allocation.
            answers.append(c.post(f"/api/v1/lots/{lot}/serials", json=REPLACE))
            go.wait()
            # Until the allocation (an event lot-service consumes) lets one through; on a
            # loaded machine that takes a while, so the bound is time, not a count.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                answers.append(c.post(f"/api/v1/lots/{lot}/serials", json=REPLACE))
                if answers[-1].status_code != 409:
                    break
                time.sleep(0.01)
        return answers

    with ThreadPoolExecutor(racers) as pool:
        running = [pool.submit(replace_until_accepted, i) for i in range(racers)]
        go.wait()
        started = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-007", _now()))
        answers = [a for f in running for a in f.result()]
    assert started.status_code == 200, started.text

    accepted = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(accepted) == racers, [a.text for a in answers if a.status_code not in (201, 409)]
    assert refused, "the replacements started before the allocation"
    assert {a.json()["error_code"] for a in refused} == {"SERIALS_NOT_ALLOCATED"}

    serials = _serials(manager, lot)
    regular = [s["serial_number"] for s in serials if s["replacement_reason"] is None]
    extra = {s["serial_number"] for s in serials if s["replacement_reason"] is not None}
    assert regular == [f"{lot}-{i:04d}" for i in range(1, quantity + 1)]
    assert extra == {a.json()["data"]["serial_number"] for a in accepted}
    assert len(serials) == quantity + racers
    assert [s["sequence"] for s in serials] == list(range(1, quantity + racers + 1))
    assert manager.get(f"/api/v1/lots/{lot}").json()["data"]["serial_count"] == len(serials)


# -- item 6: completions against the recorded start ------------------------------------
def test_a_completion_before_the_recorded_start_is_refused(manager: Client, worker: Client):
    lot = new_lot(manager, worker)
    at = _now()
    started = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
    assert started.status_code == 200, started.text
    early = complete_body(lot, "PROC-001", at - timedelta(hours=1))
    data = _error(
        worker.post("/api/v1/process/complete", json=early),
        409,
        "BEFORE_RECORDED_START",
        "start_time",
    )
    assert data["recorded_start_time"] == at.isoformat()
    assert data["value"] == early["start_time"]
    assert data["work_order_id"] == started.json()["data"]["work_order_id"]
    history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"][0]
    assert history["status"] == "IN_PROGRESS"


def _lot_step(manager: Client, lot: str, process_id: str) -> dict[str, Any]:
    data = manager.get(f"/api/v1/lots/{lot}").json()["data"]
    return {
        "lot": data["status"],
        **next(p for p in data["processes"] if p["process_id"] == process_id),
    }


def test_read_models_agree_when_a_completion_reports_an_earlier_start(
    manager: Client, worker: Client, viewer: Client, firmware_released
):
    """Within the clock skew a station may report an earlier start than the one recorded:
    accepted, and every read model shows the step completed with the recorded start."""
    lot = new_lot(manager, worker, quantity=2)
    run_through(worker, lot, "PROC-007")
    at = _now()
    started = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-008", at))
    assert started.status_code == 200, started.text
    work_order = started.json()["data"]["work_order_id"]
    done = complete_body(lot, "PROC-008", at)
    done["start_time"] = (at - timedelta(minutes=2)).isoformat()  # the station's clock
    r = worker.post("/api/v1/process/complete", json=done)
    assert r.status_code == 200, r.text

    lot_view = eventually(
        lambda: (s := _lot_step(manager, lot, "PROC-008"))["lot"] == "COMPLETED" and s
    )
    assert lot_view["status"] == "COMPLETED" and lot_view["work_order_id"] == work_order
    assert datetime.fromisoformat(lot_view["start_time"]) == at
    assert manager.get(f"/api/v1/lots/{lot}").json()["data"]["progress_percent"] == 100

    history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"][-1]
    assert history["status"] == "COMPLETED"
    assert history["attempts"][-1]["start_time"] == at.isoformat()

    def traced() -> dict | None:
        data = viewer.get(f"/api/v1/trace/lots/{lot}").json()["data"]
        step = next(p for p in data["processes"] if p["process_id"] == "PROC-008")
        return step if step["status"] == "COMPLETED" else None

    step = eventually(traced)
    [attempt] = step["attempts"]
    assert attempt["work_order_id"] == work_order
    assert datetime.fromisoformat(attempt["start_time"]) == at


# -- items 9 and 7: implausible and unrepresentable times -------------------------------
@pytest.mark.parametrize(
    ("start_time", "code", "reason"),
    [
        (
            lambda now: (now + timedelta(days=3653)).isoformat(),
            "TIME_OUT_OF_RANGE",
            "ahead_of_mes_clock",
        ),
        (
            lambda now: (now + timedelta(minutes=6)).isoformat(),
            "TIME_OUT_OF_RANGE",
            "ahead_of_mes_clock",
        ),
        (lambda now: "1970-01-01T09:00:00+09:00", "TIME_OUT_OF_RANGE", "older_than_replay_window"),
        (
            lambda now: (now - timedelta(hours=1)).isoformat(),
            "TIME_OUT_OF_RANGE",
            "before_lot_created",
        ),
        (lambda now: 1700000000, "VALIDATION_ERROR", None),
        (lambda now: "1700000000", "VALIDATION_ERROR", None),
        (lambda now: now.replace(tzinfo=None).isoformat(), "VALIDATION_ERROR", None),
        (lambda now: "9999-12-31T23:59:59-12:00", "VALIDATION_ERROR", None),
        (lambda now: "0001-01-01T00:00:00+14:00", "VALIDATION_ERROR", None),
        (lambda now: now.isoformat()[:19] + "+25:00", "VALIDATION_ERROR", None),
    ],
    ids=[
        "10y-ahead",
        "6min-ahead",
        "1970",
        "before-lot",
        "unix-number",
        "unix-string",
        "naive",
        "max-year-west",
        "min-year-east",
        "bad-offset",
    ],
)
def test_implausible_start_times_are_refused_naming_the_field(
    manager: Client, worker: Client, start_time, code: str, reason: str | None
):
    lot = new_lot(manager, worker)
    body = dict(start_body(lot, "PROC-001", _now()), start_time=start_time(_now()))
    data = _error(worker.post("/api/v1/process/start", json=body), 400, code, "start_time")
    if reason:
        assert data["reason"] == reason and data["max_clock_skew_seconds"] == 300
    history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"][0]
    assert history["status"] == "NOT_STARTED"


def test_a_station_clock_a_little_off_is_accepted(manager: Client, worker: Client):
    lot = new_lot(manager, worker)
    ahead = _now() + timedelta(minutes=2)
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", ahead))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["start_time"] == ahead.isoformat()
    done = complete_body(lot, "PROC-001", ahead)
    assert worker.post("/api/v1/process/complete", json=done).status_code == 200


@pytest.mark.parametrize(
    ("complete_time", "status", "code"),
    [
        ("10y-ahead", 400, "TIME_OUT_OF_RANGE"),
        ("9999-12-31T23:59:59-12:00", 400, "VALIDATION_ERROR"),
        ("0001-01-01T00:00:00+14:00", 400, "VALIDATION_ERROR"),
        (1700000000, 400, "VALIDATION_ERROR"),
    ],
)
def test_implausible_completion_times_are_refused_naming_the_field(
    manager: Client, worker: Client, complete_time, status: int, code: str
):
    lot = new_lot(manager, worker)
    at = _now()
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at)).status_code
        == 200
    )
    body = complete_body(lot, "PROC-001", at)
    body["complete_time"] = (
        (at + timedelta(days=3653)).isoformat() if complete_time == "10y-ahead" else complete_time
    )
    _error(worker.post("/api/v1/process/complete", json=body), status, code, "complete_time")
    body = complete_body(lot, "PROC-001", at)  # the step is still open
    assert worker.post("/api/v1/process/complete", json=body).status_code == 200


EXTREMES = [
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+14:00",
    "1700000000",
    "2025-11-10T09:00:00",
]


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("param", ["since", "until"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/trace/defects",
        "/api/v1/trace/workers/W001",
        "/api/v1/trace/measurements",
        "/api/v1/audit",
    ],
)
def test_unrepresentable_query_times_are_a_400_naming_the_parameter(
    admin: Client, path: str, param: str, value: str
):
    params = {param: value, **({"check": "temp_sensor"} if path.endswith("measurements") else {})}
    _error(admin.get(path, params=params), 400, "VALIDATION_ERROR", param)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/trace/defects",
        "/api/v1/trace/workers/W001",
        "/api/v1/trace/measurements",
        "/api/v1/audit",
    ],
)
def test_wide_query_windows_still_answer(admin: Client, path: str):
    params = {"since": "0001-01-01T00:00:00Z", "until": "9999-12-31T23:59:59+00:00"}
    if path.endswith("measurements"):
        params["check"] = "temp_sensor"
    r = admin.get(path, params=params)
    assert r.status_code == 200, r.text


# -- item 12: process names ---------------------------------------------------------------
def test_a_process_name_not_of_the_routing_is_refused(manager: Client, worker: Client):
    lot = new_lot(manager, worker)
    run_process(worker, lot, "PROC-001")
    body = dict(start_body(lot, "PROC-002", _now()), process_name="완전히 다른 이름")
    data = _error(
        worker.post("/api/v1/process/start", json=body),
        400,
        "PROCESS_NAME_MISMATCH",
        "process_name",
    )
    assert data["expected"] == ["LMA 조립", "LMA assembly"] and data["value"] == "완전히 다른 이름"
    # Another step's name is a mismatch too.
    body["process_name"] = "레이저 마킹"
    _error(worker.post("/api/v1/process/start", json=body), 400, "PROCESS_NAME_MISMATCH")


@pytest.mark.parametrize(
    "name", ["LMA 조립", "LMA assembly", "lma  ASSEMBLY", "LMA조립", " LMA 조립 "]
)
def test_the_routing_names_are_accepted_and_answered_in_korean(
    manager: Client, worker: Client, name: str
):
    lot = new_lot(manager, worker)
    run_process(worker, lot, "PROC-001")
    at = _now()
    r = worker.post(
        "/api/v1/process/start", json=dict(start_body(lot, "PROC-002", at), process_name=name)
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["process_name"] == "LMA 조립"
    done = complete_body(lot, "PROC-002", at)
    _error(
        worker.post("/api/v1/process/complete", json=dict(done, process_name="센서 검사")),
        400,
        "PROCESS_NAME_MISMATCH",
        "process_name",
    )
    r = worker.post("/api/v1/process/complete", json=dict(done, process_name=name))
    assert r.status_code == 200, r.text
    history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"][1]
    assert history["name_ko"] == "LMA 조립" and history["status"] == "COMPLETED"
