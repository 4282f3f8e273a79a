"""The reference completion files (tests/reference-data/station-files) behave as documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from mes_contracts.api import ProcessCompleteRequest
from mes_contracts.completion import load_completion
from mes_contracts.enums import Result
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.process_data import validate_process_data
from pydantic import ValidationError

pytestmark = pytest.mark.unit


def _invalid(station_files: Path, fault: str) -> tuple[bytes, str]:
    """Raw bytes and the real file name (the part after `<fault>__`)."""
    (path,) = (station_files / "invalid").glob(f"{fault}__*")
    return path.read_bytes(), path.name.split("__", 1)[1]


def test_every_valid_file_validates_and_passes(station_files: Path) -> None:
    files = sorted((station_files / "valid").glob("*.json"))
    assert len(files) == 8
    seen = set()
    for path in files:
        body = ProcessCompleteRequest.model_validate_json(path.read_bytes())
        outcome = validate_process_data(
            body.process_id, body.process_data, lot_number=body.lot_number
        )
        assert outcome.result == Result.PASS, (path.name, outcome.defects)
        assert outcome.defects == []
        loaded = load_completion(path.read_bytes(), filename=path.name)
        assert loaded.encoding == "utf-8"
        assert loaded.request == body
        seen.add(body.process_id)
    assert seen == {f"PROC-00{i}" for i in range(1, 9)}


def test_valid_files_yield_components_and_measurements(station_files: Path) -> None:
    def outcome(proc: str):
        (path,) = (station_files / "valid").glob(f"*_{proc}_*.json")
        return load_completion(path.read_bytes()).request.outcome()

    lots = {c.component_type: c.lot_number for c in outcome("PROC-002").component_lots}
    assert lots == {"sma_spring": "SPRING-2025011001", "busbar": "BUSBAR-2025011001"}
    (temp,) = outcome("PROC-003").measurements
    assert (temp.check, temp.value, temp.lower, temp.upper, temp.unit) == (
        "temp_sensor", 60.2, 59.0, 61.0, "°C"
    )  # fmt: skip
    forces = outcome("PROC-006").measurements
    assert [m.check for m in forces] == [
        "test_results[T38_P170]",
        "test_results[T50_P180]",
        "test_results[T52_P200]",
    ]
    assert all(m.result == Result.PASS and m.unit == "kgf" for m in forces)


def test_missing_tof_sensor(station_files: Path) -> None:
    raw, name = _invalid(station_files, "missing-tof_sensor")
    request = load_completion(raw, filename=name).request
    with pytest.raises(MesError) as info:
        request.outcome()
    err = info.value
    assert err.code == ErrorCode.MISSING_REQUIRED_FIELD
    assert err.status_code == 400
    assert err.data["field"] == "process_data.tof_sensor"
    assert err.data["missing_fields"] == ["process_data.tof_sensor"]
    assert err.data["process_id"] == "PROC-003"
    assert "process_data.tof_sensor" in err.to_body()["message"]


def test_engraved_other_lot(station_files: Path) -> None:
    raw, name = _invalid(station_files, "engraved-other-lot")
    request = load_completion(raw, filename=name).request
    with pytest.raises(MesError) as info:
        request.outcome()
    assert info.value.code == ErrorCode.INVALID_PROCESS_DATA
    assert info.value.data["field"] == "process_data.lot_number_engraved"
    assert info.value.data["actual"] == "WF-KR-251110D-002"


def test_defect_is_valid_but_fail(station_files: Path) -> None:
    raw, name = _invalid(station_files, "defect-is-valid-but-FAIL")
    outcome = load_completion(raw, filename=name).request.outcome()
    assert outcome.result == Result.FAIL
    (defect,) = outcome.defects
    assert defect.check == "temp_sensor"
    assert (defect.measured, defect.target, defect.tolerance) == (62.4, 60.0, 1.0)
    assert (defect.lower_limit, defect.upper_limit, defect.unit) == (59.0, 61.0, "°C")


def test_completes_before_start(station_files: Path) -> None:
    raw, name = _invalid(station_files, "completes-before-start")
    with pytest.raises(ValidationError) as info:
        ProcessCompleteRequest.model_validate_json(raw)
    (error,) = info.value.errors()
    assert error["loc"] == ("complete_time",)
    assert error["type"] == "complete_before_start"
    with pytest.raises(MesError) as mes:
        load_completion(raw, filename=name)
    assert mes.value.code == ErrorCode.VALIDATION_ERROR
    assert mes.value.data["field"] == "complete_time"


def test_injection_in_lot(station_files: Path) -> None:
    raw, name = _invalid(station_files, "injection-in-lot")
    with pytest.raises(ValidationError) as info:
        ProcessCompleteRequest.model_validate_json(raw)
    assert [e["loc"] for e in info.value.errors()] == [("lot_number",)]
    with pytest.raises(MesError) as mes:
        load_completion(raw, filename=name)
    assert mes.value.code == ErrorCode.VALIDATION_ERROR
    assert mes.value.data["field"] == "lot_number"


def test_truncated(station_files: Path) -> None:
    raw, name = _invalid(station_files, "truncated")
    with pytest.raises(ValidationError) as info:
        ProcessCompleteRequest.model_validate_json(raw)
    assert info.value.errors()[0]["type"] == "json_invalid"
    with pytest.raises(MesError) as mes:
        load_completion(raw, filename=name)
    assert mes.value.code == ErrorCode.VALIDATION_ERROR
    assert mes.value.data["field"] == "body"


def test_bad_name(station_files: Path) -> None:
    raw, name = _invalid(station_files, "bad-name")
    assert name == "completion.json"
    with pytest.raises(MesError) as mes:
        load_completion(raw, filename=name)
    assert mes.value.code == ErrorCode.VALIDATION_ERROR
    assert mes.value.data["field"] == "filename"
    assert load_completion(raw).request.process_id == "PROC-001"  # content itself is fine


def test_cp949_is_decoded_by_default_and_refusable(station_files: Path) -> None:
    raw, name = _invalid(station_files, "cp949-encoded")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    loaded = load_completion(raw, filename=name)
    assert loaded.encoding == "cp949"
    assert loaded.request.process_name == "레이저 마킹"
    assert loaded.request.outcome().result == Result.PASS
    with pytest.raises(MesError) as mes:
        load_completion(raw, filename=name, legacy_encodings=())
    assert mes.value.code == ErrorCode.VALIDATION_ERROR


def test_file_name_must_match_content(station_files: Path) -> None:
    (path,) = (station_files / "valid").glob("*_PROC-001_*.json")
    with pytest.raises(MesError) as mes:
        load_completion(
            path.read_bytes(), filename="WF-KR-251110D-002_PROC-001_20251110091500.json"
        )
    assert mes.value.data["field"] == "filename"
