"""Bulk-load years of production history into the trace read models (for benchmarks).

    python -m trace_service.seed_history --years 3 --units-per-day 500

Writes straight into the `trace` tables with COPY — the shape the projections produce from
events, not row-by-row requests — for the days before today (today stays live). Process
records are per LOT, as the routing says (SPEC §3: every step is LOT-level), so 3 years at
500 units/day is ~550,000 serials, ~5,500 LOTs, ~45,000 process records with their
measurements, defects and component usage, and the LOT-level event log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from mes_contracts.identifiers import format_lot_number, format_serial_number
from mes_contracts.routing import DEFAULT_ROUTING

KST = ZoneInfo("Asia/Seoul")
FORCE_POINTS = (("T38_P170", 12.8), ("T50_P180", 14.5), ("T52_P200", 16.0))


class Batch:
    def __init__(self) -> None:
        self.tables: dict[str, list[tuple]] = {
            name: []
            for name in (
                "lots",
                "lot_status_history",
                "process_records",
                "defects",
                "measurements",
                "component_usage",
                "serials",
                "event_log",
            )
        }

    def add(self, table: str, row: tuple) -> None:
        self.tables[table].append(row)


COLUMNS = {
    "lots": (
        "lot_number",
        "product_model",
        "factory",
        "production_date",
        "shift",
        "target_quantity",
        "status",
        "status_time",
        "created_at",
        "created_by",
    ),
    "lot_status_history": (
        "event_id",
        "lot_number",
        "from_status",
        "to_status",
        "changed_at",
        "changed_by",
        "reason",
    ),
    "process_records": (
        "work_order_id",
        "lot_number",
        "product_model",
        "process_id",
        "process_name",
        "sequence_number",
        "worker_id",
        "complete_worker_id",
        "start_time",
        "start_day",
        "complete_time",
        "complete_day",
        "result",
        "process_data",
    ),
    "defects": (
        "work_order_id",
        "idx",
        "lot_number",
        "process_id",
        "check_name",
        "measured",
        "target",
        "tolerance",
        "lower_limit",
        "upper_limit",
        "unit",
        "message",
        "worker_id",
        "occurred_at",
    ),
    "measurements": (
        "work_order_id",
        "idx",
        "lot_number",
        "process_id",
        "check_name",
        "value",
        "target",
        "lower_limit",
        "upper_limit",
        "unit",
        "result",
        "measured_at",
    ),
    "component_usage": (
        "work_order_id",
        "component_type",
        "component_lot",
        "lot_number",
        "process_id",
        "worker_id",
        "used_at",
    ),
    "serials": (
        "serial_number",
        "lot_number",
        "sequence",
        "status",
        "status_time",
        "allocated_at",
        "replacement_reason",
    ),
    "event_log": ("event_id", "type", "subject", "time", "actor", "data"),
}


def _day_of(day: date, rng: random.Random, lots_per_day: int, lot_size: int) -> Batch:
    batch = Batch()
    wo = 0
    for n in range(1, lots_per_day + 1):
        lot = format_lot_number("WF", "KR", day, "D", n)
        created = datetime(day.year, day.month, day.day, 8, 5 + n, tzinfo=KST)
        worker = f"W{rng.randint(1, 20):03d}"
        clock = created + timedelta(minutes=10)
        spring = f"SPRING-{(day.toordinal() // 2):06d}"
        busbar = f"BUSBAR-{(day.toordinal() // 7):06d}"
        for step in DEFAULT_ROUTING:
            attempts = (
                2 if step.process_id in ("PROC-003", "PROC-006") and rng.random() < 0.03 else 1
            )
            for attempt in range(attempts):
                wo += 1
                work_order = f"WO-{day:%Y%m%d}-{wo:03d}"
                start, end = clock, clock + timedelta(minutes=rng.randint(5, 40))
                clock = end + timedelta(minutes=2)
                fail = attempt == 0 and attempts == 2
                data, measures, defect = _process_data(
                    step.process_id, lot, rng, fail, spring, busbar
                )
                result = "FAIL" if fail else "PASS"
                batch.add(
                    "process_records",
                    (
                        work_order,
                        lot,
                        "WF",
                        step.process_id,
                        step.name_ko,
                        step.sequence,
                        worker,
                        worker,
                        start,
                        start.date(),
                        end,
                        end.date(),
                        result,
                        json.dumps(data),
                    ),
                )
                for i, m in enumerate(measures):
                    batch.add("measurements", (work_order, i, lot, step.process_id, *m, end))
                if defect:
                    batch.add(
                        "defects", (work_order, 0, lot, step.process_id, *defect, worker, end)
                    )
                if step.process_id == "PROC-002":
                    batch.add(
                        "component_usage",
                        (work_order, "sma_spring", spring, lot, "PROC-002", worker, end),
                    )
                    batch.add(
                        "component_usage",
                        (work_order, "busbar", busbar, lot, "PROC-002", worker, end),
                    )
                for kind, at in (("process.started", start), ("process.completed", end)):
                    batch.add(
                        "event_log",
                        (
                            uuid.uuid4(),
                            kind,
                            lot,
                            at,
                            None,
                            json.dumps(
                                {
                                    "lot_number": lot,
                                    "process_id": step.process_id,
                                    "work_order_id": work_order,
                                }
                            ),
                        ),
                    )
                if step.process_id == "PROC-007" and attempt == 0:
                    for s in range(1, lot_size + 1):
                        batch.add(
                            "serials",
                            (
                                format_serial_number(lot, s),
                                lot,
                                s,
                                "PASSED",
                                clock + timedelta(hours=1),
                                start,
                                None,
                            ),
                        )
        done = clock
        batch.add(
            "lots",
            (
                lot,
                "WF",
                "KR",
                day,
                "D",
                lot_size,
                "CLOSED",
                done + timedelta(hours=2),
                created,
                "manager",
            ),
        )
        for from_s, to_s, at in (
            (None, "CREATED", created),
            ("CREATED", "IN_PROGRESS", created + timedelta(minutes=10)),
            ("IN_PROGRESS", "COMPLETED", done),
            ("COMPLETED", "CLOSED", done + timedelta(hours=2)),
        ):
            batch.add("lot_status_history", (uuid.uuid4(), lot, from_s, to_s, at, "manager", None))
        batch.add(
            "event_log",
            (uuid.uuid4(), "lot.created", lot, created, None, json.dumps({"lot_number": lot})),
        )
    return batch


def _process_data(
    process_id: str, lot: str, rng: random.Random, fail: bool, spring: str, busbar: str
):
    if process_id == "PROC-003":
        temp = round(rng.gauss(60.0, 0.3), 2) if not fail else 62.4
        ok = abs(temp - 60.0) <= 1.0
        data = {
            "temp_sensor": {
                "measured_temp": temp,
                "target_temp": 60.0,
                "tolerance": 1.0,
                "result": "PASS" if ok else "FAIL",
            },
            "tof_sensor": {"i2c_communication": True, "result": "PASS"},
            "overall_result": "PASS" if ok else "FAIL",
        }
        measures = [("temp_sensor", temp, 60.0, 59.0, 61.0, "°C", "PASS" if ok else "FAIL")]
        defect = (
            None
            if ok
            else (
                "temp_sensor",
                json.dumps(temp),
                60.0,
                1.0,
                59.0,
                61.0,
                "°C",
                "temperature out of spec",
            )
        )
        return data, measures, defect
    if process_id == "PROC-006":
        results, measures, defect = [], [], None
        for i, (point, target) in enumerate(FORCE_POINTS):
            force = round(rng.gauss(target, 0.3), 2) if not (fail and i == 1) else target + 1.6
            ok = abs(force - target) <= 1.0
            results.append(
                {
                    "test_point_id": point,
                    "spec": {"target_force": target, "tolerance": 1.0},
                    "measured_force": force,
                    "result": "PASS" if ok else "FAIL",
                }
            )
            measures.append(
                (
                    f"test_results[{point}]",
                    force,
                    target,
                    target - 1,
                    target + 1,
                    "kgf",
                    "PASS" if ok else "FAIL",
                )
            )
            if not ok:
                defect = (
                    f"test_results[{point}]",
                    json.dumps(force),
                    target,
                    1.0,
                    target - 1,
                    target + 1,
                    "kgf",
                    "force out of spec",
                )
        data = {
            "test_results": results,
            "overall_result": "FAIL" if defect else "PASS",
            "test_duration_seconds": 45,
        }
        return data, measures, defect
    if process_id == "PROC-002":
        return {"sma_spring_lot": spring, "busbar_lot": busbar}, [], None
    if process_id == "PROC-001":
        return {"lot_number_engraved": lot, "marking_result": "SUCCESS"}, [], None
    return {}, [], None


def _days(years: float, today: date) -> Iterator[date]:
    first = today - timedelta(days=round(365 * years))
    day = first
    while day < today:
        yield day
        day += timedelta(days=1)


async def seed(
    dsn: str, years: float, units_per_day: int, lot_size: int, seed_value: int
) -> dict[str, int]:
    rng = random.Random(seed_value)  # noqa: S311 - synthetic data
    today = datetime.now(KST).date()
    days = list(_days(years, today))
    conn = await asyncpg.connect(dsn)
    totals: dict[str, int] = dict.fromkeys(COLUMNS, 0)
    try:
        clash = await conn.fetchval(
            "SELECT count(*) FROM trace.lots WHERE production_date >= $1 AND production_date < $2",
            days[0],
            today,
        )
        if clash:
            raise SystemExit(
                f"trace.lots already holds {clash} LOTs in that period: seed an empty database"
            )
        lots_per_day = max(1, units_per_day // lot_size)
        for start in range(0, len(days), 30):
            merged = Batch()
            for day in days[start : start + 30]:
                for table, rows in _day_of(day, rng, lots_per_day, lot_size).tables.items():
                    merged.tables[table].extend(rows)
            async with conn.transaction():
                for table, rows in merged.tables.items():
                    if rows:
                        await conn.copy_records_to_table(
                            table, records=rows, columns=COLUMNS[table], schema_name="trace"
                        )
                        totals[table] += len(rows)
        await conn.execute(
            "ANALYZE trace.lots, trace.lot_status_history, trace.serials, trace.process_records, "
            "trace.component_usage, "
            "trace.measurements, trace.defects, trace.event_log"
        )
    finally:
        await conn.close()
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--units-per-day", type=int, default=500)
    parser.add_argument("--lot-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    dsn = os.environ["DATABASE_URL"].replace("postgresql+asyncpg://", "postgresql://", 1)
    started = time.monotonic()
    totals = asyncio.run(seed(dsn, args.years, args.units_per_day, args.lot_size, args.seed))
    elapsed = time.monotonic() - started
    print(f"seeded in {elapsed:.1f}s: " + ", ".join(f"{k} {v:,}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
