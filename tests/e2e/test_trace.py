"""Genealogy and dashboards built only from events (TC-TRACE-001…006, TC-DASH-001/002),
and a rebuild from the streams that equals the live projections."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

import asyncpg
import pytest
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack
from redis import Redis

from .conftest import Client
from .production import (
    KST,
    complete_body,
    dispose,
    new_lot,
    run_process,
    start_body,
    station_file,
)

SPRING, BUSBAR = "SPRING-TRACE-0001", "BUSBAR-TRACE-0001"


@pytest.fixture(scope="module")
def traced_lot(manager: Client, worker: Client, firmware_released) -> str:
    """A LOT through all 8 processes, with a FAIL at sensor inspection and its rework."""
    lot = new_lot(manager, worker, quantity=20)
    run_process(worker, lot, "PROC-001")
    run_process(worker, lot, "PROC-002", {"sma_spring_lot": SPRING, "busbar_lot": BUSBAR})
    at = datetime.now(KST).replace(microsecond=0)
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-003", at)).status_code
        == 200
    )
    failing = station_file("invalid", "defect-is-valid-but-FAIL")
    failing.update(
        lot_number=lot,
        start_time=at.isoformat(),
        complete_time=(at + timedelta(minutes=5)).isoformat(),
    )
    failed = worker.post("/api/v1/process/complete", json=failing).json()["data"]
    assert failed["result"] == "FAIL"
    dispose(manager, failed["ncr_number"])  # the hold's NCR: rework PROC-003
    run_process(worker, lot, "PROC-003")  # rework passes
    for step in range(4, 9):
        run_process(worker, lot, f"PROC-{step:03d}")
    eventually(lambda: manager.get(f"/api/v1/lots/{lot}").json()["data"]["status"] == "COMPLETED")
    return lot


def _trace(client: Client, path: str) -> dict:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_lot_history_has_all_eight_processes(viewer: Client, traced_lot: str):  # TC-TRACE-001
    def settled() -> dict | None:
        d = _trace(viewer, f"/api/v1/trace/lots/{traced_lot}")
        return (
            d
            if d["status"] == "COMPLETED" and d["serials"]["by_status"] == {"PASSED": 20}
            else None
        )

    data = eventually(settled)
    assert [p["process_id"] for p in data["processes"]] == [f"PROC-00{i}" for i in range(1, 9)]
    assert all(p["status"] == "COMPLETED" and p["result"] == "PASS" for p in data["processes"])
    sensor = data["processes"][2]
    assert [a["result"] for a in sensor["attempts"]] == ["FAIL", "PASS"]
    assert data["progress_percent"] == 100
    assert data["serials"]["total"] == 20 and data["serials"]["by_status"] == {"PASSED": 20}


def test_serial_history_carries_every_process_with_its_data(
    viewer: Client, traced_lot: str
):  # TC-TRACE-002
    serial = f"{traced_lot}-0007"
    data = eventually(
        lambda: (
            (d := _trace(viewer, f"/api/v1/trace/serials/{serial}"))["lot"]["status"] == "COMPLETED"
            and d
        )
    )
    assert data["lot_number"] == traced_lot and data["status"] == "PASSED"
    steps = {p["process_id"]: p for p in data["lot"]["processes"]}
    marking = steps["PROC-001"]["attempts"][0]
    assert (
        marking["process_data"]["lot_number_engraved"] == traced_lot
        and marking["worker_id"] == "W001"
    )
    assert marking["start_time"] and marking["complete_time"]
    assert steps["PROC-004"]["attempts"][0]["process_data"]["firmware_version"]
    temps = [m for a in steps["PROC-003"]["attempts"] for m in a["measurements"]]
    assert any(m["value"] == 62.4 for m in temps) and any(m["value"] == 60.2 for m in temps)
    forces = steps["PROC-006"]["attempts"][0]["measurements"]
    assert len(forces) >= 2 and all(m["unit"] for m in forces)


def test_component_lots_both_ways(viewer: Client, traced_lot: str):  # TC-TRACE-003
    lot = _trace(viewer, f"/api/v1/trace/lots/{traced_lot}")
    components = {(c["component_type"], c["component_lot"]) for c in lot["component_lots"]}
    assert ("sma_spring", SPRING) in components and ("busbar", BUSBAR) in components
    recall = _trace(viewer, f"/api/v1/trace/components/{SPRING}")
    assert recall["lot_count"] >= 1
    use = next(u for u in recall["usages"] if u["lot_number"] == traced_lot)
    assert use["process_id"] == "PROC-002" and len(use["serials"]) == 20
    csv = viewer.get(f"/api/v1/trace/components/{SPRING}", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("component_lot,component_type,lot_number")
    assert sum(1 for line in lines if traced_lot in line) == 20


def test_defect_trace_names_the_failing_check(viewer: Client, traced_lot: str):  # TC-TRACE-004
    data = _trace(viewer, f"/api/v1/trace/defects?lot_number={traced_lot}")
    [defect] = data["items"]
    assert defect["process_id"] == "PROC-003" and defect["check_name"] == "temp_sensor"
    assert defect["measured"] == 62.4 and defect["target"] == 60.0 and defect["tolerance"] == 1.0
    assert defect["worker_id"] == "W001"
    assert {"process_id": "PROC-003", "check": "temp_sensor", "count": 1} in data["by_cause"]


def test_worker_trace_lists_what_they_did(viewer: Client, traced_lot: str):  # TC-TRACE-005
    data = _trace(viewer, "/api/v1/trace/workers/W001?limit=1000")
    mine = [r for r in data["records"] if r["lot_number"] == traced_lot]
    assert len(mine) == 9  # 8 processes + the rework attempt
    assert {r["process_id"] for r in mine} == {f"PROC-00{i}" for i in range(1, 9)}


def test_nothing_is_missing(viewer: Client, worker: Client, traced_lot: str):  # TC-TRACE-006
    source = worker.get(f"/api/v1/process/lots/{traced_lot}").json()["data"]["processes"]
    source_orders = {a["work_order_id"]: a["result"] for p in source for a in p["attempts"]}
    traced = _trace(viewer, f"/api/v1/trace/lots/{traced_lot}")["processes"]
    traced_orders = {a["work_order_id"]: a["result"] for p in traced for a in p["attempts"]}
    assert traced_orders == source_orders
    events = _trace(viewer, f"/api/v1/trace/lots/{traced_lot}/events")["events"]
    types = [e["type"] for e in events]
    assert types.count("process.started") == 9 and types.count("process.completed") == 9
    assert types.count("lot.created") == 1 and types.count("serials.allocated") == 1
    # Coarse (ADR 0012): the LOT's 20 serials moved twice (PROC-007 passed, PROC-008 passed),
    # two events each listing all 20, under the LOT's own history.
    moves = [e["data"] for e in events if e["type"] == "serials.status_changed"]
    assert [(m["process_id"], len(m["serials"])) for m in moves] == [
        ("PROC-007", 20),
        ("PROC-008", 20),
    ]
    assert {s["to_status"] for s in moves[-1]["serials"]} == {"PASSED"}
    assert "serial.status_changed" not in types


def test_measurement_series_for_charts(viewer: Client, traced_lot: str):
    checks = _trace(viewer, "/api/v1/trace/measurements")["checks"]
    assert checks
    name = next(c["check"] for c in checks if c["process_id"] == "PROC-003")
    series = _trace(viewer, f"/api/v1/trace/measurements?check={name}")
    assert series["points"] and series["spec"]["lower_limit"] < series["spec"]["upper_limit"]


def _source_counts(stack: Stack, day: str) -> dict[str, tuple[int, int, int]]:
    async def query() -> dict:
        conn = await asyncpg.connect(
            stack.database_url.replace("postgresql+asyncpg://", "postgresql://")
        )
        try:
            rows = await conn.fetch(
                """
                SELECT process_id,
                       count(*) FILTER (WHERE (start_time AT TIME ZONE 'Asia/Seoul')::date = $1::date),
                       count(*) FILTER (WHERE (complete_time AT TIME ZONE 'Asia/Seoul')::date = $1::date),
                       count(*) FILTER (WHERE (complete_time AT TIME ZONE 'Asia/Seoul')::date = $1::date
                                          AND result = 'FAIL')
                FROM process.process_records GROUP BY process_id
                """,
                date.fromisoformat(day),
            )
            return {r[0]: (r[1], r[2], r[3]) for r in rows}
        finally:
            await conn.close()

    return asyncio.run(query())


def test_dashboard_counts_equal_the_source_services(
    viewer: Client, stack: Stack, traced_lot: str
):  # TC-DASH-001
    day = datetime.now(KST).date().isoformat()

    def matches() -> dict | None:
        summary = _trace(viewer, f"/api/v1/dashboard/summary?day={day}")
        source = _source_counts(stack, day)
        mine = {
            p["process_id"]: (p["started"], p["completed"], p["defects"])
            for p in summary["by_process"]
        }
        expected = {p: source.get(p, (0, 0, 0)) for p in mine}
        return summary if mine == expected else None

    summary = eventually(matches, timeout=20)
    assert summary["started"] == sum(p["started"] for p in summary["by_process"])
    assert summary["defects"] >= 1
    assert summary["recent_events"]


def test_dashboard_open_lot_progress(
    viewer: Client, manager: Client, worker: Client
):  # TC-DASH-002
    lot = new_lot(manager, worker)
    run_process(worker, lot, "PROC-001")
    at = datetime.now(KST).replace(microsecond=0)
    assert (
        worker.post("/api/v1/process/start", json=start_body(lot, "PROC-002", at)).status_code
        == 200
    )

    def row() -> dict | None:
        lots = _trace(viewer, "/api/v1/dashboard/summary")["open_lots"]
        found = next((o for o in lots if o["lot_number"] == lot), None)
        ready = (
            found and found["current_process"] == "PROC-002" and found["status"] == "IN_PROGRESS"
        )
        return found if ready else None

    found = eventually(row)
    assert found["current_process_state"] == "IN_PROGRESS" and found["progress_percent"] == 12
    assert found["current_process_result"] is None
    assert found["status"] == "IN_PROGRESS"
    worker.post("/api/v1/process/complete", json=complete_body(lot, "PROC-002", at))


def _quiet(stack: Stack) -> bool:
    from trace_service.subscriptions import SUBSCRIPTIONS

    redis = Redis.from_url(stack.redis_url)
    try:
        for stream in SUBSCRIPTIONS.streams:
            for group in redis.xinfo_groups(stream):
                if group["name"] == b"trace-service" and (group["pending"] or group.get("lag")):
                    return False
        return True
    finally:
        redis.close()


@pytest.mark.parametrize(
    "flags", [[], ["--shuffle", "--duplicates"]], ids=["in-order", "shuffled-duplicated"]
)
def test_rebuild_from_the_streams_equals_the_live_projections(
    stack: Stack, traced_lot: str, flags: list[str]
):
    eventually(lambda: _quiet(stack), timeout=30)
    env = {**os.environ, "DATABASE_URL": stack.database_url, "REDIS_URL": stack.redis_url}
    out = subprocess.run(
        [sys.executable, "-m", "trace_service.rebuild", "--schema", "trace_rebuild_test", *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "identical" in out.stdout
