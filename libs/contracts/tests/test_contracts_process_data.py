"""validate_process_data: required fields, invalid values, PASS/FAIL judgement."""

from __future__ import annotations

from typing import Any

import pytest
from mes_contracts.enums import Result
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.process_data import validate_process_data

pytestmark = pytest.mark.unit

LOT = "WF-KR-251110D-001"


def judge(process_id: str, data: dict[str, Any]):
    return validate_process_data(process_id, data, lot_number=LOT)


def error_of(process_id: str, data: Any) -> MesError:
    with pytest.raises(MesError) as info:
        validate_process_data(process_id, data, lot_number=LOT)
    return info.value


def sensor(temp: float = 60.2, temp_result: str = "PASS", i2c: bool = True, tof: str = "PASS"):
    return {
        "temp_sensor": {
            "measured_temp": temp,
            "target_temp": 60.0,
            "tolerance": 1.0,
            "result": temp_result,
        },
        "tof_sensor": {"i2c_communication": i2c, "result": tof},
        "overall_result": "PASS" if temp_result == tof == "PASS" else "FAIL",
    }


def force(measured: float | None = 12.9, result: str = "PASS", overall: str = "PASS"):
    point = {"test_point_id": "T38_P170", "spec": {"target_force": 12.8, "tolerance": 1.0}}
    if measured is not None:
        point["measured_force"] = measured
    point["result"] = result
    return {
        "test_results": [point],
        "overall_result": overall,
        "test_duration_seconds": 45,
        "tested_at": "2025-11-10T11:00:00+09:00",
    }


def test_laser_marking_fail_is_a_defect_not_an_error() -> None:
    out = judge("PROC-001", {"lot_number_engraved": LOT, "marking_result": "FAIL"})
    assert out.result == Result.FAIL
    assert [d.check for d in out.defects] == ["marking_result"]


def test_verdicts_are_case_insensitive() -> None:
    assert (
        judge("PROC-001", {"lot_number_engraved": LOT, "marking_result": "success"}).result
        == "PASS"
    )
    assert judge("PROC-008", {"inspection_result": "fail"}).result == "FAIL"


def test_bad_verdict_value_is_invalid() -> None:
    err = error_of("PROC-008", {"inspection_result": "MAYBE"})
    assert err.code == ErrorCode.INVALID_PROCESS_DATA
    assert err.data["field"] == "process_data.inspection_result"


def test_all_missing_fields_are_listed_with_full_paths() -> None:
    err = error_of("PROC-003", {"temp_sensor": {"measured_temp": 60.1}})
    assert err.code == ErrorCode.MISSING_REQUIRED_FIELD
    assert err.data["field"] == "process_data.temp_sensor.target_temp"
    assert err.data["missing_fields"] == [
        "process_data.temp_sensor.target_temp",
        "process_data.temp_sensor.tolerance",
        "process_data.temp_sensor.result",
        "process_data.tof_sensor",
        "process_data.overall_result",
    ]


def test_null_counts_as_missing() -> None:
    data = sensor()
    data["tof_sensor"] = None
    err = error_of("PROC-003", data)
    assert err.code == ErrorCode.MISSING_REQUIRED_FIELD
    assert err.data["field"] == "process_data.tof_sensor"


def test_wrong_type_is_invalid_process_data() -> None:
    data = sensor()
    data["temp_sensor"]["measured_temp"] = "hot"
    err = error_of("PROC-003", data)
    assert err.code == ErrorCode.INVALID_PROCESS_DATA
    assert err.data["field"] == "process_data.temp_sensor.measured_temp"
    assert err.data["errors"][0]["input"] == "'hot'"


def test_process_data_must_be_an_object() -> None:
    assert error_of("PROC-005", ["x"]).code == ErrorCode.INVALID_PROCESS_DATA


def test_station_pass_but_value_out_of_spec_is_fail() -> None:
    out = judge("PROC-003", sensor(temp=61.5, temp_result="PASS"))
    assert out.result == Result.FAIL
    (defect,) = out.defects
    assert defect.check == "temp_sensor" and "although reported PASS" in defect.message
    assert out.measurements[0].result == Result.FAIL


