"""Live SPC on real PostgreSQL: the first baseline establishes version 1 by itself, a
planted run of 9 above the centre line is stored as rule-2 violations naming its points
and raises one alert, which resolves once a clean window followed; a redelivered
completion changes nothing."""

from __future__ import annotations

import asyncio
import copy
import itertools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from mes_cli.demo import process_data_for
from mes_cli.pytest_plugin import asyncpg_dsn, create_database, migrate_service
from mes_contracts import events as ev
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.events import make_event
from mes_contracts.process_data import validate_process_data
from servicekit.db import Database
from servicekit.runtime import ServiceRuntime
from trace_service.alerts.centre import AlertCentre
from trace_service.app import TraceSettings
from trace_service.models import SCHEMA, metadata
from trace_service.projections import Projector
from trace_service.quality.live import LiveSpc

KST = ZoneInfo("Asia/Seoul")
T0 = datetime(2025, 11, 10, 9, 0, tzinfo=KST)
BASELINE = [60.1, 59.9, 60.0, 60.2, 59.8, 60.1, 59.9, 60.0, 60.1, 59.9] * 2  # x̄ = 60.0
CLEAN = [59.95, 60.05, 60.05, 59.95]  # neither a run, a trend nor an alternation


def completion(n: int, temp: float) -> Envelope:
    lot = f"WF-KR-251110D-{n:03d}"
    at = T0 + timedelta(minutes=10 * n)
    data = copy.deepcopy(process_data_for("PROC-003", lot, at))
    data["temp_sensor"].update(measured_temp=temp, target_temp=60.0, tolerance=1.0)
    outcome = validate_process_data("PROC-003", data, lot_number=lot)
    body = {
        "work_order_id": f"WO-20251110-{n:03d}",
        "lot_number": lot,
        "product_model": "WF",
        "process_id": "PROC-003",
        "process_name": "센서 검사",
        "sequence_number": 3,
        "worker_id": f"W{n % 3 + 1:03d}",
        "start_time": at,
        "started_at": at,
        "reported_start_time": at,
        "complete_time": at + timedelta(minutes=5),
        "result": outcome.result,
        "process_data": data,
        "defects": [d.model_dump(mode="json") for d in outcome.defects],
        "measurements": [m.model_dump(mode="json") for m in outcome.measurements],
        "component_lots": [c.model_dump(mode="json") for c in outcome.component_lots],
        "is_last_process": False,
        "recorded_at": at + timedelta(minutes=5),
    }
    actor = Actor(worker_id=body["worker_id"], role="worker")
    event = make_event(ev.PROCESS_COMPLETED, body, source="process-service", actor=actor)
    return Envelope.from_json(event.to_json())


