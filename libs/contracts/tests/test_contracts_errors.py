"""Error codes, MesError, response bodies, ValidationError mapping."""

from __future__ import annotations

import pytest
from mes_contracts.api import ProcessStartData
from mes_contracts.errors import (
    ERROR_INFO,
    ErrorBody,
    ErrorCode,
    MesError,
    SuccessBody,
    success_body,
)
from mes_contracts.validation import format_loc, mes_error_from_validation
from pydantic import BaseModel, ValidationError

pytestmark = pytest.mark.unit

EXPECTED_STATUS = {
    "LOT_NOT_FOUND": 404,
    "PREVIOUS_PROCESS_NOT_COMPLETED": 400,
    "DUPLICATE_START": 409,
    "INVALID_PROCESS_SEQUENCE": 400,
    "WORKER_NOT_FOUND": 404,
    "PROCESS_NOT_STARTED": 409,
    "PROCESS_ALREADY_COMPLETED": 409,
    "VALIDATION_ERROR": 400,
    "MALFORMED_BODY": 400,
    "MISSING_REQUIRED_FIELD": 400,
    "INVALID_PROCESS_DATA": 400,
    "DUPLICATE_LOT_NUMBER": 409,
    "LOT_NOT_IN_PROGRESS": 409,
    "LOT_CLOSED": 409,
    "INVALID_STATUS_TRANSITION": 409,
    "SERIAL_NOT_FOUND": 404,
    "PRODUCT_MODEL_NOT_FOUND": 404,
    "PROCESS_NOT_FOUND": 404,
    "NO_RELEASED_FIRMWARE": 409,
    "FIRMWARE_NOT_FOUND": 404,
    "FIRMWARE_NOT_RELEASED": 403,
    "FIRMWARE_VERSION_EXISTS": 409,
    "INVALID_FIRMWARE_VERSION": 400,
    "PRINTER_NOT_FOUND": 404,
    "PRINTER_NOT_CONNECTED": 503,
    "PRINTER_OUT_OF_PAPER": 503,
    "PRINTER_HEAD_OPEN": 503,
    "PRINTER_RIBBON_OUT": 503,
    "PRINTER_PAUSED": 503,
    "PRINTER_NOT_RESPONDING": 503,
    "NO_PRINTER_ASSIGNED": 409,
    "INVALID_LABEL_DATA": 400,
    "REASON_REQUIRED": 400,
    "UNAUTHORIZED": 401,
    "TOKEN_EXPIRED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "PAYLOAD_TOO_LARGE": 413,
    "RATE_LIMITED": 429,
    "SERVICE_UNAVAILABLE": 503,
    "UPSTREAM_TIMEOUT": 504,
    "INTERNAL_ERROR": 500,
    "CONFLICT": 409,
    "INVALID_CREDENTIALS": 401,
    "USER_EXISTS": 409,
    "USER_NOT_FOUND": 404,
    "AUDIT_CHAIN_BROKEN": 409,
    "AUDIT_ANCHOR_INTACT": 409,
    "SELF_LOCKOUT": 409,
    "LAST_ADMIN": 409,
    "RANGE_NOT_SATISFIABLE": 416,
}


def test_every_code_has_status_and_messages() -> None:
    assert set(ERROR_INFO) == set(ErrorCode)
    for code in ErrorCode:
        assert 400 <= code.http_status < 600
        assert code.message_en and code.message_ko
        assert code.message_en != code.message_ko
        assert code.message() == code.message_ko
        assert code.message("en") == code.message_en


@pytest.mark.parametrize(("name", "status"), sorted(EXPECTED_STATUS.items()))
def test_statuses_from_the_contract(name: str, status: int) -> None:
    assert ErrorCode(name).http_status == status


def test_seed_messages() -> None:
    assert ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED.message_ko == "이전 공정이 완료되지 않았습니다"
    assert ErrorCode.PRINTER_NOT_CONNECTED.message_ko == "프린터 연결 실패"


def test_mes_error_body() -> None:
    err = MesError(
        ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED,
        data={"lot_number": "WF-KR-251110D-001", "previous_process": "LMA 조립"},
    )
    assert err.status_code == 400
    assert err.to_body() == {
        "status": "error",
        "message": "이전 공정이 완료되지 않았습니다",
        "error_code": "PREVIOUS_PROCESS_NOT_COMPLETED",
        "data": {"lot_number": "WF-KR-251110D-001", "previous_process": "LMA 조립"},
    }
    assert err.to_body("en")["message"] == "The previous process is not completed"
    assert (
        ErrorBody.model_validate(err.to_body()).error_code
        is ErrorCode.PREVIOUS_PROCESS_NOT_COMPLETED
    )
    assert "PREVIOUS_PROCESS_NOT_COMPLETED" in str(err)


def test_mes_error_overrides() -> None:
    err = MesError("LOT_CLOSED", message="custom", status=410)
    assert err.code is ErrorCode.LOT_CLOSED
    assert (err.status_code, err.message, err.data) == (410, "custom", {})
    assert MesError(ErrorCode.NOT_FOUND, detail="x").to_body("en")["message"] == "Not found: x"
    with pytest.raises(ValueError):
        MesError("NO_SUCH_CODE")


def test_success_body_generic() -> None:
    data = ProcessStartData(
        lot_number="WF-KR-251110D-001", process_id="PROC-001", process_name="레이저 마킹",
        worker_id="W001", start_time="2025-01-10T09:00:00+09:00",
        work_order_id="WO-20250110-001", sequence_number=1,
    )  # fmt: skip
    body = SuccessBody[ProcessStartData](message="착공이 등록되었습니다", data=data)
    dumped = body.model_dump(mode="json")
    assert dumped["status"] == "success"
    assert dumped["data"]["start_time"] == "2025-01-10T09:00:00+09:00"
    assert success_body(data, "ok") == {**dumped, "message": "ok"}
    parsed = SuccessBody[ProcessStartData].model_validate(dumped)
    assert parsed.data.work_order_id == "WO-20250110-001"


class _Body(BaseModel):
    name: str
    count: int


def test_validation_mapping() -> None:
    with pytest.raises(ValidationError) as info:
        _Body.model_validate({"count": "x"})
    err = mes_error_from_validation(info.value, context={"k": 1})
    assert err.code is ErrorCode.MISSING_REQUIRED_FIELD
    assert err.data == {"field": "name", "missing_fields": ["name"], "k": 1}
    with pytest.raises(ValidationError) as info:
        _Body.model_validate({"name": "a", "count": "x"})
    err = mes_error_from_validation(info.value)
    assert err.code is ErrorCode.VALIDATION_ERROR and err.data["field"] == "count"


def test_fastapi_style_errors() -> None:
    errors = [{"loc": ("body", "items", 2, "name"), "type": "missing", "msg": "Field required"}]
    err = mes_error_from_validation(errors)
    assert err.data["field"] == "items[2].name"
    assert format_loc(("a", 0, "b"), "process_data") == "process_data.a[0].b"
