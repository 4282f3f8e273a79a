from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mes_workstation.events import StartOutcome
from mes_workstation.messages import start_display
from mes_workstation.pin import verify_pin
from mes_workstation.settings import (
    LoadedSettings,
    Settings,
    default_work_dir,
    load_settings,
    save_settings,
)
from mes_workstation.station import DEFAULT_NAMES

pytestmark = pytest.mark.unit


def test_settings_round_trip_and_tolerate_old_files(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "mes-workstation.json"
    assert load_settings(path) == LoadedSettings(Settings())  # no file yet: defaults, no banner
    assert default_work_dir() == Path.home() / "neurohub_work"  # C:\neurohub_work on Windows
    settings = Settings(
        station_id="ST-07", process_id="PROC-007", printer_port="COM3", work_dir=tmp_path / "w"
    )
    save_settings(settings, path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["retired_option"] = 1
    del data["label_poll_seconds"]
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_settings(path) == LoadedSettings(settings)
    problems = Settings(gateway_url="ftp://x", process_id="P1").validate()
    assert [(p.field, p.en) for p in problems] == [
        ("gateway_url", "must start with http:// or https://"),
        ("process_id", "'P1' is not PROC-NNN"),
    ]
    assert str(problems[0]) == (
        "MES 주소: http:// 또는 https:// 로 시작해야 합니다 · "
        "Gateway URL: must start with http:// or https://"
    )


def test_refusal_reads_in_both_languages_with_the_action() -> None:
    error = {
        "error_code": "PREVIOUS_PROCESS_NOT_COMPLETED",
        "message": "이전 공정이 완료되지 않았습니다",
        "data": {
            "previous_process_id": "PROC-002",
            "required_action": "LMA 조립 공정을 먼저 완료해주세요",
        },
    }
    outcome = StartOutcome("WF-KR-251110D-001", "PROC-003", "failed", error=error)
    shown = start_display(outcome, DEFAULT_NAMES.__getitem__)
    assert (shown.tone, shown.ko, shown.en) == (
        "error",
        "이전 공정이 완료되지 않았습니다",
        "The previous process is not completed",
    )
    assert shown.detail_ko.endswith("LMA 조립 공정을 먼저 완료해주세요")
    assert shown.detail_en.endswith("Complete PROC-002 LMA assembly first")


@pytest.mark.parametrize(
    ("hold", "ko", "en"),
    [
        (
            {"hold_phase": "OPEN"},
            "센서 검사 불합격으로 보류 중입니다 (NCR-261203-001). 품질 담당자의 처분을 기다리세요",
            "On hold: PROC-003 Sensor inspection failed (NCR-261203-001). "
            "Wait for quality's disposition",
        ),
        (
            {"hold_phase": "REWORK", "rework_from": "PROC-002"},
            "재작업 중 (NCR-261203-001): LMA 조립 공정부터 다시 작업하세요",
            "In rework (NCR-261203-001): redo from PROC-002 LMA assembly",
        ),
    ],
)
def test_a_held_lot_says_which_step_failed_and_what_to_do(
    hold: dict[str, str], ko: str, en: str
) -> None:
    error = {
        "error_code": "LOT_ON_HOLD",
        "message": "보류 중인 LOT입니다",
        "data": {
            "ncr_number": "NCR-261203-001",
            "failed_process_id": "PROC-003",
            **hold,
            "required_action": "부적합 처분이 필요합니다 (an NCR disposition is needed)",
        },
    }
    outcome = StartOutcome("WF-KR-261203D-001", "PROC-004", "failed", error=error)
    shown = start_display(outcome, DEFAULT_NAMES.__getitem__)
    assert shown.tone == "error"
    assert shown.detail_ko.endswith(ko) and shown.detail_en.endswith(en)


def test_entry_point_runs_without_a_display() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mes_workstation", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.startswith("mes-workstation 0.1.0")


def test_an_installer_sets_the_admin_pin_from_stdin(tmp_path: Path) -> None:
    config = tmp_path / "mes-workstation.json"
    command = [sys.executable, "-m", "mes_workstation", "--config", str(config), "--set-pin"]
    refused = subprocess.run(command, input="0000\n", capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "The default PIN cannot be used" in refused.stderr
    assert not config.exists()
    done = subprocess.run(command, input="482915\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded = load_settings(config)
    assert loaded.notice is None and verify_pin("482915", loaded.settings.admin_pin_hash)
    assert "482915" not in config.read_text("utf-8")
