"""SPC through the gateway (ADR 0026): a quality manager resets the sensor check's limits
from its newest points; a planted run of 9 above the centre line and a point beyond 3σ
(both inside the spec) are flagged on the chart with LOT, worker and time, raise
`spc.violation` alerts, and show in capability; the reset is in the audit trail. Bad
input is a 4xx in the contract body."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from urllib.parse import quote

from mes_cli.demo import process_data_for
from mes_cli.pytest_plugin import eventually
from mes_contracts.api.quality import CapabilityList, SpcChart, SpcLimits
from mes_contracts.errors import SuccessBody

from .conftest import Client
from .production import KST, new_lot, run_process, run_through
from .test_response_models import conforms

# A PROC-006 test point of this module's own: other tests' measurements (some completed
# minutes ahead, as stations may) never land among its points. Each SPC module has one.
POINT = "SPCE2E"
CHECK = f"test_results[{POINT}]"
BASELINE = [60.0, 60.2, 59.8, 60.1, 59.9, 60.0]  # x̄ 60.0, MR̄ 0.24: σ̂ 0.213, 3σ̂ 0.64
RUN = [60.15] * 9  # rule 2 at the 9th
OUTLIER = 60.9  # rule 1 (in spec: 60 ± 1 kgf)


def measured_lot(manager: Client, worker: Client, value: float, point: str = POINT) -> str:
    """A LOT through PROC-006 whose one test point `point` measured `value` (60 ± 1 kgf)."""
    lot = new_lot(manager, worker, quantity=5)
    run_through(worker, lot, "PROC-005")
    data = copy.deepcopy(process_data_for("PROC-006", lot, datetime.now(KST)))
    data["test_results"] = [
        {
            "test_point_id": point,
            "spec": {"target_force": 60.0, "tolerance": 1.0},
            "measured_force": value,
            "result": "PASS",
        }
    ]
    data["overall_result"] = "PASS"
    run_process(worker, lot, "PROC-006", data)
    return lot


def _chart(client: Client) -> dict[str, Any]:
    r = client.get(f"/api/v1/quality/spc/{quote(CHECK)}")
    assert r.status_code == 200, r.text
    conforms(SuccessBody[SpcChart], r)
    return r.json()["data"]


def _spc_alerts(client: Client, status: str = "open") -> list[dict[str, Any]]:
    r = client.get("/api/v1/alerts", params={"rule": "spc.violation", "status": status})
    return r.json()["data"]["items"]


def test_a_planted_run_is_flagged_and_alerted(
    manager: Client,
    worker: Client,
    quality: Client,
    viewer: Client,
    admin: Client,
    firmware_released: None,
) -> None:
    lots = [measured_lot(manager, worker, t) for t in BASELINE]
    eventually(
        lambda: [p["lot_number"] for p in _chart(viewer)["points"]][-6:] == lots,
        timeout=15,
        what="the baseline LOTs on the chart",
    )
    r = quality.post(
        f"/api/v1/quality/spc/{quote(CHECK)}/limits",
        json={"reason": "e2e: sensor recalibrated", "baseline": "recent", "points": 6},
    )
    assert r.status_code == 200, r.text
    limits = conforms(SuccessBody[SpcLimits], r).data
    assert limits.state == "active" and limits.points == 6 and limits.set_by == "quality"
    assert abs(limits.center - 60.0) < 1e-9
    assert abs(limits.sigma - 0.24 / 1.1284) < 1e-9
    assert limits.lcl < 59.5 < 60.5 < limits.ucl < OUTLIER

    run = [measured_lot(manager, worker, t) for t in RUN]
    outlier = measured_lot(manager, worker, OUTLIER)

    def flagged() -> dict[str, Any] | None:
        chart = _chart(viewer)
        rules = {(v["rule"], v["lot_number"]) for v in chart["violations"]}
        shown = {p["lot_number"] for p in chart["points"]}
        found = {("2", run[-1]), ("1", outlier)} <= rules and {run[-1], outlier} <= shown
        return chart if found else None

    chart = eventually(flagged, timeout=20, what="rules 2 and 1 on the chart")
    assert chart["limits"]["version"] == limits.version
    assert chart["spec"] == {"target": 60.0, "lower": 59.0, "upper": 61.0, "unit": "kgf"}
    by_lot = {p["lot_number"]: p for p in chart["points"]}
    assert by_lot[run[-1]]["violations"] == ["2"]
    assert by_lot[outlier]["violations"] == ["1", "2"]  # also the 10th above the centre
    assert by_lot[outlier]["worker_id"] == "W001" and by_lot[outlier]["measured_at"]
    assert by_lot[run[0]]["violations"] == []
    [rule2] = [v for v in chart["violations"] if v["rule"] == "2" and v["lot_number"] == run[-1]]
    assert [p["lot_number"] for p in rule2["points"]] == run

    alerts = eventually(
        lambda: (a := _spc_alerts(manager)) and len(a) == 2 and a,
        timeout=15,
        what="the spc.violation alerts",
    )
    assert sorted(a["condition_key"] for a in alerts) == [f"spc:{CHECK}:1", f"spc:{CHECK}:2"]
    assert {a["subject_id"] for a in alerts} == {"PROC-006"}

    r = viewer.get("/api/v1/quality/capability")
    assert r.status_code == 200, r.text
    conforms(SuccessBody[CapabilityList], r)
    [cap] = [c for c in r.json()["data"]["items"] if c["check"] == CHECK]
    assert cap["n"] >= 16 and cap["lower"] == 59.0 and cap["upper"] == 61.0
    low, high = cap["cpk_ci95"]
    assert low < cap["cpk"] < high

    def audited() -> list[dict[str, Any]]:
        params = {"entity_type": "spc_limits", "entity_id": CHECK}
        rows = admin.get("/api/v1/audit", params=params).json()["data"]["items"]
        return [x for x in rows if x["new_values"].get("version") == limits.version]

    [row] = eventually(audited, timeout=15, what="the limits reset in the audit trail")
    assert row["user_id"] == "quality" and row["new_values"]["reason"] == "e2e: sensor recalibrated"

    # A reset waiting for its next baseline: the open SPC alerts resolve, nothing is judged.
    r = manager.post(
        f"/api/v1/quality/spc/{quote(CHECK)}/limits",
        json={"reason": "e2e: done", "baseline": "next"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["data"]["state"] == "pending"
    eventually(lambda: not _spc_alerts(manager), timeout=15, what="the SPC alerts resolved")


def test_bad_input_is_refused_in_the_contract_body(
    quality: Client, viewer: Client, worker: Client
) -> None:
    path = f"/api/v1/quality/spc/{quote(CHECK)}/limits"
    for client in (viewer, worker):
        r = client.post(path, json={"reason": "not mine to decide"})
        assert r.status_code == 403 and r.json()["error_code"] == "FORBIDDEN"
    bad = {
        "{}": "MISSING_REQUIRED_FIELD",
        '{"reason": "x"}': "VALIDATION_ERROR",
        '{"reason": "ok reason", "points": 1}': "VALIDATION_ERROR",
        '{"reason": "ok reason", "points": "6"}': "VALIDATION_ERROR",
        '{"reason": "ok reason", "extra": 1}': "VALIDATION_ERROR",
    }
    for body, code in bad.items():
        r = quality.post(path, content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error_code"] == code, (body, r.text)
    r = quality.post("/api/v1/quality/spc/no_such_check/limits", json={"reason": "nothing"})
    assert r.status_code == 404 and r.json()["error_code"] == "NOT_FOUND"
    assert viewer.get("/api/v1/quality/spc/no_such_check").status_code == 404
    r = viewer.get(
        f"/api/v1/quality/spc/{quote(CHECK)}",
        params={"since": "2025-11-10T00:00:00Z", "until": "2025-11-01T00:00:00Z"},
    )
    assert r.status_code == 400 and r.json()["error_code"] == "VALIDATION_ERROR"
    r = viewer.get("/api/v1/quality/capability", params={"since": "yesterday"})
    assert r.status_code == 400
    r = viewer.get("/api/v1/quality/spc/" + quote("bad check!"))
    assert r.status_code in {400, 404}
