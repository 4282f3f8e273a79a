"""Hold on failure and non-conformance reports over HTTP (issue 19 items 1, 2, 5; ADR 0023):
a FAIL at a hold_on_fail step holds the LOT and opens an NCR; a manager's disposition
(REWORK, USE_AS_IS, SCRAP) decides how it goes on, and serials, trace and audit follow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from mes_cli.pytest_plugin import eventually

from .conftest import Client
from .production import (
    KST,
    complete_body,
    dispose,
    failing_sensor_data,
    new_lot,
    run_process,
    run_through,
    start_body,
)


def now() -> datetime:
    return datetime.now(KST).replace(microsecond=0)


def fail_sensor(worker: Client, lot: str, measured: float = 62.4) -> dict[str, Any]:
    """PROC-003 started and completed with a FAIL: the completion's data (with its NCR)."""
    failing = failing_sensor_data(lot, now())
    failing["temp_sensor"]["measured_temp"] = measured
    data = run_process(worker, lot, "PROC-003", failing)
    assert data["result"] == "FAIL" and data["ncr_number"], data
    return data


def start(worker: Client, lot: str, process_id: str) -> Any:
    return worker.post("/api/v1/process/start", json=start_body(lot, process_id, now()))


def refused(r: Any, code: str, status: int) -> dict[str, Any]:
    assert (r.status_code, r.json()["error_code"]) == (status, code), r.text
    return r.json()["data"]


def trace_of(viewer: Client, lot: str) -> dict[str, Any]:
    r = viewer.get(f"/api/v1/trace/lots/{lot}")
    assert r.status_code == 200, r.text
    return r.json()["data"]


def trace_ncr(viewer: Client, lot: str, ncr_number: str, **expected: Any) -> dict[str, Any]:
    """The NCR in the LOT trace, once its events have arrived with `expected` values."""

    def arrived() -> dict[str, Any] | None:
        found = [n for n in trace_of(viewer, lot)["ncrs"] if n["ncr_number"] == ncr_number]
        ok = found and all(found[0].get(k) == v for k, v in expected.items())
        return found[0] if ok else None

    return eventually(arrived, what=f"{ncr_number} in the trace of {lot}")


def test_a_fail_holds_the_lot_until_its_rework_passes(
    manager: Client,
    quality: Client,
    worker: Client,
    viewer: Client,
    admin: Client,
    firmware_released: None,
) -> None:
    lot = new_lot(manager, worker, quantity=10)
    run_through(worker, lot, "PROC-002")
    failed = fail_sensor(worker, lot)
    number = failed["ncr_number"]
    assert number.startswith(f"NCR-{now():%y%m%d}-")

    # Every start is refused, with what failed and what to do.
    hold = refused(start(worker, lot, "PROC-004"), "LOT_ON_HOLD", 409)
    assert hold["ncr_number"] == number
    assert hold["failed_process_id"] == "PROC-003"
    assert hold["required_action_code"] == "NCR_DISPOSITION_REQUIRED"
    assert number in hold["required_action"]
    [check] = hold["failed_checks"]
    assert (check["check"], check["measured"], check["target"], check["unit"]) == (
        "temp_sensor",
        62.4,
        60.0,
        "°C",
    )
    refused(start(worker, lot, "PROC-003"), "LOT_ON_HOLD", 409)  # the disposition first
    shown = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["hold"]
    assert shown == {
        "ncr_number": number,
        "process_id": "PROC-003",
        "phase": "OPEN",
        "rework_from": None,
    }

    # The NCR: the LOT, the step, the checks against spec, who and when.
    ncr = worker.get(f"/api/v1/ncr/{number}").json()["data"]
    assert (ncr["lot_number"], ncr["process_id"], ncr["status"]) == (lot, "PROC-003", "OPEN")
    assert ncr["work_order_id"] == failed["work_order_id"] and ncr["opened_by"] == "w001"
    assert ncr["failed_checks"][0]["lower_limit"] == 59.0
    listed = viewer.get("/api/v1/ncr", params={"lot_number": lot, "status": "OPEN"}).json()
    assert [n["ncr_number"] for n in listed["data"]["items"]] == [number]

    # Only quality and production managers (and admins) dispose.
    r = worker.post(f"/api/v1/ncr/{number}/disposition", json={"disposition": "REWORK"})
    refused(r, "FORBIDDEN", 403)
    closed = dispose(quality, number, reason="sensor reseated")
    assert (closed["status"], closed["disposition"], closed["rework_from"]) == (
        "CLOSED",
        "REWORK",
        "PROC-003",
    )
    assert closed["closed_by"] == "quality"
    again = quality.post(f"/api/v1/ncr/{number}/disposition", json={"disposition": "REWORK"})
    refused(again, "NCR_ALREADY_CLOSED", 409)

    # During the rework only the rework step may start; its PASS releases the hold.
    during = refused(start(worker, lot, "PROC-004"), "LOT_ON_HOLD", 409)
    assert during["required_action_code"] == "REWORK_REQUIRED"
    hold = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["hold"]
    assert (hold["phase"], hold["rework_from"]) == ("REWORK", "PROC-003")
    assert run_process(worker, lot, "PROC-003")["result"] == "PASS"
    assert worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["hold"] is None
    started = start(worker, lot, "PROC-004")
    assert started.status_code == 200, started.text

    traced = trace_ncr(viewer, lot, number, disposition="REWORK", release_cause="REWORK_PASSED")
    assert traced["failed_checks"][0]["measured"] == 62.4 and traced["held_at"]
    assert trace_of(viewer, lot)["on_hold"] is False
    events = viewer.get(f"/api/v1/trace/lots/{lot}/events").json()["data"]["events"]
    types = {e["type"] for e in events}
    assert {"lot.held", "ncr.opened", "ncr.closed", "lot.released"} <= types

    def audited() -> list[dict[str, Any]] | None:
        r = admin.get("/api/v1/audit", params={"entity_type": "ncr", "entity_id": number})
        rows = r.json()["data"]["items"]
        return rows if {row["action"] for row in rows} == {"create", "update"} else None

    eventually(audited, what=f"{number} in the audit trail")

    def hold_audited() -> bool:
        r = admin.get("/api/v1/audit", params={"entity_type": "lot_hold", "entity_id": lot})
        # one row for the hold, one for its release
        return sorted(row["new_values"]["on_hold"] for row in r.json()["data"]["items"]) == [
            False,
            True,
        ]

    eventually(hold_audited, what="the hold and its release in the audit trail")


