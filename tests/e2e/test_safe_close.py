"""Closing a LOT safely (issue 19 item 3, ADR 0025): not while a step is in progress unless
forced with a reason; a step left open by a forced close still completes into the history;
and a close racing a start never leaves a CLOSED LOT with an open step."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

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


def _start(worker: Client, lot: str, process_id: str) -> datetime:
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(lot, process_id, at))
    assert r.status_code == 200, r.text
    return at


def _status(manager: Client, lot: str) -> str:
    return manager.get(f"/api/v1/lots/{lot}").json()["data"]["status"]


def test_a_lot_with_a_step_in_progress_closes_only_by_force(
    manager: Client, worker: Client
) -> None:
    lot = new_lot(manager, worker, quantity=3)
    run_process(worker, lot, "PROC-001")
    at = _start(worker, lot, "PROC-002")

    r = manager.post(f"/api/v1/lots/{lot}/close", json={"reason": "shipped"})
    assert r.status_code == 409 and r.json()["error_code"] == "LOT_HAS_OPEN_STEPS", r.text
    assert r.json()["data"]["open_steps"] == ["PROC-002"]
    assert r.json()["data"]["required_action"]
    r = manager.post(f"/api/v1/lots/{lot}/close", json={"force": True})
    assert r.status_code == 400 and r.json()["data"]["field"] == "reason", r.text
    assert _status(manager, lot) == "IN_PROGRESS"

    r = manager.post(f"/api/v1/lots/{lot}/close", json={"force": True, "reason": "line stop"})
    assert r.status_code == 200, r.text
    closed = r.json()["data"]
    assert closed["status"] == "CLOSED" and closed["forced"] is True
    assert closed["open_steps"] == ["PROC-002"] and closed["closed_by"] == "manager"
    eventually(lambda: _status(manager, lot) == "CLOSED", what="lot-service applies the close")

    # The station's real completion of the open step is history, not an error file …
    done = worker.post("/api/v1/process/complete", json=complete_body(lot, "PROC-002", at))
    assert done.status_code == 200, done.text
    history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"]
    assert next(p for p in history if p["process_id"] == "PROC-002")["status"] == "COMPLETED"
    # … but nothing new starts, and a closed LOT does not close twice.
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-003", at))
    assert r.status_code == 409 and r.json()["error_code"] == "LOT_CLOSED", r.text
    r = manager.post(f"/api/v1/lots/{lot}/close", json={"reason": "again"})
    assert r.status_code == 409 and r.json()["error_code"] == "LOT_CLOSED", r.text
    reasons = [
        h["reason"]
        for h in manager.get(f"/api/v1/lots/{lot}").json()["data"]["status_history"]
        if h["to_status"] == "CLOSED"
    ]
    assert reasons == ["[forced: PROC-002 open] line stop"]


def test_a_lot_with_an_open_ncr_closes_only_once_it_is_disposed_of_or_by_force(
    manager: Client, worker: Client
) -> None:
    lot = new_lot(manager, worker, quantity=2)
    run_through(worker, lot, "PROC-002")
    at = datetime.now(KST).replace(microsecond=0)
    failed = run_process(worker, lot, "PROC-003", failing_sensor_data(lot, at))
    ncr = failed["ncr_number"]
    r = manager.post(f"/api/v1/lots/{lot}/close", json={"reason": "shipped"})
    assert r.status_code == 409 and r.json()["error_code"] == "LOT_HAS_OPEN_NCR", r.text
    assert r.json()["data"]["open_ncrs"] == [ncr]
    dispose(manager, ncr, "USE_AS_IS", reason="within the customer's deviation")
    r = manager.post(f"/api/v1/lots/{lot}/close", json={"reason": "shipped"})
    assert r.status_code == 200 and r.json()["data"]["forced"] is False, r.text


def test_a_forced_close_over_an_open_ncr_says_which(manager: Client, worker: Client) -> None:
    lot = new_lot(manager, worker, quantity=1)
    run_through(worker, lot, "PROC-002")
    at = datetime.now(KST).replace(microsecond=0)
    ncr = run_process(worker, lot, "PROC-003", failing_sensor_data(lot, at))["ncr_number"]
    r = manager.post(
        f"/api/v1/lots/{lot}/close", json={"force": True, "reason": "scrapped off-line"}
    )
    assert r.status_code == 200, r.text
    closed = r.json()["data"]
    assert closed["forced"] is True and closed["open_ncrs"] == [ncr] and closed["open_steps"] == []

    def closing_reason() -> str | None:
        history = manager.get(f"/api/v1/lots/{lot}").json()["data"]["status_history"]
        return next((h["reason"] for h in history if h["to_status"] == "CLOSED"), None)

    reason = eventually(closing_reason, what="lot-service applies the close")
    assert reason == f"[forced: {ncr} open] scrapped off-line"


def test_only_managers_close_and_force(worker: Client, manager: Client) -> None:
    lot = new_lot(manager, worker, quantity=1)
    r = worker.post(f"/api/v1/lots/{lot}/close", json={"force": True, "reason": "mine"})
    assert r.status_code == 403, r.text


def test_close_and_start_racing_never_leave_a_closed_lot_with_an_open_step(
    manager: Client, worker: Client
) -> None:
    for _ in range(20):
        lot = new_lot(manager, worker, quantity=1)
        run_process(worker, lot, "PROC-001")
        at = datetime.now(KST).replace(microsecond=0)
        with ThreadPoolExecutor(2) as pool:
            started = pool.submit(
                worker.post, "/api/v1/process/start", json=start_body(lot, "PROC-002", at)
            )
            closed = pool.submit(manager.post, f"/api/v1/lots/{lot}/close", json={"reason": "race"})
            s, c = started.result(), closed.result()
        pair = (
            (s.status_code, s.json().get("error_code")),
            (c.status_code, c.json().get("error_code")),
        )
        # Exactly one wins: the start (then the close sees its open step), or the close
        # (then the start sees the LOT closed). Never both.
        assert pair in {
            ((200, None), (409, "LOT_HAS_OPEN_STEPS")),
            ((409, "LOT_CLOSED"), (200, None)),
        }, (lot, pair)
        history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"]
        step = next(p for p in history if p["process_id"] == "PROC-002")
        assert (step["status"] == "IN_PROGRESS") is (c.status_code == 409), (lot, step)