@pytest.fixture(params=[""], ids=["alert-only"])
async def stack(pg_url: str, request: pytest.FixtureRequest) -> Any:
    url = await create_database(pg_url, "trace_spc")
    await asyncio.to_thread(migrate_service, "trace_service", url)
    settings = TraceSettings(
        database_url=url, spc_baseline_points=len(BASELINE), spc_hold_checks=request.param
    )
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    runtime.db = Database(url)
    live = LiveSpc(AlertCentre(runtime, settings), settings)
    projector = Projector(KST)

    async def feed(*events: Envelope) -> None:
        for event in events:
            async with runtime.db.transaction() as session:
                await projector.apply(session, event)
                await live.on_completed(session, event)

    try:
        yield url, feed
    finally:
        await runtime.db.dispose()


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def test_a_planted_run_is_flagged_alerted_once_and_resolved(stack: Any) -> None:
    url, feed = stack
    n = 0

    def batch(values: list[float]) -> list[Envelope]:
        nonlocal n
        out = [completion(n + i + 1, v) for i, v in enumerate(values)]
        n += len(values)
        return out

    await feed(*batch(BASELINE[:-1]))
    assert [dict(r) for r in await _fetch(url, "SELECT version, state FROM trace.spc_limits")] == [
        {"version": 1, "state": "pending"}
    ]
    await feed(*batch(BASELINE[-1:]))
    [limits] = await _fetch(
        url, "SELECT version, state, points, center, sigma, set_by FROM trace.spc_limits"
    )
    assert (limits["version"], limits["state"], limits["points"]) == (1, "active", 20)
    assert limits["center"] == pytest.approx(60.0) and limits["set_by"] == "system"
    assert limits["sigma"] == pytest.approx(
        sum(abs(b - a) for a, b in itertools.pairwise(BASELINE)) / 19 / 1.1284
    )

    run = batch([60.08] * 10)  # 9 in a row above the centre line, within 3σ, then one more
    await feed(*run)
    await feed(run[-1])  # redelivered: nothing new
    found = await _fetch(
        url,
        "SELECT rule, lot_number, worker_id, jsonb_array_length(points) AS n, "
        "points->0->>'lot_number' AS first FROM trace.spc_violations ORDER BY measured_at",
    )
    assert [(f["rule"], f["n"]) for f in found] == [("2", 9), ("2", 9)]
    assert found[0]["lot_number"] == "WF-KR-251110D-029"  # the 9th point of the run
    assert found[0]["first"] == "WF-KR-251110D-021" and found[0]["worker_id"] == "W003"
    alerts = await _fetch(url, "SELECT rule, condition_key, resolved_at FROM trace.alerts")
    assert [(a["rule"], a["condition_key"], a["resolved_at"]) for a in alerts] == [
        ("spc.violation", "spc:temp_sensor:2", None)
    ]

    await feed(*batch(CLEAN * 3))  # 12 clean points: the run still ends in the window
    [alert] = await _fetch(url, "SELECT resolved_at FROM trace.alerts")
    assert alert["resolved_at"] is None
    await feed(*batch(CLEAN[:2]))  # 14 clean points: the window is clean
    [alert] = await _fetch(url, "SELECT resolved_at FROM trace.alerts")
    assert alert["resolved_at"] is not None
    outbox = await _fetch(url, "SELECT stream FROM trace.outbox ORDER BY seq")
    assert [o["stream"] for o in outbox] == [ev.ALERT_RAISED, ev.ALERT_RESOLVED]


async def test_a_point_beyond_3_sigma_is_rule_1(stack: Any) -> None:
    url, feed = stack
    await feed(*(completion(i + 1, v) for i, v in enumerate(BASELINE)))
    await feed(completion(len(BASELINE) + 1, 60.9))  # in spec (60 ± 1), out of control
    [hit] = await _fetch(url, "SELECT rule, value, points FROM trace.spc_violations")
    assert (hit["rule"], hit["value"]) == ("1", 60.9)
    [alert] = await _fetch(url, "SELECT condition_key, params FROM trace.alerts")
    assert alert["condition_key"] == "spc:temp_sensor:1"


async def _found(url: str) -> list[dict[str, Any]]:
    rows = await _fetch(
        url, f"SELECT payload FROM trace.outbox WHERE stream = '{ev.SPC_VIOLATION_FOUND}'"
    )
    return [Envelope.from_json(r["payload"]).data for r in rows]


@pytest.mark.parametrize("stack", [" temp_sensor , other"], ids=["hold"], indirect=True)
async def test_a_violation_on_a_hold_check_is_published_once(stack: Any) -> None:
    url, feed = stack
    await feed(*(completion(i + 1, v) for i, v in enumerate(BASELINE)))
    outlier = completion(len(BASELINE) + 1, 60.9)
    await feed(outlier)
    await feed(outlier)  # redelivered: the hit is stored already, nothing new
    [found] = await _found(url)
    assert (found["lot_number"], found["work_order_id"], found["process_id"]) == (
        "WF-KR-251110D-021",
        "WO-20251110-021",
        "PROC-003",
    )
    [v] = found["violations"]
    assert (v["check"], v["rule"], v["value"], v["limits_version"]) == ("temp_sensor", "1", 60.9, 1)
    assert v["center"] == pytest.approx(60.0) and v["lcl"] < 60.0 < v["ucl"] < 60.9
    assert (v["lower_limit"], v["upper_limit"], v["unit"]) == (59.0, 61.0, "°C")
    assert [p["lot_number"] for p in v["points"]] == ["WF-KR-251110D-021"]


async def test_a_violation_on_another_check_only_alerts(stack: Any) -> None:
    url, feed = stack
    await feed(*(completion(i + 1, v) for i, v in enumerate(BASELINE)))
    await feed(completion(len(BASELINE) + 1, 60.9))
    assert len(await _fetch(url, "SELECT id FROM trace.spc_violations")) == 1
    assert await _found(url) == []
