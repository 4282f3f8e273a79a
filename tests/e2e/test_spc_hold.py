"""Hold on an SPC violation (issue 20 "Alerts and hold"; ADR 0026, 0023): a point beyond
3σ (inside the spec, so the step PASSes) on a check configured to hold
(`MES_SPC_HOLD_CHECKS` in the stack env: `test_results[SPCHOLD_A]`) holds the LOT at
PROC-006 with an NCR naming the rule and the values; the next start is refused with
LOT_ON_HOLD carrying that reason; USE_AS_IS releases it. The same violation on a check
without the setting (`test_results[SPCHOLD_B]`) only raises its alert."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from urllib.parse import quote

from mes_cli.demo import process_data_for
from mes_cli.pytest_plugin import eventually

from .conftest import Client
from .production import KST, dispose, new_lot, run_process, run_through, start_body

HOLD, FREE = "test_results[SPCHOLD_A]", "test_results[SPCHOLD_B]"
BASELINE = [10.0, 10.2, 9.8, 10.1, 9.9, 10.0]  # x̄ 10.0, MR̄ 0.24: 3σ̂ 0.64
CENTRE, OUTLIER = 10.0, 10.9  # rule 1, in spec (10 ± 1 kgf)


def _force_lot(manager: Client, worker: Client, a: float, b: float) -> str:
    """A LOT through PROC-006 (PASS) measuring the two checks."""
    lot = new_lot(manager, worker, quantity=5)
    run_through(worker, lot, "PROC-005")
    data = copy.deepcopy(process_data_for("PROC-006", lot, datetime.now(KST)))
    spec = {"target_force": 10.0, "tolerance": 1.0}
    data["test_results"] = [
        {"test_point_id": pid, "spec": spec, "measured_force": v, "result": "PASS"}
        for pid, v in (("SPCHOLD_A", a), ("SPCHOLD_B", b))
    ]
    data["overall_result"] = "PASS"
    assert run_process(worker, lot, "PROC-006", data)["result"] == "PASS"
    return lot


def _lots_on_chart(client: Client, check: str) -> list[str]:
    r = client.get(f"/api/v1/quality/spc/{quote(check)}")
    return [p["lot_number"] for p in r.json()["data"]["points"]] if r.status_code == 200 else []


def _ncrs(client: Client, lot: str) -> list[dict[str, Any]]:
    r = client.get("/api/v1/ncr", params={"lot_number": lot})
    assert r.status_code == 200, r.text
    return r.json()["data"]["items"]


def _open_alert(client: Client, check: str) -> dict[str, Any] | None:
    r = client.get("/api/v1/alerts", params={"rule": "spc.violation", "status": "open"})
    found = [a for a in r.json()["data"]["items"] if a["condition_key"] == f"spc:{check}:1"]
    return found[0] if found else None


def _start(worker: Client, lot: str, process_id: str) -> Any:
    at = datetime.now(KST).replace(microsecond=0)
    return worker.post("/api/v1/process/start", json=start_body(lot, process_id, at))


def test_a_violation_holds_the_lot_only_on_a_check_set_to_hold(
    manager: Client, worker: Client, quality: Client, viewer: Client, firmware_released: None
) -> None:
    lots = [_force_lot(manager, worker, v, v) for v in BASELINE]
    for check in (HOLD, FREE):
        eventually(
            lambda c=check: _lots_on_chart(viewer, c)[-6:] == lots,
            timeout=15,
            what=f"the baseline LOTs on the chart of {check}",
        )
        r = quality.post(
            f"/api/v1/quality/spc/{quote(check)}/limits",
            json={"reason": "e2e: spc hold baseline", "baseline": "recent", "points": 6},
        )
        assert r.status_code == 200 and r.json()["data"]["state"] == "active", r.text
        chart = viewer.get(f"/api/v1/quality/spc/{quote(check)}").json()["data"]
        assert chart["hold_on_violation"] is (check == HOLD)

    # The check without the setting: its alert, no hold, the next step starts.
    free_lot = _force_lot(manager, worker, CENTRE, OUTLIER)
    alert = eventually(lambda: _open_alert(manager, FREE), timeout=15, what="the alert of B")
    assert alert["subject_id"] == "PROC-006"

    # The check set to hold: the LOT is held at PROC-006 with an NCR naming the rule.
    held_lot = _force_lot(manager, worker, OUTLIER, CENTRE)
    [ncr] = eventually(lambda: _ncrs(viewer, held_lot), timeout=15, what="the SPC NCR")
    assert (ncr["status"], ncr["process_id"], ncr["opened_by"]) == (
        "OPEN",
        "PROC-006",
        "trace-service",
    )
    [failed] = ncr["failed_checks"]
    assert failed["check"] == HOLD and failed["measured"] == OUTLIER
    assert (failed["lower_limit"], failed["upper_limit"]) == (9.0, 11.0)
    assert failed["message"].startswith("SPC rule 1: 1 point beyond 3σ (limits v")
    assert "points 10.9" in failed["message"]
    eventually(lambda: _open_alert(manager, HOLD), timeout=15, what="the alert of A")

    r = _start(worker, held_lot, "PROC-007")
    assert (r.status_code, r.json()["error_code"]) == (409, "LOT_ON_HOLD"), r.text
    data = r.json()["data"]
    assert data["ncr_number"] == ncr["ncr_number"] and data["failed_process_id"] == "PROC-006"
    assert data["required_action_code"] == "NCR_DISPOSITION_REQUIRED"
    assert [c["message"] for c in data["failed_checks"]] == [failed["message"]]

    # The free LOT: no spc.violation_found, so no NCR, and its next step starts.
    assert _ncrs(viewer, free_lot) == []
    r = _start(worker, free_lot, "PROC-007")
    assert r.status_code == 200, r.text

    def in_trace() -> bool:
        r = viewer.get(f"/api/v1/trace/lots/{held_lot}")
        numbers = [n["ncr_number"] for n in r.json()["data"]["ncrs"]]
        return numbers == [ncr["ncr_number"]] and r.json()["data"]["on_hold"]

    eventually(in_trace, timeout=15, what="the SPC NCR in the LOT trace")

    closed = dispose(manager, ncr["ncr_number"], "USE_AS_IS", reason="e2e: force within spec")
    assert closed["status"] == "CLOSED" and closed["disposition"] == "USE_AS_IS"
    r = _start(worker, held_lot, "PROC-007")
    assert r.status_code == 200, r.text
    r = viewer.get(f"/api/v1/process/lots/{held_lot}")
    assert r.status_code == 200 and r.json()["data"]["hold"] is None, r.text

    # Leave both checks waiting for a new baseline: their alerts resolve.
    for check in (HOLD, FREE):
        r = quality.post(
            f"/api/v1/quality/spc/{quote(check)}/limits",
            json={"reason": "e2e: spc hold done", "baseline": "next"},
        )
        assert r.status_code == 200, r.text
    eventually(
        lambda: not _open_alert(manager, HOLD) and not _open_alert(manager, FREE),
        timeout=15,
        what="the SPC alerts resolved",
    )
