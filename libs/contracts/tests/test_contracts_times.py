"""AwareTimestamp, the reported-time window and process-name matching (ADR 0008)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from mes_contracts.api import ProcessCompleteRequest, ProcessStartRequest
from mes_contracts.api.label import LotLabelRequest
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.process_data import validate_process_data
from mes_contracts.routing import process_name_matches
from mes_contracts.times import AwareTimestamp, IsoDate, ReportedTimeWindow
from mes_contracts.validation import mes_error_from_validation
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

pytestmark = pytest.mark.unit

stamp = TypeAdapter(AwareTimestamp)
KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
WINDOW = ReportedTimeWindow()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-10T09:00:00+09:00", datetime(2025, 11, 10, 9, tzinfo=KST)),
        ("2025-11-10T00:00:00Z", datetime(2025, 11, 10, tzinfo=UTC)),
        ("2025-11-10t00:00:00z", datetime(2025, 11, 10, tzinfo=UTC)),
        ("2025-11-10T09:00+09:00", datetime(2025, 11, 10, 9, tzinfo=KST)),
        ("2025-11-10T09:00:00.250+0900", datetime(2025, 11, 10, 9, 0, 0, 250000, tzinfo=KST)),
        (
            "2025-11-10T09:00:00-12:00",
            datetime(2025, 11, 10, 9, tzinfo=timezone(-timedelta(hours=12))),
        ),
        (
            "2025-11-10T09:00:00+14:00",
            datetime(2025, 11, 10, 9, tzinfo=timezone(timedelta(hours=14))),
        ),
        ("9999-12-31T23:59:59+00:00", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("0001-01-01T00:00:00-01:00", datetime(1, 1, 1, tzinfo=timezone(-timedelta(hours=1)))),
    ],
)
def test_iso_strings_with_an_offset_are_accepted_offset_kept(text: str, expected: datetime):
    value = stamp.validate_python(text)
    assert value == expected and value.utcoffset() == expected.utcoffset()
    assert stamp.validate_json(f'"{text}"') == expected


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (1700000000, "datetime_type"),
        (1700000000.5, "datetime_type"),
        (True, "datetime_type"),
        (None, "datetime_type"),
        ("1700000000", "datetime_format"),
        ("2025-11-10T09:00:00", "datetime_format"),  # naive
        ("2025-11-10 09:00:00+09:00", "datetime_format"),  # not ISO's T
        ("2025-11-10", "datetime_format"),
        ("yesterday", "datetime_format"),
        ("2025-13-10T09:00:00+09:00", "datetime_format"),
        ("2025-11-10T09:00:00+24:00", "datetime_format"),
        ("2025-11-10T09:00:00+14:30", "datetime_offset"),
        ("2025-11-10T09:00:00-12:30", "datetime_offset"),
        ("9999-12-31T23:59:59-12:00", "datetime_range"),
        ("0001-01-01T00:00:00+14:00", "datetime_range"),
        (datetime(2025, 11, 10, 9), "datetime_naive"),
    ],
)
def test_numbers_naive_and_unrepresentable_times_are_refused(value: Any, kind: str):
    with pytest.raises(ValidationError) as info:
        stamp.validate_python(value)
    assert info.value.errors()[0]["type"] == kind


def test_the_json_schema_is_an_iso_string():
    assert stamp.json_schema() == {"type": "string", "format": "date-time"}


def test_strict_models_accept_it_too():
    class Strict(BaseModel):
        model_config = ConfigDict(strict=True)
        at: AwareTimestamp

    assert Strict.model_validate_json('{"at": "2025-11-10T09:00:00+09:00"}').at.hour == 9
    assert Strict.model_validate({"at": "2025-11-10T09:00:00+09:00"}).at.hour == 9
    with pytest.raises(ValidationError):
        Strict.model_validate_json('{"at": 1700000000}')


START = {
    "lot_number": "WF-KR-251110D-001",
    "process_id": "PROC-001",
    "process_name": "레이저 마킹",
    "worker_id": "W001",
}


@pytest.mark.parametrize("field", ["start_time", "complete_time"])
def test_request_bodies_name_the_time_field(field: str):
    body = {
        **START,
        "start_time": "2025-11-10T09:00:00+09:00",
        "complete_time": "2025-11-10T09:15:00+09:00",
        "process_data": {},
        field: "9999-12-31T23:59:59-12:00",
    }
    with pytest.raises(ValidationError) as info:
        ProcessCompleteRequest.model_validate(body)
    error = mes_error_from_validation(info.value)
    assert error.code == ErrorCode.VALIDATION_ERROR and error.data["field"] == field
    if field == "start_time":
        with pytest.raises(ValidationError):
            ProcessStartRequest.model_validate({**START, "start_time": 1700000000})


@pytest.mark.parametrize(
    ("process_id", "data", "field"),
    [
        (
            "PROC-006",
            {
                "test_results": [
                    {
                        "test_point_id": "T1",
                        "spec": {"target_force": 1, "tolerance": 1},
                        "result": "PASS",
                    }
                ],
                "overall_result": "PASS",
                "test_duration_seconds": 1,
                "tested_at": "2025-11-10T11:00:00",
            },
            "process_data.tested_at",
        ),
        (
            "PROC-007",
            {
                "label_printed": True,
                "printer_id": "PRINTER-07",
                "print_time": 1700000000,
                "barcode_verified": True,
            },
            "process_data.print_time",
        ),
    ],
)
def test_station_data_times_are_the_same_type(process_id: str, data: dict, field: str):
    with pytest.raises(MesError) as info:
        validate_process_data(process_id, data, lot_number=START["lot_number"])
    assert info.value.code == ErrorCode.INVALID_PROCESS_DATA and info.value.data["field"] == field


# -- the window -------------------------------------------------------------------------
def _refusal(value: datetime, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(MesError) as info:
        WINDOW.check("start_time", value, now=NOW, **kwargs)
    assert info.value.code == ErrorCode.TIME_OUT_OF_RANGE and info.value.status_code == 400
    assert info.value.data["field"] == "start_time"
    return info.value.data


def test_times_within_the_skew_and_the_replay_age_pass():
    created = NOW - timedelta(hours=2)
    for value in (NOW, NOW + timedelta(minutes=5), created - timedelta(minutes=5)):
        WINDOW.check("start_time", value, now=NOW, after=("lot_created_at", created))
    WINDOW.check("complete_time", NOW - timedelta(days=7), now=NOW)  # replayed late


def test_ahead_of_the_mes_clock_is_refused():
    data = _refusal(NOW + timedelta(minutes=5, seconds=1))
    assert data["reason"] == "ahead_of_mes_clock"
    assert data["latest"] == (NOW + timedelta(minutes=5)).isoformat()
    assert data["max_clock_skew_seconds"] == 300


def test_older_than_an_offline_queue_may_hold_is_refused():
    data = _refusal(datetime(1970, 1, 1, tzinfo=UTC))
    assert data["reason"] == "older_than_replay_window"
    assert data["max_replay_age_seconds"] == 7 * 24 * 3600


def test_before_the_lot_existed_is_refused():
    created = NOW - timedelta(hours=1)
    data = _refusal(created - timedelta(minutes=6), after=("lot_created_at", created))
    assert data["reason"] == "before_lot_created"
    assert data["lot_created_at"] == created.isoformat()


def test_the_window_is_configurable():
    narrow = ReportedTimeWindow(max_skew=timedelta(0), max_replay_age=timedelta(hours=1))
    narrow.check("complete_time", NOW, now=NOW)
    with pytest.raises(MesError):
        narrow.check("complete_time", NOW + timedelta(seconds=1), now=NOW)
    with pytest.raises(MesError):
        narrow.check("complete_time", NOW - timedelta(hours=1, seconds=1), now=NOW)


def test_a_completion_before_its_recorded_start_names_field_and_start():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=KST)
    kwargs = {
        "recorded_start": start,
        "recorded_start_raw": start.isoformat(),
        "work_order_id": "WO-1",
    }
    WINDOW.check_after_start("start_time", start - timedelta(minutes=5), **kwargs)
    with pytest.raises(MesError) as info:
        WINDOW.check_after_start("complete_time", start - timedelta(minutes=6), **kwargs)
    assert info.value.code == ErrorCode.BEFORE_RECORDED_START and info.value.status_code == 409
    assert info.value.data["field"] == "complete_time"
    assert info.value.data["recorded_start_time"] == "2026-03-02T10:00:00+09:00"
    assert info.value.data["work_order_id"] == "WO-1"


# -- process names ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["LMA 조립", "LMA조립", " lma  조립 ", "LMA assembly", "lma ASSEMBLY", "ＬＭＡ 조립"]
)
def test_routing_names_match_ignoring_case_width_and_spaces(name: str):
    assert process_name_matches(name, "LMA 조립", "LMA assembly")


@pytest.mark.parametrize("name", ["완전히 다른 이름", "LMA", "레이저 마킹", "LMA 조립 2", ""])
def test_other_names_do_not_match(name: str):
    assert not process_name_matches(name, "LMA 조립", "LMA assembly")


@pytest.mark.parametrize(
    "value", [1700000000, "1700000000", True, "2025-11-10T00:00:00", "10/11/2025"]
)
def test_a_body_date_is_iso_text_never_a_number(value):
    with pytest.raises(ValidationError):
        TypeAdapter(IsoDate).validate_python(value)


def test_a_body_date_parses_iso_text():
    assert TypeAdapter(IsoDate).validate_python("2025-11-10") == date(2025, 11, 10)
    body = {
        "lot_number": "WF-KR-251110D-001",
        "product_model": "Withforce",
        "target_quantity": 5,
        "created_date": 1700000000,
    }
    with pytest.raises(ValueError, match="ISO 8601 date"):
        LotLabelRequest.model_validate(body)
