"""Validate a completion's `process_data` and judge it: PASS/FAIL, defects, measurements.

A FAIL is a recorded defect, not an error. Errors (`MesError`) are only for data that
cannot be stored as a fact: a missing required field (MISSING_REQUIRED_FIELD) or a wrong
type/value (INVALID_PROCESS_DATA). Policy for measured values: a check fails if the
station says FAIL *or* if its value lies outside target ± tolerance (the station said
PASS but the numbers disagree: recorded as a defect that says so).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from mes_contracts.enums import Result
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.process_data_models import *  # noqa: F403 - re-export the models
from mes_contracts.process_data_models import (
    PROCESS_DATA_MODELS,
    FirmwareUploadData,
    LabelPrintingData,
    LaserMarkingData,
    PackagingInspectionData,
    PerformanceTestData,
    SensorInspectionData,
)
from mes_contracts.quality import ComponentLot, Defect, Measurement, ProcessOutcome
from mes_contracts.validation import mes_error_from_validation

TEMP_UNIT = "°C"
FORCE_UNIT = "kgf"  # seed 002 §2.4.6: force is measured in kgf
COMPONENT_LOT_SUFFIX = "_lot"
_EPS = 1e-9

Findings = tuple[list[Defect], list[Measurement]]
_Judge = Callable[[Any, str, dict[str, Any]], Findings]


def _measure(
    check: str, value: float | None, target: float, tolerance: float, unit: str, said: str
) -> Measurement:
    lower, upper = round(target - tolerance, 9), round(target + tolerance, 9)
    in_spec = value is None or lower - _EPS <= value <= upper + _EPS
    result = Result.PASS if said == "PASS" and in_spec else Result.FAIL
    return Measurement(
        check=check, value=value, target=target, tolerance=tolerance,
        lower=lower, upper=upper, unit=unit, result=result,
    )  # fmt: skip


def _defect_from(m: Measurement, said: str, what: str) -> Defect:
    spec = f"{m.target} ± {m.tolerance} {m.unit}"
    if m.value is None:
        message = f"{what}: station reported {said} (no value, spec {spec})"
    elif said == "FAIL":
        message = f"{what}: {m.value} {m.unit}, spec {spec}"
    else:
        message = f"{what}: {m.value} {m.unit} outside spec {spec} although reported PASS"
    return Defect(
        check=m.check, measured=m.value, target=m.target, tolerance=m.tolerance,
        lower_limit=m.lower, upper_limit=m.upper, unit=m.unit, message=message,
    )  # fmt: skip


def _verdict(check: str, value: Any, what: str) -> Defect:
    return Defect(check=check, measured=value, message=f"{what} reported {value}")


def _laser_marking(d: LaserMarkingData, lot: str, ctx: dict[str, Any]) -> Findings:
    defects: list[Defect] = []
    if d.marking_result == "FAIL":
        defects.append(_verdict("marking_result", "FAIL", "Laser marking"))
    elif d.lot_number_engraved != lot:
        field = "process_data.lot_number_engraved"
        raise MesError(
            ErrorCode.INVALID_PROCESS_DATA,
            data={"field": field, "expected": lot, "actual": d.lot_number_engraved, **ctx},
            detail=f"{field} {d.lot_number_engraved!r} != {lot!r}",
        )
    return defects, []


def _sensor_inspection(d: SensorInspectionData, lot: str, ctx: dict[str, Any]) -> Findings:
    t = d.temp_sensor
    temp = _measure("temp_sensor", t.measured_temp, t.target_temp, t.tolerance, TEMP_UNIT, t.result)
    defects = [_defect_from(temp, t.result, "Temperature")] if temp.result == Result.FAIL else []
    tof = d.tof_sensor
    if tof.result == "FAIL" or not tof.i2c_communication:
        i2c = "OK" if tof.i2c_communication else "no I2C communication"
        defects.append(
            Defect(
                check="tof_sensor",
                measured=tof.i2c_communication,
                message=f"TOF sensor reported {tof.result} ({i2c})",
            )
        )
    return defects, [temp]


def _firmware_upload(d: FirmwareUploadData, lot: str, ctx: dict[str, Any]) -> Findings:
    if d.upload_result == "FAIL":
        return [_verdict("upload_result", "FAIL", f"Firmware {d.firmware_version} upload")], []
    return [], []


def _performance_test(d: PerformanceTestData, lot: str, ctx: dict[str, Any]) -> Findings:
    defects: list[Defect] = []
    measurements: list[Measurement] = []
    for point in d.test_results:
        unit = point.spec.unit or FORCE_UNIT
        m = _measure(
            f"test_results[{point.test_point_id}]", point.measured_force,
            point.spec.target_force, point.spec.tolerance, unit, point.result,
        )  # fmt: skip
        measurements.append(m)
        if m.result == Result.FAIL:
            defects.append(_defect_from(m, point.result, f"Force at {point.test_point_id}"))
    return defects, measurements


def _label_printing(d: LabelPrintingData, lot: str, ctx: dict[str, Any]) -> Findings:
    defects = []
    if not d.label_printed:
        defects.append(_verdict("label_printed", False, f"Label on {d.printer_id}: printed"))
    if not d.barcode_verified:
        defects.append(_verdict("barcode_verified", False, "Barcode verification"))
    return defects, []


def _packaging(d: PackagingInspectionData, lot: str, ctx: dict[str, Any]) -> Findings:
    if d.inspection_result == "FAIL":
        return [_verdict("inspection_result", "FAIL", "Visual inspection")], []
    return [], []


_JUDGES: dict[type[BaseModel], _Judge] = {
    LaserMarkingData: _laser_marking,
    SensorInspectionData: _sensor_inspection,
    FirmwareUploadData: _firmware_upload,
    PerformanceTestData: _performance_test,
    LabelPrintingData: _label_printing,
    PackagingInspectionData: _packaging,
}


def _component_lots(data: dict[str, Any], ctx: dict[str, Any]) -> list[ComponentLot]:
    lots = []
    for key, value in data.items():
        if not key.endswith(COMPONENT_LOT_SUFFIX) or key == COMPONENT_LOT_SUFFIX:
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > 64:
            field = f"process_data.{key}"
            raise MesError(
                ErrorCode.INVALID_PROCESS_DATA,
                data={"field": field, **ctx},
                detail=f"{field} must be a component LOT number (1-64 characters)",
            )
        lots.append(
            ComponentLot(component_type=key.removesuffix(COMPONENT_LOT_SUFFIX), lot_number=value)
        )
    return lots


def _reported_fail(data: dict[str, Any], defects: list[Defect]) -> list[Defect]:
    """`overall_result`/`result` FAIL not already explained by a failed sub-check."""
    for key in ("overall_result", "result"):
        value = data.get(key)
        if isinstance(value, str) and value.strip().upper() == "FAIL" and not defects:
            return [_verdict(key, "FAIL", "Station")]
    return []


def validate_process_data(
    process_id: str, data: dict[str, Any], *, lot_number: str
) -> ProcessOutcome:
    """Validate `data` as `process_id`'s process_data and judge it (see module doc).

    Raises `MesError` MISSING_REQUIRED_FIELD (data.field = full dotted path of the first
    missing field, data.missing_fields = all) or INVALID_PROCESS_DATA (data.field, errors).
    Unknown process ids accept any object; they FAIL only if `overall_result`/`result`
    says so.
    """
    ctx = {"process_id": process_id, "lot_number": lot_number}
    if not isinstance(data, dict):
        raise MesError(
            ErrorCode.INVALID_PROCESS_DATA,
            data={"field": "process_data", **ctx},
            detail="process_data must be a JSON object",
        )
    defects: list[Defect] = []
    measurements: list[Measurement] = []
    model = PROCESS_DATA_MODELS.get(process_id)
    if model is not None:
        try:
            parsed = model.model_validate(data)
        except ValidationError as exc:
            raise mes_error_from_validation(
                exc, prefix="process_data", code=ErrorCode.INVALID_PROCESS_DATA, context=ctx
            ) from None
        judge = _JUDGES.get(model)
        if judge is not None:
            defects, measurements = judge(parsed, lot_number, ctx)
    component_lots = _component_lots(data, ctx)
    defects += _reported_fail(data, defects)
    return ProcessOutcome(
        result=Result.FAIL if defects else Result.PASS,
        defects=defects,
        component_lots=component_lots,
        measurements=measurements,
    )
