"""lot-service's LOT view of its routing copy (GET /lots/{lot}: processes, progress)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lot_service.api import lot_progress

pytestmark = pytest.mark.unit

T = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
ROUTING = [  # gapped and out of order: the view follows `sequence`
    {"process_id": "PROC-003", "sequence": 30, "name_ko": "센서 검사", "name_en": "Sensor"},
    {"process_id": "PROC-001", "sequence": 10, "name_ko": "레이저 마킹", "name_en": "Laser"},
    {"process_id": "PROC-002", "sequence": 20, "name_ko": "LMA 조립", "name_en": "LMA"},
]


def row(pid: str, seq: int, status: str, result: str | None = None) -> dict:
    return {
        "process_id": pid,
        "process_name": pid,
        "sequence_number": seq,
        "status": status,
        "worker_id": "W001",
        "start_time": T,
        "complete_time": T if status == "COMPLETED" else None,
        "result": result,
        "work_order_id": f"WO-20261203-{seq:03d}",
    }


def test_every_step_in_sequence_order_with_its_record():
    steps, percent = lot_progress(
        ROUTING, [row("PROC-002", 20, "IN_PROGRESS"), row("PROC-001", 10, "COMPLETED", "PASS")]
    )
    assert [(s["process_id"], s["sequence"], s["status"]) for s in steps] == [
        ("PROC-001", 10, "COMPLETED"),
        ("PROC-002", 20, "IN_PROGRESS"),
        ("PROC-003", 30, "NOT_STARTED"),
    ]
    assert steps[0]["result"] == "PASS" and steps[0]["complete_time"] == T.isoformat()
    assert steps[2]["worker_id"] is None and steps[2]["name_en"] == "Sensor"
    assert percent == 33


def test_a_failed_step_counts_as_completed():
    _, percent = lot_progress(
        ROUTING,
        [row("PROC-001", 10, "COMPLETED", "PASS"), row("PROC-002", 20, "COMPLETED", "FAIL")],
    )
    assert percent == 67


def test_without_a_routing_copy_the_records_give_the_steps():
    steps, percent = lot_progress([], [row("PROC-002", 2, "COMPLETED", "PASS")])
    assert [(s["process_id"], s["name_ko"], s["name_en"]) for s in steps] == [
        ("PROC-002", "PROC-002", None)
    ]
    assert percent == 100
    assert lot_progress([], []) == ([], 0)