def test_rework_goes_back_to_an_earlier_step_within_its_limit(
    manager: Client, quality: Client, worker: Client, viewer: Client
) -> None:
    lot = new_lot(manager, worker, quantity=10)
    run_through(worker, lot, "PROC-002")
    numbers = []
    for i in range(2):  # PROC-003 takes two reworks by default
        numbers.append(fail_sensor(worker, lot, 62.4 + i)["ncr_number"])
        dispose(manager, numbers[-1], rework_from="PROC-002")
        # The window PROC-002..PROC-003 runs again, in order.
        refused(start(worker, lot, "PROC-003"), "PREVIOUS_PROCESS_NOT_COMPLETED", 400)
        # (other data: a file identical to an earlier one is that one, already recorded)
        run_process(worker, lot, "PROC-002", {"sma_spring_lot": f"S-{i}", "busbar_lot": "B-1"})
    numbers.append(fail_sensor(worker, lot, 65.0)["ncr_number"])  # a rework's FAIL: a new NCR
    assert len(set(numbers)) == 3

    body = {"disposition": "REWORK", "rework_from": "PROC-002"}
    limit = manager.post(f"/api/v1/ncr/{numbers[-1]}/disposition", json=body)
    assert refused(limit, "REWORK_LIMIT_REACHED", 409)["rework_limit"] == 2
    later = manager.post(
        f"/api/v1/ncr/{numbers[-1]}/disposition",
        json={"disposition": "REWORK", "rework_from": "PROC-004"},
    )
    refused(later, "REWORK_NOT_ALLOWED", 400)
    no_reason = manager.post(
        f"/api/v1/ncr/{numbers[-1]}/disposition", json={"disposition": "USE_AS_IS"}
    )
    refused(no_reason, "REASON_REQUIRED", 400)

    # USE_AS_IS: a deviation with its reason; the LOT goes on at once.
    dispose(quality, numbers[-1], "USE_AS_IS", reason="deviation DV-77 approved by QA")
    started = start(worker, lot, "PROC-004")
    assert started.status_code == 200, started.text
    traced = trace_ncr(viewer, lot, numbers[-1], release_cause="USE_AS_IS")
    assert traced["reason"] == "deviation DV-77 approved by QA"
    listed = viewer.get("/api/v1/ncr", params={"lot_number": lot, "status": "CLOSED"}).json()
    assert {n["ncr_number"] for n in listed["data"]["items"]} == set(numbers)
    today = now().date().isoformat()
    dated = viewer.get(
        "/api/v1/ncr", params={"lot_number": lot, "date_from": today, "date_to": today}
    ).json()["data"]
    assert dated["total"] == 3 and dated["limit"] == 50
    assert (
        viewer.get("/api/v1/ncr", params={"process_id": "PROC-005", "lot_number": lot}).json()[
            "data"
        ]["items"]
        == []
    )


