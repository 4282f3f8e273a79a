"""PASS/FAIL of each routing step's process_data (validate_process_data), one table: what
the station sends → the verdict and the checks recorded as defects.

Policy (mes_contracts.process_data): a check fails if the station says FAIL or if its
value lies outside target ± tolerance (bounds included); an overall FAIL that no sub-check
explains is a defect of its own."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from mes_contracts.process_data import validate_process_data

pytestmark = pytest.mark.unit

LOT = "WF-KR-251110D-001"


def force_point(point: str, *, target: float, tolerance: float, measured: float) -> dict:
    return {
        "test_point_id": point,
        "spec": {"target_force": target, "tolerance": tolerance},
        "measured_force": measured,
        "result": "PASS",
    }


PASSING: dict[str, dict[str, Any]] = {
    "PROC-001": {"lot_number_engraved": LOT, "marking_result": "SUCCESS"},
    "PROC-002": {"sma_spring_lot": "SPRING-2025011001", "busbar_lot": "BUS-77"},
    "PROC-003": {
        "temp_sensor": {
            "measured_temp": 60.2,
            "target_temp": 60.0,
            "tolerance": 1.0,
            "result": "PASS",
        },
        "tof_sensor": {"i2c_communication": True, "result": "PASS"},
        "overall_result": "PASS",
    },
    "PROC-004": {"firmware_version": "v1.2.3", "upload_result": "SUCCESS"},
    "PROC-005": {},
    "PROC-006": {
        "test_results": [
            force_point("T38_P170", target=12.8, tolerance=1.0, measured=12.9),
            force_point("T50_P180", target=20.0, tolerance=0.5, measured=20.1),
        ],
        "overall_result": "PASS",
        "test_duration_seconds": 45,
        "tested_at": "2025-11-10T11:00:00+09:00",
    },
    "PROC-007": {
        "label_printed": True,
        "printer_id": "PRINTER-07",
        "print_time": "2025-11-10T12:00:00+09:00",
        "barcode_verified": True,
    },
    "PROC-008": {"inspection_result": "PASS"},
}


def changed(process_id: str, **paths: Any) -> dict[str, Any]:
    """The passing data of `process_id` with `a__b__0__c=value` set (a.b[0].c)."""
    data = copy.deepcopy(PASSING[process_id])
    for path, value in paths.items():
        *parents, last = [int(k) if k.isdigit() else k for k in path.split("__")]
        target: Any = data
        for key in parents:
            target = target[key]
        target[last] = value
    return data


TEMP = "temp_sensor__measured_temp"
FORCE = "test_results__0__measured_force"


@pytest.mark.parametrize(
    ("process_id", "data", "result", "defects"),
    [
        *((pid, PASSING[pid], "PASS", []) for pid in PASSING),
        ("PROC-001", changed("PROC-001", marking_result="FAIL"), "FAIL", ["marking_result"]),
        ("PROC-001", changed("PROC-001", marking_result="fail"), "FAIL", ["marking_result"]),
        ("PROC-003", changed("PROC-003", **{TEMP: 59.0}), "PASS", []),  # lower bound
        ("PROC-003", changed("PROC-003", **{TEMP: 61.0}), "PASS", []),  # upper bound
        ("PROC-003", changed("PROC-003", **{TEMP: 58.99}), "FAIL", ["temp_sensor"]),
        ("PROC-003", changed("PROC-003", **{TEMP: 61.01}), "FAIL", ["temp_sensor"]),
        ("PROC-003", changed("PROC-003", temp_sensor__result="FAIL"), "FAIL", ["temp_sensor"]),
        ("PROC-003", changed("PROC-003", temp_sensor__tolerance=0.0, **{TEMP: 60.0}), "PASS", []),
        ("PROC-003", changed("PROC-003", tof_sensor__result="FAIL"), "FAIL", ["tof_sensor"]),
        (
            "PROC-003",
            changed("PROC-003", tof_sensor__i2c_communication=False),
            "FAIL",
            ["tof_sensor"],
        ),
        (
            "PROC-003",
            changed("PROC-003", tof_sensor__result="FAIL", **{TEMP: 70.0}),
            "FAIL",
            ["temp_sensor", "tof_sensor"],
        ),
        ("PROC-003", changed("PROC-003", overall_result="FAIL"), "FAIL", ["overall_result"]),
        ("PROC-004", changed("PROC-004", upload_result="FAIL"), "FAIL", ["upload_result"]),
        ("PROC-005", {"result": "FAIL"}, "FAIL", ["result"]),
        ("PROC-006", changed("PROC-006", **{FORCE: 11.8}), "PASS", []),  # 12.8 - 1.0
        ("PROC-006", changed("PROC-006", **{FORCE: 13.8}), "PASS", []),  # 12.8 + 1.0
        ("PROC-006", changed("PROC-006", **{FORCE: 13.81}), "FAIL", ["test_results[T38_P170]"]),
        (
            "PROC-006",
            changed("PROC-006", test_results__1__result="FAIL"),
            "FAIL",
            ["test_results[T50_P180]"],
        ),
        (
            "PROC-006",
            changed("PROC-006", test_results__0__result="FAIL", test_results__1__measured_force=0),
            "FAIL",
            ["test_results[T38_P170]", "test_results[T50_P180]"],
        ),
        ("PROC-006", changed("PROC-006", overall_result="FAIL"), "FAIL", ["overall_result"]),
        ("PROC-007", changed("PROC-007", label_printed=False), "FAIL", ["label_printed"]),
        ("PROC-007", changed("PROC-007", barcode_verified=False), "FAIL", ["barcode_verified"]),
        (
            "PROC-007",
            changed("PROC-007", label_printed=False, barcode_verified=False),
            "FAIL",
            ["label_printed", "barcode_verified"],
        ),
        ("PROC-008", changed("PROC-008", inspection_result="FAIL"), "FAIL", ["inspection_result"]),
        ("PROC-099", {"anything": 1}, "PASS", []),  # a step without a model
        ("PROC-099", {"overall_result": "FAIL"}, "FAIL", ["overall_result"]),
    ],
)
def test_verdict_per_step(
    process_id: str, data: dict[str, Any], result: str, defects: list[str]
) -> None:
    outcome = validate_process_data(process_id, data, lot_number=LOT)
    assert outcome.result == result
    assert [d.check for d in outcome.defects] == defects


@pytest.mark.parametrize(
    ("process_id", "paths", "checks"),
    [
        ("PROC-003", {}, ["temp_sensor"]),
        ("PROC-003", {TEMP: 75.5}, ["temp_sensor"]),
        ("PROC-006", {}, ["test_results[T38_P170]", "test_results[T50_P180]"]),
    ],
)
def test_measurements_are_kept_pass_or_fail(
    process_id: str, paths: dict[str, Any], checks: list[str]
) -> None:
    outcome = validate_process_data(process_id, changed(process_id, **paths), lot_number=LOT)
    assert [m.check for m in outcome.measurements] == checks
    for m in outcome.measurements:
        assert m.lower == pytest.approx(m.target - m.tolerance)
        assert m.upper == pytest.approx(m.target + m.tolerance)
        in_spec = m.value is not None and m.lower <= m.value <= m.upper
        assert (m.result == "PASS") is in_spec


def test_component_lots_come_from_the_lot_keys() -> None:
    data = {**PASSING["PROC-002"], "housing_lot": "H-1"}
    outcome = validate_process_data("PROC-002", data, lot_number=LOT)
    assert [(c.component_type, c.lot_number) for c in outcome.component_lots] == [
        ("sma_spring", "SPRING-2025011001"),
        ("busbar", "BUS-77"),
        ("housing", "H-1"),
    ]
