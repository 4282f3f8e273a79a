"""Refused completion files in plain words with the action, built from the contract's
validation error; the technical detail stays in `<name>.error.json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mes_contracts.reference_data import station_files_dir
from mes_workstation.completion_pipeline import CompletionPipeline
from mes_workstation.events import FileUpdate, StartOutcome
from mes_workstation.file_errors import plain_file_error
from mes_workstation.messages import file_display, file_line, file_tone, start_display
from mes_workstation.offline_queue import OfflineQueue
from mes_workstation.station import DEFAULT_NAMES
from mes_workstation.workdir import WorkFolders

pytestmark = pytest.mark.unit

# reference file → (Korean, English) on screen
PLAIN = {
    "missing-tof_sensor": (
        "tof_sensor 값이 없습니다 — 검사기 설정을 확인하세요",
        "tof_sensor is missing — check the station app's settings",
    ),
    "bad-name": (
        "파일 이름이 규칙({LOT}_{공정}_{YYYYMMDDhhmmss}.json)에 맞지 않습니다 — 검사기 설정을 확인하세요",
        "The file name is not {LOT}_{PROC}_{YYYYMMDDhhmmss}.json — check the station app's settings",
    ),
    "completes-before-start": (
        "완공 시간이 착공 시간보다 빠릅니다 — PC 시계를 확인하세요",
        "The completion time is before the start time — check the PC's clock",
    ),
    "engraved-other-lot": (
        "각인된 LOT 번호(WF-KR-251110D-002)가 이 LOT과 다릅니다 — 레이저 마킹 결과를 확인하세요",
        "The engraved LOT number (WF-KR-251110D-002) is not this LOT — check the laser marking",
    ),
    "injection-in-lot": (
        "LOT 번호 형식이 틀립니다 — 검사기 설정을 확인하세요",
        "The LOT number has the wrong format — check the station app's settings",
    ),
    "truncated": (
        "파일 내용이 JSON이 아니거나 중간에 잘렸습니다 — 검사기가 파일을 끝까지 쓰는지 확인하세요",
        "The file is not JSON or was cut short — check that the station app writes the whole file",
    ),
}


def test_every_refused_reference_file_reads_plainly(tmp_path: Path) -> None:
    updates: dict[str, FileUpdate] = {}
    for prefix, (ko, en) in PLAIN.items():
        folders = WorkFolders(tmp_path / prefix).create()
        queue = OfflineQueue(folders.state / "queue.sqlite3")
        seen: list[FileUpdate] = []
        pipeline = CompletionPipeline(folders, queue, on_file=seen.append)
        [source] = [
            p for p in (station_files_dir() / "invalid").iterdir() if p.name.startswith(prefix)
        ]
        name = source.name.split("__", 1)[1]
        (folders.pending / name).write_bytes(source.read_bytes())
        try:
            for _ in range(4):
                pipeline.poll()
        finally:
            queue.close()
        [update] = seen
        updates[prefix] = update
        assert update.state == "error" and file_tone(update) == "error"
        line = file_line(update)
        assert f"{ko} / {en}" in line, line
        assert "String should match pattern" not in line and "Invalid JSON" not in line
        shown = file_display(update)
        assert (shown.tone, shown.ko, shown.en) == (
            "error",
            "완공 파일 오류",
            "Completion file refused",
        )
        assert (shown.detail_ko, shown.detail_en) == (ko, f"{en}\n{name}")
        record = json.loads((folders.error / f"{name}.error.json").read_text("utf-8"))
        assert record["stage"] == "validation"
        assert record["reason"] == update.reason  # the technical words stay in the sidecar
        assert record["data"] == update.error_data
    record_reason = updates["injection-in-lot"].reason or ""
    assert "String should match pattern" in record_reason


def test_refusals_by_the_mes_and_unknown_codes_read_plainly() -> None:
    assert plain_file_error("PROCESS_NOT_STARTED", {}) == (
        "착공 기록이 없습니다 — LOT을 먼저 스캔해 착공한 뒤 파일을 pending에 다시 넣으세요",
        "The process was not started — scan the LOT first, then put the file into pending/ again",
    )
    assert plain_file_error("TIME_OUT_OF_RANGE", None)[1] == (
        "The times are too far from the MES clock — check the PC's clock"
    )
    assert plain_file_error("INTERNAL_ERROR", {}) == (
        "내부 오류가 발생했습니다 — 관리자에게 문의하세요",
        "Internal error — ask a manager",
    )
    assert plain_file_error("SOMETHING_NEW", {})[1] == "SOMETHING_NEW — ask a manager"
    missing = {"missing_fields": ["process_data.temp_sensor.result", "worker_id"]}
    assert plain_file_error("MISSING_REQUIRED_FIELD", missing) == (
        "temp_sensor.result, 작업자 ID 값이 없습니다 — 검사기 설정을 확인하세요",
        "temp_sensor.result, the worker id is missing — check the station app's settings",
    )
    typed = {
        "field": "process_data.temp_sensor.measured_temp",
        "errors": [
            {
                "field": "process_data.temp_sensor.measured_temp",
                "type": "float_type",
                "message": "Input should be a valid number",
            }
        ],
    }
    assert plain_file_error("INVALID_PROCESS_DATA", typed)[0] == (
        "temp_sensor.measured_temp 값은 숫자여야 합니다 — 검사기 설정을 확인하세요"
    )
    verdict = {
        "field": "process_data.marking_result",
        "errors": [
            {
                "field": "process_data.marking_result",
                "type": "literal_error",
                "message": "Input should be 'SUCCESS' or 'FAIL'",
            }
        ],
    }
    assert plain_file_error("INVALID_PROCESS_DATA", verdict)[1] == (
        "marking_result is not allowed (expected 'SUCCESS' or 'FAIL') — check the station app's settings"
    )


def test_a_fail_is_red_a_pass_green_everywhere() -> None:
    passed = FileUpdate(
        "a.json", "completed", result="PASS", lot_number="WF-KR-251110D-001", process_id="PROC-003"
    )
    failed = FileUpdate(
        "b.json",
        "completed",
        result="FAIL",
        lot_number="WF-KR-251110D-001",
        process_id="PROC-003",
        failed_checks=("temp_sensor",),
    )
    assert (file_tone(passed), file_tone(failed)) == ("ok", "error")
    assert "완료 completed · PASS 합격" in file_line(passed)
    assert "완료 completed · FAIL 불합격 · temp_sensor" in file_line(failed)
    shown = file_display(failed)
    assert (shown.tone, shown.ko, shown.en) == (
        "error",
        "완공 기록: 불합격 FAIL",
        "Completion recorded: FAIL (defect)",
    )
    assert (
        "불량 항목 temp_sensor" in shown.detail_ko
        and "failed checks temp_sensor" in shown.detail_en
    )
    assert file_display(passed).tone == "ok"
    assert file_tone(FileUpdate("c.json", "queued")) == "wait"


def test_a_scan_in_hangul_mode_that_is_no_lot_says_to_switch() -> None:
    outcome = StartOutcome(
        "GKSDUD", "PROC-001", "failed", error={"error_code": "HANGUL_MODE", "data": {}}
    )
    shown = start_display(outcome, DEFAULT_NAMES.__getitem__)
    assert (shown.tone, shown.ko, shown.en) == (
        "error",
        "스캐너가 한글 모드입니다",
        "The scanner is typing Korean (한글 mode)",
    )
    assert shown.detail_ko.endswith("한/영 키를 눌러 영문으로 바꾸세요")
    assert shown.detail_en.endswith("Press the 한/영 key: switch to English")