def listed_hold(viewer: Client, lot: str, **expected: Any) -> dict[str, Any]:
    """The LOT as the LOT list (on_hold=true) and its detail show it, once lot-service has
    applied the hold events (`expected`: the hold's fields)."""

    def arrived() -> dict[str, Any] | None:
        r = viewer.get("/api/v1/lots", params={"on_hold": "true", "limit": 200})
        assert r.status_code == 200, r.text
        found = [x for x in r.json()["data"]["items"] if x["lot_number"] == lot]
        hold = found[0]["hold"] if found else None
        return found[0] if hold and all(hold[k] == v for k, v in expected.items()) else None

    item = eventually(arrived, what=f"{lot} held in the LOT list with {expected}")
    detail = viewer.get(f"/api/v1/lots/{lot}").json()["data"]
    assert (detail["on_hold"], detail["hold"]) == (True, item["hold"])
    return item


def test_the_lot_list_shows_and_filters_holds(
    manager: Client, quality: Client, worker: Client, viewer: Client
) -> None:
    lot = new_lot(manager, worker, quantity=10)
    free = new_lot(manager, worker, quantity=10)
    run_through(worker, lot, "PROC-002")
    number = fail_sensor(worker, lot)["ncr_number"]
    item = listed_hold(viewer, lot, ncr_number=number, phase="OPEN")
    assert item["on_hold"] is True
    assert item["hold"] == {
        "ncr_number": number,
        "process_id": "PROC-003",
        "phase": "OPEN",
        "rework_from": None,
    }
    held = viewer.get("/api/v1/lots", params={"on_hold": "true", "limit": 200}).json()["data"]
    assert free not in {x["lot_number"] for x in held["items"]}
    assert all(x["on_hold"] for x in held["items"]) and held["total"] >= 1

    dispose(quality, number, rework_from="PROC-002")
    listed_hold(viewer, lot, phase="REWORK", rework_from="PROC-002")
    run_process(worker, lot, "PROC-002", {"sma_spring_lot": "S-9", "busbar_lot": "B-1"})
    run_process(worker, lot, "PROC-003")  # the rework passes: released

    def released() -> bool:
        r = viewer.get("/api/v1/lots", params={"on_hold": "false", "limit": 200})
        return lot in {x["lot_number"] for x in r.json()["data"]["items"]}

    eventually(released, what=f"{lot} released in the LOT list")
    detail = viewer.get(f"/api/v1/lots/{lot}").json()["data"]
    assert (detail["on_hold"], detail["hold"]) == (False, None)
    bad = viewer.get("/api/v1/lots", params={"on_hold": "maybe"})
    assert bad.status_code == 400 and bad.json()["error_code"] == "VALIDATION_ERROR", bad.text


def test_scrap_by_count_before_serials_exist(
    manager: Client, quality: Client, worker: Client, viewer: Client, firmware_released: None
) -> None:
    lot = new_lot(manager, worker, quantity=5)
    run_through(worker, lot, "PROC-002")
    number = fail_sensor(worker, lot)["ncr_number"]
    by_serial = manager.post(
        f"/api/v1/ncr/{number}/disposition",
        json={"disposition": "SCRAP", "scrap_serials": [f"{lot}-0001"]},
    )
    refused(by_serial, "INVALID_SCRAP", 400)  # no serials yet
    too_many = manager.post(
        f"/api/v1/ncr/{number}/disposition", json={"disposition": "SCRAP", "scrap_count": 6}
    )
    refused(too_many, "INVALID_SCRAP", 400)
    dispose(quality, number, "SCRAP", scrap_count=2, reason="sensor boards cracked")

    def good() -> bool:
        data = manager.get(f"/api/v1/lots/{lot}").json()["data"]
        return (data["scrapped_quantity"], data["good_quantity"]) == (2, 3)

    eventually(good, what="the LOT's good quantity")
    for step in range(4, 8):
        run_process(worker, lot, f"PROC-{step:03d}")
    serials = eventually(
        lambda: manager.get(f"/api/v1/lots/{lot}/serials").json()["data"]["items"] or None,
        what="the LOT's serials",
    )
    assert [s["serial_number"] for s in serials] == [f"{lot}-{i:04d}" for i in (1, 2, 3)]
    trace_ncr(viewer, lot, number, disposition="SCRAP", scrap_count=2, release_cause="SCRAP")


