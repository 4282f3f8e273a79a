"""Production-day KPIs, yields and the defect Pareto through the gateway (ADR 0027), and
TC-DASH-001 for units and LOTs: every KPI equals the aggregate recomputed from the source
services' tables (lot-service's LOTs, transitions and serials; process-service's records)."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, timedelta

import asyncpg
import pytest
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack
from mes_contracts.api.kpis import DashboardKpis, DefectPareto, YieldReport
from mes_contracts.errors import SuccessBody

from .conftest import Client
from .production import (
    KST,
    complete_body,
    dispose,
    failing_sensor_data,
    new_lot,
    run_process,
    start_body,
)
from .test_response_models import conforms


def _shift_now() -> str:
    hour = datetime.now(KST).hour
    return "D" if 8 <= hour < 20 else "N"


@pytest.fixture(scope="module")
def day_of_production(manager: Client, worker: Client, firmware_released) -> dict[str, str]:
    """A LOT through the routing with a sensor FAIL reworked, and one waiting at PROC-003."""
    shift = _shift_now()
    done = new_lot(manager, worker, quantity=12, shift=shift)
    run_process(worker, done, "PROC-001")
    run_process(worker, done, "PROC-002", {"sma_spring_lot": "S-K1", "busbar_lot": "B-K1"})
    at = datetime.now(KST).replace(microsecond=0)
    failed = run_process(worker, done, "PROC-003", failing_sensor_data(done, at))
    assert failed["result"] == "FAIL"
    dispose(manager, failed["ncr_number"])
    run_process(worker, done, "PROC-003")
    for step in range(4, 9):
        run_process(worker, done, f"PROC-{step:03d}")
    waiting = new_lot(manager, worker, quantity=7, shift=shift)
    run_process(worker, waiting, "PROC-001")
    run_process(worker, waiting, "PROC-002", {"sma_spring_lot": "S-K1", "busbar_lot": "B-K1"})
    # A LOT that loses one unit by serial at its label check: its completed units are 2
    # (the KPIs counted SCRAP by count only, so they said 3).
    scrapped = new_lot(manager, worker, quantity=3, shift=shift)
    for step in range(1, 7):
        run_process(worker, scrapped, f"PROC-{step:03d}")
    at = datetime.now(KST).replace(microsecond=0)
    assert worker.post(
        "/api/v1/process/start", json=start_body(scrapped, "PROC-007", at)
    ).is_success
    label = {"label_printed": True, "printer_id": "PRINTER-07", "print_time": at.isoformat()}
    r = worker.post(
        "/api/v1/process/complete",
        json=complete_body(scrapped, "PROC-007", at, {**label, "barcode_verified": False}),
    )
    assert r.status_code == 200 and r.json()["data"]["result"] == "FAIL", r.text
    dispose(
        manager,
        r.json()["data"]["ncr_number"],
        "SCRAP",
        scrap_serials=[f"{scrapped}-0002"],
        reason="label smeared",
    )
    run_process(worker, scrapped, "PROC-008")
    for lot in (done, scrapped):
        eventually(
            lambda lot=lot: (
                manager.get(f"/api/v1/lots/{lot}").json()["data"]["status"] == "COMPLETED"
            )
        )
    return {"done": done, "waiting": waiting, "scrapped": scrapped}


def _fetch(stack: Stack, sql: str, *args) -> list[asyncpg.Record]:
    async def run() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(
            stack.database_url.replace("postgresql+asyncpg://", "postgresql://")
        )
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(run())


def _recomputed(stack: Stack, kpis: dict) -> dict:
    """The KPIs from the source services' own tables, over the response's period."""
    day = datetime.fromisoformat(kpis["period_start"]).astimezone(KST).date()
    start = datetime.fromisoformat(kpis["period_start"])
    end = datetime.fromisoformat(kpis["period_end"])
    [plan] = _fetch(
        stack,
        "SELECT count(*), coalesce(sum(target_quantity), 0) FROM lot.lots "
        "WHERE production_date = $1",
        day,
    )
    [started] = _fetch(
        stack,
        """SELECT count(*), coalesce(sum(l.target_quantity), 0) FROM lot.lots l
           JOIN (SELECT lot_number, min(start_time) AS at FROM process.process_records
                 WHERE sequence_number = 1 GROUP BY lot_number) f USING (lot_number)
           WHERE f.at >= $1 AND f.at < $2""",
        start,
        end,
    )
    completed = _fetch(
        stack,
        """SELECT l.lot_number, l.target_quantity - l.scrapped_quantity AS units,
                  (SELECT count(*) FROM lot.serials s
                   WHERE s.lot_number = l.lot_number AND s.status = 'PASSED') AS passed
           FROM lot.lots l
           WHERE l.lot_number IN (SELECT lot_number FROM lot.lot_status_history
                                  WHERE to_status = 'COMPLETED'
                                  GROUP BY lot_number HAVING min(changed_at) >= $1
                                     AND min(changed_at) < $2)""",
        start,
        end,
    )
    [closed] = _fetch(
        stack,
        """SELECT count(*) FROM (SELECT lot_number FROM lot.lot_status_history
           WHERE to_status = 'CLOSED' GROUP BY lot_number
           HAVING min(changed_at) >= $1 AND min(changed_at) < $2) c""",
        start,
        end,
    )
    steps = _fetch(
        stack,
        """SELECT r.process_id, count(*) AS lots, sum(l.target_quantity) AS units,
                  sum(l.target_quantity) FILTER (WHERE r.result = 'PASS') AS first_pass,
                  sum(l.target_quantity) FILTER (WHERE EXISTS (
                      SELECT 1 FROM process.process_records again
                      WHERE again.lot_number = r.lot_number AND again.process_id = r.process_id
                        AND again.attempt > r.attempt)) AS reworked
           FROM process.process_records r JOIN lot.lots l USING (lot_number)
           WHERE r.attempt = (SELECT min(attempt) FROM process.process_records f
                              WHERE f.lot_number = r.lot_number AND f.process_id = r.process_id)
             AND r.complete_time >= $1 AND r.complete_time < $2
           GROUP BY r.process_id""",
        start,
        end,
    )
    [open_lots] = _fetch(
        stack, "SELECT count(*) FROM lot.lots WHERE status IN ('CREATED', 'IN_PROGRESS')"
    )
    return {
        "planned": (plan[0], plan[1]),
        "started": (started[0], started[1]),
        "completed": (len(completed), sum(r["units"] for r in completed)),
        "passed": sum(r["passed"] for r in completed),
        "closed": closed[0],
        "open": open_lots[0],
        "steps": {
            r["process_id"]: (r["lots"], r["units"], r["first_pass"] or 0, r["reworked"] or 0)
            for r in steps
        },
    }


def _served(kpis: dict) -> dict:
    u, lots = kpis["units"], kpis["lots"]
    return {
        "planned": (lots["created"]["value"], u["planned"]["value"]),
        "started": (lots["started"]["value"], u["started"]["value"]),
        "completed": (lots["completed"]["value"], u["completed"]["value"]),
        "passed": u["passed"]["value"],
        "closed": lots["closed"]["value"],
        "open": lots["in_progress"]["value"],
        "steps": {
            s["process_id"]: (s["lots"], s["units"], s["first_pass_units"], s["reworked_units"])
            for s in kpis["yields"]
        },
    }


def test_kpis_equal_the_aggregates_of_the_source_services(
    viewer: Client, stack: Stack, day_of_production: dict[str, str]
):  # TC-DASH-001 (units and LOTs)
    last: dict[str, dict] = {}

    def settled() -> dict | None:
        r = viewer.get("/api/v1/dashboard/kpis")
        conforms(SuccessBody[DashboardKpis], r)
        data = r.json()["data"]
        last["served"], last["recomputed"] = _served(data), _recomputed(stack, data)
        return data if last["served"] == last["recomputed"] else None

    try:
        kpis = eventually(settled, timeout=20, what="KPIs equal to the source aggregates")
    except AssertionError as exc:
        served, recomputed = last["served"], last["recomputed"]
        diff = {k: (served[k], recomputed.get(k)) for k in served if served[k] != recomputed.get(k)}
        lots = _fetch(
            stack,
            """SELECT coalesce(l.lot_number, t.lot_number) AS lot, l.status, t.status AS trace,
                      l.production_date, t.production_date AS trace_date,
                      l.target_quantity, l.scrapped_quantity
               FROM lot.lots l FULL JOIN trace.lots t USING (lot_number)
               WHERE l.status IS DISTINCT FROM t.status
                  OR l.production_date IS DISTINCT FROM t.production_date
                  OR l.scrapped_quantity > 0""",
        )
        raise AssertionError(
            f"{exc}; served vs recomputed where they differ: {diff}; "
            f"LOTs that differ or have scrap: {[dict(r) for r in lots]}"
        ) from exc
    assert kpis["units"]["planned"]["value"] >= 19 and kpis["lots"]["created"]["value"] >= 2
    assert kpis["units"]["completed"]["value"] >= 12 and kpis["units"]["passed"]["value"] >= 12
    for count in (*kpis["units"].values(), *kpis["lots"].values()):
        assert count["counts"] in ("units", "lots") and count["label"]
    assert {c["counts"] for c in kpis["units"].values()} == {"units"}
    assert {c["counts"] for c in kpis["lots"].values()} == {"lots"}
    # Hourly output adds up to the units completed, over the 24 hours of the day.
    assert len(kpis["hourly_output"]) == 24
    assert sum(h["units"] for h in kpis["hourly_output"]) == kpis["units"]["completed"]["value"]
    sensor = next(s for s in kpis["yields"] if s["process_id"] == "PROC-003")
    assert sensor["reworked_units"] >= 12 and sensor["first_pass_yield"] < 1
    fpys = [s["first_pass_yield"] for s in kpis["yields"] if s["first_pass_yield"] is not None]
    assert kpis["rolled_throughput_yield"] == pytest.approx(math.prod(fpys))


def test_wip_shows_each_lot_at_its_step_with_its_age(
    viewer: Client, day_of_production: dict[str, str]
):
    lot = day_of_production["waiting"]

    def waiting() -> dict | None:
        wip = viewer.get("/api/v1/dashboard/kpis").json()["data"]["wip"]
        step = next(s for s in wip if s["process_id"] == "PROC-003")
        return next((i for i in step["items"] if i["lot_number"] == lot), None)

    item = eventually(waiting, what="the waiting LOT in PROC-003's WIP")
    assert item["state"] == "NOT_STARTED" and item["units"] == 7
    assert item["age_minutes"] >= 0 and item["stalled"] is False
    assert datetime.fromisoformat(item["since"]) <= datetime.now(KST) + timedelta(minutes=1)


def test_yield_by_lot_and_day_and_the_defect_pareto(
    viewer: Client, day_of_production: dict[str, str]
):
    day = viewer.get("/api/v1/dashboard/kpis").json()["data"]["day"]
    lot = day_of_production["done"]

    def by_lot() -> dict | None:
        r = viewer.get("/api/v1/quality/yield", params={"from": day, "to": day, "group": "lot"})
        report = conforms(SuccessBody[YieldReport], r).data
        return next((g for g in report.groups if g.key == lot), None)

    mine = eventually(by_lot, what="the LOT's yield group")
    by_step = {s.process_id: s for s in mine.steps}
    assert len(by_step) == 8 and mine.units == 12
    assert by_step["PROC-003"].first_pass_yield == 0 and by_step["PROC-003"].rework_rate == 1
    assert all(s.first_pass_yield == 1 for p, s in by_step.items() if p != "PROC-003")
    assert mine.rolled_throughput_yield == 0

    days = viewer.get("/api/v1/quality/yield", params={"from": day, "to": day, "group": "day"})
    report = conforms(SuccessBody[YieldReport], days).data
    assert [g.key for g in report.groups] == [day]
    assert report.total.lots == report.groups[0].lots

    for by in ("cause", "process"):
        r = viewer.get("/api/v1/quality/pareto", params={"from": day, "to": day, "by": by})
        pareto = conforms(SuccessBody[DefectPareto], r).data
        assert pareto.total >= 1 and sum(i.count for i in pareto.items) == pareto.total
        counts = [i.count for i in pareto.items]
        assert counts == sorted(counts, reverse=True)
        assert pareto.items[-1].cumulative_share == pytest.approx(1.0)
    assert any(i.key == "PROC-003" for i in pareto.items)


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/dashboard/kpis", {"day": "2026-13-01"}),
        ("/api/v1/dashboard/kpis", {"shift": "X"}),
        ("/api/v1/quality/yield", {"from": "2026-12-04", "to": "2026-12-01"}),
        ("/api/v1/quality/yield", {"from": "2020-01-01", "to": "2026-12-01"}),
        ("/api/v1/quality/yield", {"from": "2026-12-01", "to": "2026-12-04", "group": "week"}),
        ("/api/v1/quality/pareto", {"from": "2026-12-01"}),
        ("/api/v1/quality/pareto", {"from": "2026-12-01", "to": "2026-12-04", "by": "x"}),
    ],
)
def test_bad_periods_are_refused_in_the_contract(viewer: Client, path: str, params: dict):
    r = viewer.get(path, params=params)
    assert r.status_code == 400 or r.status_code == 422, r.text
    body = r.json()
    assert body["status"] == "error" and body["error_code"] and "data" in body


def test_a_shift_narrows_the_day(viewer: Client, day_of_production: dict[str, str]):
    day = viewer.get("/api/v1/dashboard/kpis").json()["data"]["day"]
    whole = viewer.get("/api/v1/dashboard/kpis", params={"day": day}).json()["data"]
    parts = [
        viewer.get("/api/v1/dashboard/kpis", params={"day": day, "shift": s}).json()["data"]
        for s in ("D", "N")
    ]
    assert parts[0]["period_start"] == whole["period_start"]
    assert parts[0]["period_end"] == parts[1]["period_start"]
    assert parts[1]["period_end"] == whole["period_end"]
    assert len(parts[0]["hourly_output"]) == 12 and len(parts[1]["hourly_output"]) == 12
