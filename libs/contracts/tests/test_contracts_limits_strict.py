"""One definition of the numeric limits, and request bodies strict about numbers and booleans."""

from __future__ import annotations

import inspect
from datetime import date
from typing import Any

import pytest
from mes_contracts import api, limits
from mes_contracts import identifiers as ids
from mes_contracts.api import LabelPrintRequest, LotCreateRequest, ProcessCompleteRequest
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.payloads.lot import AllocatedSerial, LotCreated
from mes_contracts.process_data import validate_process_data
from mes_contracts.process_data_models import PROCESS_DATA_MODELS
from mes_contracts.strict import lax_scalar_fields
from pydantic import BaseModel, StrictInt, TypeAdapter, ValidationError

pytestmark = pytest.mark.unit

LOT = "WF-KR-251110D-001"
labels = TypeAdapter(LabelPrintRequest)


def test_the_limits_follow_from_the_number_formats() -> None:
    assert limits.MAX_LOT_SEQUENCE == 999 and limits.MAX_SERIAL_SEQUENCE == 9999
    assert limits.MAX_TARGET_QUANTITY == limits.MAX_SERIAL_SEQUENCE
    assert limits.MAX_BIGINT == 2**63 - 1 == limits.MAX_OFFSET
    assert ids.format_serial_number(LOT, limits.MAX_TARGET_QUANTITY) == f"{LOT}-9999"
    assert ids.format_lot_number("WF", "KR", date(2025, 11, 10), "D", 999) == "WF-KR-251110D-999"
    with pytest.raises(ValueError):
        ids.format_serial_number(LOT, limits.MAX_SERIAL_SEQUENCE + 1)
    with pytest.raises(ValueError):
        ids.format_lot_number("WF", "KR", date(2025, 11, 10), "D", limits.MAX_LOT_SEQUENCE + 1)


def test_every_layer_takes_the_largest_lot_and_refuses_one_more() -> None:
    top = limits.MAX_TARGET_QUANTITY
    assert LotCreateRequest.model_validate({"shift": "D", "target_quantity": top})
    created = {
        "lot_number": LOT,
        "product_model": "WF",
        "factory": "KR",
        "production_date": "2025-11-10",
        "shift": "D",
        "sequence": 1,
        "created_at": "2025-11-10T09:00:00+09:00",
        "created_by": "manager",
    }
    assert LotCreated.model_validate({**created, "target_quantity": top})
    assert AllocatedSerial.model_validate({"serial_number": f"{LOT}-9999", "sequence": top})
    label = {
        "label_type": "LOT",
        "lot_number": LOT,
        "product_model": "WF",
        "created_date": "2025-11-10",
    }
    assert labels.validate_python({**label, "target_quantity": top})
    for validate in (
        lambda q: LotCreateRequest.model_validate({"shift": "D", "target_quantity": q}),
        lambda q: LotCreated.model_validate({**created, "target_quantity": q}),
        lambda q: labels.validate_python({**label, "target_quantity": q}),
    ):
        with pytest.raises(ValidationError):
            validate(top + 1)


def test_the_dashboards_limits_are_generated_from_here() -> None:
    assert limits.main(["--check"]) == 0, "run: uv run python -m mes_contracts.limits"
    text = limits.render_typescript()
    assert f"export const MAX_TARGET_QUANTITY = {limits.MAX_TARGET_QUANTITY};" in text


def _request_dtos() -> list[Any]:
    found: list[Any] = [LabelPrintRequest, *PROCESS_DATA_MODELS.values()]
    for name, obj in vars(api).items():
        if name.endswith("Request") and inspect.isclass(obj) and issubclass(obj, BaseModel):
            found.append(obj)
    return found


def test_the_lax_field_finder_finds_what_pydantic_would_coerce() -> None:
    class Inner(BaseModel):
        ok: StrictInt
        flag: bool

    class Outer(BaseModel):
        count: int
        items: list[Inner] = []
        maybe: float | None = None

    assert lax_scalar_fields(Outer) == ["Outer.count", "Outer.items.flag", "Outer.maybe"]


