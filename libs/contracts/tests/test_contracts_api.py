"""REST DTOs and identifier formats."""

from __future__ import annotations

from datetime import date

import pytest
from mes_contracts import identifiers as ids
from mes_contracts.api import (
    FirmwareMeta,
    LabelPrintRequest,
    LotCreateRequest,
    LotLabelRequest,
    Page,
    ProcessStartRequest,
    SerialLabelRequest,
)
from mes_contracts.enums import FirmwareMetaStatus, lot_transition_allowed
from mes_contracts.errors import ErrorCode
from mes_contracts.validation import mes_error_from_validation
from pydantic import TypeAdapter, ValidationError

pytestmark = pytest.mark.unit

START = {
    "lot_number": "WF-KR-251110D-001",
    "process_id": "PROC-001",
    "process_name": "레이저 마킹",
    "worker_id": "W001",
    "start_time": "2025-01-10T09:00:00+09:00",
}
labels = TypeAdapter(LabelPrintRequest)


def test_process_start_request() -> None:
    req = ProcessStartRequest.model_validate(START)
    assert req.start_time.utcoffset().total_seconds() == 9 * 3600


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start_time", "2025-01-10T09:00:00"),  # naive
        ("lot_number", "WF-KR-251110D-001\n"),
        ("lot_number", "WF-KR-２５１１１０D-001"),  # full-width digits
        ("lot_number", "A" * 65),
        ("process_id", "PROC-1"),
        ("worker_id", "W" * 33),
        ("worker_id", "W001; DROP"),
    ],
)
def test_process_start_request_rejects(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        ProcessStartRequest.model_validate({**START, field: value})


def test_process_start_request_forbids_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        ProcessStartRequest.model_validate({**START, "sequence_number": 3})


def test_lot_create_request() -> None:
    req = LotCreateRequest.model_validate({"shift": "N"})
    assert (req.product_model, req.target_quantity, req.shift) == ("WF", 100, "N")
    for bad in ({"shift": "X"}, {"shift": "D", "target_quantity": 10000},
                {"shift": "D", "production_date": "2025-11-10"}):  # fmt: skip
        with pytest.raises(ValidationError):
            LotCreateRequest.model_validate(bad)


def test_label_requests_discriminated_on_label_type() -> None:
    lot = labels.validate_python(
        {
            "label_type": "LOT",
            "lot_number": "WF-KR-251110D-001",
            "product_model": "Withforce",
            "target_quantity": 100,
            "created_date": "2025-01-10",
            "printer_id": "PRINTER-01",
        }
    )
    assert isinstance(lot, LotLabelRequest) and lot.created_date == date(2025, 1, 10)
    serial = labels.validate_python(
        {
            "label_type": "SERIAL",
            "serial_number": "WF-KR-251110D-001-0001",
            "lot_number": "WF-KR-251110D-001",
            "product_model": "Withforce",
            "created_date": "2025-01-10",
            "printer_id": "PRINTER-07",
        }
    )
    assert isinstance(serial, SerialLabelRequest)
    with pytest.raises(ValidationError):
        labels.validate_python({"label_type": "BOX", "lot_number": "WF-KR-251110D-001"})


def test_reprint_needs_a_reason() -> None:
    body = {
        "label_type": "SERIAL",
        "serial_number": "WF-KR-251110D-001-0001",
        "lot_number": "WF-KR-251110D-001",
        "product_model": "Withforce",
        "created_date": "2025-01-10",
        "reprint": True,
    }
    with pytest.raises(ValidationError) as info:
        labels.validate_python(body)
    assert mes_error_from_validation(info.value).code is ErrorCode.REASON_REQUIRED
    assert labels.validate_python({**body, "reason": "label torn"}).reason == "label torn"


def test_firmware_meta_status_is_case_insensitive() -> None:
    meta = FirmwareMeta.model_validate(
        {
            "version": "v1.2.3",
            "filename": "firmware_v1.2.3.bin",
            "file_size": 65536,
            "md5_hash": "5D41402ABC4B2A76B9719D911017C592",
            "downloaded_at": "2025-01-10T10:00:15+09:00",
            "status": "uploaded",
            "target_mcu": "STM32F103",
        }
    )
    assert meta.status is FirmwareMetaStatus.UPLOADED
    assert meta.md5_hash == "5d41402abc4b2a76b9719d911017c592"
    assert meta.model_dump(mode="json")["status"] == "UPLOADED"


def test_page() -> None:
    page = Page[int](items=[1, 2], total=10, limit=2, offset=0)
    assert page.model_dump() == {"items": [1, 2], "total": 10, "limit": 2, "offset": 0}


def test_identifier_helpers() -> None:
    lot = ids.format_lot_number("WF", "KR", date(2025, 11, 10), "D", 1)
    assert lot == "WF-KR-251110D-001"
    assert ids.format_serial_number(lot, 1) == "WF-KR-251110D-001-0001"
    assert ids.serial_lot_number("WF-KR-251110D-001-0001") == lot
    assert ids.parse_lot_number(lot) == ("WF", "KR", date(2025, 11, 10), "D", 1)
    assert not ids.is_lot_number(lot + "\n")
    assert ids.is_firmware_version("v10.0.1") and not ids.is_firmware_version("v1.2")
    with pytest.raises(ValueError):
        ids.format_serial_number(lot, 10000)
    with pytest.raises(ValueError):
        ids.parse_lot_number("WF-KR-251340D-001")  # month 13
    assert ids.firmware_filename("v1.2.3") == "firmware_v1.2.3.bin"
    assert ids.firmware_download_path("v1.2.3") == "/api/v1/firmware/download/v1.2.3"


def test_completion_filename() -> None:
    parsed = ids.parse_completion_filename("WF-KR-251110D-001_PROC-003_20250110090000.json")
    assert parsed.lot_number == "WF-KR-251110D-001" and parsed.process_id == "PROC-003"
    assert parsed.timestamp.isoformat() == "2025-01-10T09:00:00"
    assert ids.parse_completion_filename("WF-KR-251110D-001_PROC-003_20250110090000.JSON")
    for bad in ("completion.json", "WF-KR-251110D-001_PROC-003_20250110.json",
                "WF-KR-251110D-001_PROC-003_20251310090000.json"):  # fmt: skip
        with pytest.raises(ValueError):
            ids.parse_completion_filename(bad)


def test_lot_transitions() -> None:
    assert lot_transition_allowed("CREATED", "IN_PROGRESS")
    assert lot_transition_allowed("COMPLETED", "CLOSED")
    assert not lot_transition_allowed("CLOSED", "IN_PROGRESS")
    assert not lot_transition_allowed("COMPLETED", "IN_PROGRESS")
