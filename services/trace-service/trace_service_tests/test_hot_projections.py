"""trace-service's hot projections on raw asyncpg (ADR 0014), on real PostgreSQL: the
process records with their defects, measurements and component LOTs, the same whatever the
order and number of deliveries, and in the scratch schema of a rebuild, not the live one."""

from __future__ import annotations

import asyncio
import copy
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from mes_cli.demo import process_data_for
from mes_cli.pytest_plugin import asyncpg_dsn, create_database, migrate_service
from mes_contracts import events as ev
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.events import make_event
from mes_contracts.process_data import validate_process_data
from trace_service.projections import Projector
from trace_service.rebuild import compare, replay

KST = ZoneInfo("Asia/Seoul")


def production(lots: int = 2) -> list[Envelope]:
    """LOTs through all 8 steps; the second LOT fails its sensor check once."""
    out: list[Envelope] = []
    now = datetime(2025, 11, 10, 9, 0, tzinfo=KST)
    actor = Actor(user_id="m", role="production_manager")
    for n in range(1, lots + 1):
        lot = f"WF-KR-251110D-{n:03d}"
        created = {
            "lot_number": lot,
            "product_model": "WF",
            "factory": "KR",
            "production_date": "2025-11-10",
            "shift": "D",
            "sequence": n,
            "target_quantity": 5,
            "status": "CREATED",
            "created_at": now,
            "created_by": "m",
        }
        out.append(make_event(ev.LOT_CREATED, created, source="lot-service", actor=actor))
        for i in range(1, 9):
            pid, at = f"PROC-{i:03d}", now + timedelta(minutes=10 * i)
            data = process_data_for(pid, lot, at)
            if pid == "PROC-003" and n == 2:
                data = copy.deepcopy(data)
                data["temp_sensor"].update(measured_temp=70.5, result="FAIL")
                data["overall_result"] = "FAIL"
            outcome = validate_process_data(pid, data, lot_number=lot)
            common = {
                "work_order_id": f"WO-20251110-{n * 10 + i:03d}",
                "lot_number": lot,
                "product_model": "WF",
                "process_id": pid,
                "process_name": pid,
                "sequence_number": i,
                "worker_id": "W001",
                "start_time": at,
            }
            out.append(
                make_event(
                    ev.PROCESS_STARTED,
                    {**common, "recorded_at": at},
                    source="process-service",
                    actor=actor,
                )
            )
            out.append(
                make_event(
                    ev.PROCESS_COMPLETED,
                    {
                        **common,
                        "started_at": at,
                        "reported_start_time": at,
                        "complete_time": at + timedelta(minutes=5),
                        "result": outcome.result,
                        "process_data": data,
                        "defects": [d.model_dump(mode="json") for d in outcome.defects],
                        "measurements": [m.model_dump(mode="json") for m in outcome.measurements],
                        "component_lots": [
                            c.model_dump(mode="json") for c in outcome.component_lots
                        ],
                        "is_last_process": i == 8,
                        "recorded_at": at + timedelta(minutes=5),
                    },
                    source="process-service",
                    actor=actor,
                )
            )
    # As consumers see them: parsed from the wire.
    return [Envelope.from_json(e.to_json()) for e in out]