@pytest.mark.parametrize("dto", _request_dtos(), ids=lambda t: getattr(t, "__name__", "labels"))
def test_no_request_body_coerces_numbers_or_booleans(dto: Any) -> None:
    assert lax_scalar_fields(dto) == []


@pytest.mark.parametrize("value", [True, "5", 5.0, 5.5, None])
def test_lot_quantity_is_an_integer_not_something_like_one(value: Any) -> None:
    with pytest.raises(ValidationError):
        LotCreateRequest.model_validate({"shift": "D", "target_quantity": value})


@pytest.mark.parametrize(
    ("field", "value"), [("target_quantity", True), ("target_quantity", "100"), ("reprint", 1)]
)
def test_label_requests_are_strict(field: str, value: Any) -> None:
    body = {
        "label_type": "LOT",
        "lot_number": LOT,
        "product_model": "WF",
        "target_quantity": 100,
        "created_date": "2025-11-10",
        field: value,
    }
    with pytest.raises(ValidationError):
        labels.validate_python(body)


SENSOR = {
    "temp_sensor": {"measured_temp": 60.2, "target_temp": 60, "tolerance": 1.0, "result": "PASS"},
    "tof_sensor": {"i2c_communication": True, "result": "PASS"},
    "overall_result": "PASS",
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("temp_sensor", "measured_temp"), "60.2"),
        (("temp_sensor", "tolerance"), True),
        (("tof_sensor", "i2c_communication"), 1),
        (("tof_sensor", "i2c_communication"), "true"),
    ],
)
def test_measurements_are_numbers_and_verdicts_booleans(path: tuple[str, str], value: Any) -> None:
    data = {**SENSOR, path[0]: {**SENSOR[path[0]], path[1]: value}}
    with pytest.raises(MesError) as info:
        validate_process_data("PROC-003", data, lot_number=LOT)
    assert info.value.code is ErrorCode.INVALID_PROCESS_DATA
    assert info.value.data["field"] == f"process_data.{path[0]}.{path[1]}"


def test_strict_fields_keep_iso_times_and_whole_numbers_working_in_python_mode() -> None:
    """FastAPI validates the decoded JSON in Python mode, where a strict datetime would
    refuse its ISO string: only the scalars are strict, times and dates parse as before."""
    body = ProcessCompleteRequest.model_validate(
        {
            "lot_number": LOT,
            "process_id": "PROC-006",
            "process_name": "성능검사",
            "worker_id": "W001",
            "start_time": "2025-11-10T09:00:00+09:00",
            "complete_time": "2025-11-10T09:15:00+09:00",
            "process_data": {
                "test_results": [
                    {
                        "test_point_id": "T1",
                        "spec": {"target_force": 12, "tolerance": 1},
                        "measured_force": 12.5,
                        "result": "PASS",
                    }
                ],
                "overall_result": "PASS",
                "test_duration_seconds": 45,
                "tested_at": "2025-11-10T09:10:00+09:00",
            },
        }
    )
    assert body.start_time.utcoffset().total_seconds() == 9 * 3600
    outcome = body.outcome()  # an integer is a fine float; its ISO tested_at parses
    assert outcome.measurements[0].target == 12.0
    label = labels.validate_python(
        {
            "label_type": "LOT",
            "lot_number": LOT,
            "product_model": "WF",
            "target_quantity": 1,
            "created_date": "2025-11-10",
        }
    )
    assert label.created_date == date(2025, 11, 10)
    printed = {
        "label_printed": True,
        "printer_id": "P-1",
        "print_time": "2025-11-10T14:30:00+09:00",
        "barcode_verified": False,
    }
    assert validate_process_data("PROC-007", printed, lot_number=LOT).result == "FAIL"