def test_scrap_by_serial_after_allocation(
    manager: Client, quality: Client, worker: Client, viewer: Client, firmware_released: None
) -> None:
    lot = new_lot(manager, worker, quantity=3)
    run_through(worker, lot, "PROC-006")
    at = now()
    assert worker.post("/api/v1/process/start", json=start_body(lot, "PROC-007", at)).is_success
    failing = complete_body(
        lot,
        "PROC-007",
        at,
        {
            "label_printed": True,
            "printer_id": "PRINTER-07",
            "print_time": at.isoformat(),
            "barcode_verified": False,
        },
    )
    r = worker.post("/api/v1/process/complete", json=failing)
    assert r.status_code == 200 and r.json()["data"]["result"] == "FAIL", r.text
    number = r.json()["data"]["ncr_number"]
    by_count = manager.post(
        f"/api/v1/ncr/{number}/disposition", json={"disposition": "SCRAP", "scrap_count": 1}
    )
    refused(by_count, "INVALID_SCRAP", 400)  # serials exist: name them
    scrapped = f"{lot}-0002"
    dispose(quality, number, "SCRAP", scrap_serials=[scrapped], reason="label smeared")

    def failed_serial() -> dict[str, Any] | None:
        serial = manager.get(f"/api/v1/serials/{scrapped}").json()["data"]
        return serial if serial["status"] == "FAILED" else None

    serial = eventually(failed_serial, what=f"{scrapped} scrapped")
    assert number in serial["status_reason"]
    run_process(worker, lot, "PROC-008")

    def settled() -> dict[str, Any] | None:
        data = trace_of(viewer, lot)
        done = data["status"] == "COMPLETED" and data["serials"]["by_status"] == {
            "PASSED": 2,
            "FAILED": 1,
        }
        return data if done else None

    data = eventually(settled, what="the LOT completed with one unit scrapped")
    [ncr] = data["ncrs"]
    assert ncr["scrap_serials"] == [scrapped] and ncr["release_cause"] == "SCRAP"
    lot_view = manager.get(f"/api/v1/lots/{lot}").json()["data"]
    assert lot_view["good_quantity"] == 2


def test_use_as_is_at_the_last_step_completes_the_lot(
    manager: Client, quality: Client, worker: Client, viewer: Client, firmware_released: None
) -> None:
    lot = new_lot(manager, worker, quantity=2)
    run_through(worker, lot, "PROC-007")
    failed = run_process(worker, lot, "PROC-008", {"inspection_result": "FAIL"})
    assert failed["result"] == "FAIL" and failed["ncr_number"]
    dispose(quality, failed["ncr_number"], "USE_AS_IS", reason="cosmetic scratch, customer OK")

    def completed() -> dict[str, Any] | None:
        data = trace_of(viewer, lot)
        done = data["status"] == "COMPLETED" and data["serials"]["by_status"] == {"PASSED": 2}
        return data if done else None

    data = eventually(completed, what="the LOT completed as is")
    assert data["on_hold"] is False and data["ncrs"][0]["disposition"] == "USE_AS_IS"


def test_scrapping_every_unit_closes_the_lot(
    manager: Client, quality: Client, worker: Client
) -> None:
    lot = new_lot(manager, worker, quantity=2)
    run_through(worker, lot, "PROC-002")
    number = fail_sensor(worker, lot)["ncr_number"]
    dispose(quality, number, "SCRAP", scrap_count=2, reason="whole batch contaminated")
    eventually(
        lambda: manager.get(f"/api/v1/lots/{lot}").json()["data"]["status"] == "CLOSED",
        what="the LOT closed",
    )
    eventually(
        lambda: start(worker, lot, "PROC-004").json().get("error_code") == "LOT_CLOSED",
        what="starts refused as closed",
    )


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/ncr/NCR-000101-999", 404, "NCR_NOT_FOUND"),
        ("/api/v1/ncr/not-an-ncr", 400, "VALIDATION_ERROR"),
    ],
)
def test_an_unknown_or_malformed_ncr_is_a_4xx(
    viewer: Client, path: str, status: int, code: str
) -> None:
    refused(viewer.get(path), code, status)


def test_the_routing_says_which_steps_hold_and_how_often_they_rework(worker: Client) -> None:
    """Hold on failure is data per step (default: on, two reworks)."""
    routing = worker.get("/api/v1/process/routing").json()["data"]
    wf = [s for s in routing if s["product_model"] == "WF"]
    assert all(s["hold_on_fail"] and s["rework_limit"] == 2 for s in wf)
    # ADR 0024: each WF step states its takt (the stalled-LOT alert's base).
    assert all(isinstance(s["takt_seconds"], int) and s["takt_seconds"] > 0 for s in wf)
