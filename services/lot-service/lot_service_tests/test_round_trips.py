"""How many times creating a LOT waits for PostgreSQL (issue 16)."""

from __future__ import annotations

from mes_cli.pytest_plugin import round_trips

from .conftest import LotKit


async def test_lot_create_round_trips(kit: LotKit) -> None:
    await kit.create()  # warm: statements prepared on this connection
    with round_trips(kit.db.engine) as trips:
        await kit.create()
    print(f"round trips: LOT create {trips.count}")
    # BEGIN, the number (product model + the date's counter), the LOT with its history
    # row and event, COMMIT.
    assert trips.count <= 4


async def test_process_event_round_trips(kit: LotKit) -> None:
    """Applying process.started / process.completed (no serials involved)."""
    counts = {}
    for warm in (True, False):
        lot = (await kit.create())["lot_number"]
        common = {
            "lot_number": lot,
            "product_model": "WF",
            "process_id": "PROC-001",
            "process_name": "레이저 마킹",
            "sequence_number": 1,
            "worker_id": "W001",
            "start_time": "2025-11-10T09:00:00+09:00",
        }
        work_order = f"WO-20251110-{900 + warm:03d}"
        with round_trips(kit.db.engine) as trips:
            await kit.emit(
                "process.started",
                {
                    **common,
                    "work_order_id": work_order,
                    "recorded_at": "2025-11-10T09:00:01+09:00",
                },
            )
            counts["started (first: LOT to IN_PROGRESS)"] = trips.count
            trips.reset()
            await kit.emit(
                "process.completed",
                {
                    **common,
                    "work_order_id": work_order,
                    "started_at": "2025-11-10T09:00:01+09:00",
                    "reported_start_time": "2025-11-10T09:00:00+09:00",
                    "complete_time": "2025-11-10T09:10:00+09:00",
                    "result": "PASS",
                    "process_data": {},
                    "defects": [],
                    "measurements": [],
                    "component_lots": [],
                    "is_last_process": False,
                    "recorded_at": "2025-11-10T09:10:01+09:00",
                },
            )
            counts["completed"] = trips.count
    print(f"round trips: lot-service applying {counts}")
    assert counts["started (first: LOT to IN_PROGRESS)"] <= 4
    assert counts["completed"] <= 3