def test_boundary_value_is_in_spec() -> None:
    assert judge("PROC-003", sensor(temp=61.0)).result == Result.PASS
    assert judge("PROC-003", sensor(temp=59.0)).result == Result.PASS


def test_tof_without_i2c_is_a_defect() -> None:
    out = judge("PROC-003", sensor(i2c=False, tof="FAIL"))
    assert [(d.check, d.measured) for d in out.defects] == [("tof_sensor", False)]


def test_overall_fail_without_failed_subcheck_is_recorded() -> None:
    data = sensor()
    data["overall_result"] = "FAIL"
    out = judge("PROC-003", data)
    assert out.result == Result.FAIL
    assert [d.check for d in out.defects] == ["overall_result"]


def test_firmware_upload() -> None:
    ok = {"firmware_version": "v1.2.3", "upload_result": "SUCCESS"}
    assert judge("PROC-004", ok).result == Result.PASS
    assert judge("PROC-004", {**ok, "upload_result": "FAIL"}).defects[0].check == "upload_result"
    err = error_of("PROC-004", {**ok, "firmware_version": "1.2.3"})
    assert err.code == ErrorCode.INVALID_PROCESS_DATA
    assert err.data["field"] == "process_data.firmware_version"


def test_force_point_fail_names_the_point() -> None:
    out = judge("PROC-006", force(measured=14.2, result="FAIL", overall="FAIL"))
    (defect,) = out.defects
    assert defect.check == "test_results[T38_P170]"
    assert (defect.measured, defect.target, defect.tolerance, defect.unit) == (
        14.2,
        12.8,
        1.0,
        "kgf",
    )


def test_force_without_measured_value() -> None:
    out = judge("PROC-006", force(measured=None))
    assert out.result == Result.PASS
    assert out.measurements[0].value is None


def test_force_test_results_must_not_be_empty_and_paths_include_index() -> None:
    data = force()
    data["test_results"][0]["spec"].pop("tolerance")
    err = error_of("PROC-006", data)
    assert err.data["field"] == "process_data.test_results[0].spec.tolerance"
    data = force()
    data["test_results"] = []
    assert error_of("PROC-006", data).code == ErrorCode.INVALID_PROCESS_DATA


def test_label_printing_booleans() -> None:
    data = {
        "label_printed": True,
        "printer_id": "PRINTER-07",
        "print_time": "2025-11-10T14:30:00+09:00",
        "barcode_verified": False,
    }
    out = judge("PROC-007", data)
    assert [d.check for d in out.defects] == ["barcode_verified"]


def test_extra_fields_are_allowed_and_component_lots_collected() -> None:
    data = {
        "sma_spring_lot": "SPRING-1",
        "busbar_lot": "BUSBAR-1",
        "cable_lot": "CABLE-9",
        "operator_note": "ok",
    }
    out = judge("PROC-002", data)
    assert out.result == Result.PASS
    assert [(c.component_type, c.lot_number) for c in out.component_lots] == [
        ("sma_spring", "SPRING-1"),
        ("busbar", "BUSBAR-1"),
        ("cable", "CABLE-9"),
    ]


def test_component_lot_must_be_text() -> None:
    err = error_of("PROC-002", {"sma_spring_lot": "S", "busbar_lot": "B", "cable_lot": 7})
    assert err.code == ErrorCode.INVALID_PROCESS_DATA
    assert err.data["field"] == "process_data.cable_lot"
    err = error_of("PROC-002", {"sma_spring_lot": "", "busbar_lot": "B"})
    assert err.code == ErrorCode.INVALID_PROCESS_DATA


def test_unknown_process_accepts_anything() -> None:
    assert judge("PROC-042", {"anything": [1, 2]}).result == Result.PASS
    assert judge("PROC-042", {"result": "fail"}).result == Result.FAIL
    assert judge("PROC-042", {"overall_result": "FAIL"}).defects[0].check == "overall_result"
    assert judge("PROC-042", {"frame_lot": "F-1"}).component_lots[0].component_type == "frame"


def test_robot_assembly_requires_nothing() -> None:
    assert judge("PROC-005", {}).result == Result.PASS