async def test_any_order_and_duplicates_give_the_same_tables(pg_url: str) -> None:
    url = await create_database(pg_url, "trace_hot")
    await asyncio.to_thread(migrate_service, "trace_service", url)
    events = production()
    mixed = events + events[::3]
    random.Random(5).shuffle(mixed)
    projector = Projector(KST)
    await replay(url, mixed, "trace", projector, wipe=False)  # the live schema
    await replay(url, events, "trace_scratch", projector, wipe=False)  # translated
    differences = await compare(url, "trace", "trace_scratch")
    assert all(d == (0, 0) for d in differences.values()), differences

    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        counts = {
            t: await conn.fetchval(f"SELECT count(*) FROM trace.{t}")
            for t in ("event_log", "process_records", "defects", "measurements", "component_usage")
        }
        [defect] = await conn.fetch(
            "SELECT work_order_id, idx, check_name, measured::text AS measured, target, "
            "tolerance, worker_id, occurred_at FROM trace.defects"
        )
        [record] = await conn.fetch(
            "SELECT result, complete_day::text AS day, process_data->>'overall_result' AS overall, "
            "started_at FROM trace.process_records WHERE work_order_id = 'WO-20251110-023'"
        )
        actor = await conn.fetchval("SELECT actor->>'user_id' FROM trace.event_log LIMIT 1")
    finally:
        await conn.close()
    assert counts == {
        "event_log": len(events),
        "process_records": 16,
        "defects": 1,
        "measurements": 2 * 3,  # temperature + 2 force test points per LOT
        "component_usage": 2 * 2,  # SMA spring + busbar LOT per LOT
    }
    assert (defect["work_order_id"], defect["idx"], defect["worker_id"]) == (
        "WO-20251110-023",
        0,
        "W001",
    )
    assert defect["measured"] == "70.5" and defect["target"] == 60.0
    assert dict(record) == {
        "result": "FAIL",
        "day": "2025-11-10",
        "overall": "FAIL",
        "started_at": datetime(2025, 11, 10, 9, 30, tzinfo=KST),
    }
    assert actor == "m"


def serial_events(lot: str) -> list[Envelope]:
    """Allocation of 5 serials and a replacement, all moving on at PROC-007, one unit
    failed, the others passed at the end."""
    at = datetime(2025, 11, 10, 12, 0, tzinfo=KST)
    serials = [{"serial_number": f"{lot}-{i:04d}", "sequence": i} for i in range(1, 6)]

    def allocated(items: list[dict], minutes: int, **extra: object) -> Envelope:
        data = {"lot_number": lot, "product_model": "WF", "serials": items, **extra}
        data["allocated_at"] = at + timedelta(minutes=minutes)
        return make_event(ev.SERIALS_ALLOCATED, data, source="lot-service")

    def moved(numbers: list[int], to: str, minutes: int) -> Envelope:
        changes = [
            {"serial_number": f"{lot}-{i:04d}", "from_status": "CREATED", "to_status": to}
            for i in numbers
        ]
        data = {
            "lot_number": lot,
            "serials": changes,
            "changed_at": at + timedelta(minutes=minutes),
        }
        return make_event(ev.SERIALS_STATUS_CHANGED, data, source="lot-service")

    replacement = [{"serial_number": f"{lot}-0006", "sequence": 6}]
    return [
        Envelope.from_json(e.to_json())
        for e in (
            allocated(serials, 0, reason="PROC-007_START"),
            allocated(replacement, 1, reason="REPLACEMENT", replacement_reason="damaged"),
            moved([1, 2, 3, 4, 5, 6], "IN_PROGRESS", 5),
            moved([2], "FAILED", 7),
            moved([1, 3, 4, 5, 6], "PASSED", 9),
        )
    ]


async def test_serial_projections_keep_the_newest_status_in_any_order(pg_url: str) -> None:
    url = await create_database(pg_url, "trace_serials")
    await asyncio.to_thread(migrate_service, "trace_service", url)
    lot = "WF-KR-251110D-001"
    events = serial_events(lot)
    for seed in range(3):
        mixed = events + events[::2]
        random.Random(seed).shuffle(mixed)
        await replay(url, mixed, f"trace_s{seed}", Projector(KST), wipe=False)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for seed in range(3):
            rows = await conn.fetch(
                f"SELECT serial_number, sequence, status, replacement_reason "
                f"FROM trace_s{seed}.serials ORDER BY sequence"
            )
            assert [(r["sequence"], r["status"]) for r in rows] == [
                (1, "PASSED"),
                (2, "FAILED"),
                (3, "PASSED"),
                (4, "PASSED"),
                (5, "PASSED"),
                (6, "PASSED"),
            ], seed
            assert rows[5]["replacement_reason"] == "damaged"
            assert rows[0]["serial_number"] == f"{lot}-0001"
    finally:
        await conn.close()
