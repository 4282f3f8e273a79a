from __future__ import annotations

from pathlib import Path

import pytest
from mes_cli.infra import free_port
from mes_workstation.pin import DEFAULT_PIN, hash_pin, verify_pin
from mes_workstation.settings import Settings
from mes_workstation.station import DEFAULT_NAMES
from mes_workstation.ui.settings_dialog import INVALID_STYLE, SettingsDialog
from PyQt5.QtCore import Qt

pytestmark = pytest.mark.unit


def test_settings_dialog_edits_and_refuses_bad_values(qtbot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Settings(work_dir=tmp_path), DEFAULT_NAMES)
    qtbot.addWidget(dialog)
    assert dialog.process.count() == 8
    assert dialog.process.currentData() == "PROC-001"
    assert f"기본 PIN({DEFAULT_PIN})을 사용 중입니다" in dialog.banner.text()
    assert not dialog.banner.isHidden()

    dialog.gateway_url.setText("http://127.0.0.1:38080WF-KR-261202N-010")
    dialog.save_button.click()
    assert dialog.result_settings is None
    assert "MES 주소: 포트는 1~65535 숫자여야 합니다" in dialog.problems.text()
    assert "Gateway URL: the port must be a number 1–65535" in dialog.problems.text()
    assert "Admin PIN: set a new PIN" in dialog.problems.text()  # the default PIN must go
    assert dialog.gateway_url.styleSheet() == INVALID_STYLE
    assert dialog.station_id.styleSheet() == ""

    dialog.gateway_url.setText("http://mes.local:8000/")
    dialog.station_id.setText("ST-04")
    dialog.process.setCurrentIndex(dialog.process.findData("PROC-004"))
    dialog.printer_port.setText("COM3")
    dialog.new_pin.setText("482915")
    dialog.confirm_pin.setText("482951")
    dialog.save_button.click()
    assert dialog.result_settings is None
    assert "The two PINs differ" in dialog.problems.text()
    dialog.confirm_pin.setText("482915")
    dialog.save_button.click()
    edited = dialog.result_settings
    assert edited is not None
    assert (edited.gateway_url, edited.station_id, edited.process_id, edited.printer_port) == (
        "http://mes.local:8000",
        "ST-04",
        "PROC-004",
        "COM3",
    )
    assert verify_pin("482915", edited.admin_pin_hash)
    assert "482915" not in str(edited.to_json())
    assert "펌웨어 업로드 / Firmware upload" in dialog.process.currentText()


def test_enter_never_saves_and_a_pin_once_set_may_stay(qtbot, tmp_path: Path) -> None:
    settings = Settings(work_dir=tmp_path, admin_pin_hash=hash_pin("482915", iterations=1_000))
    dialog = SettingsDialog(settings, DEFAULT_NAMES)
    qtbot.addWidget(dialog)
    assert dialog.banner.isHidden()
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClick(dialog.station_id, Qt.Key_Return)
    assert dialog.isVisible() and dialog.result_settings is None
    dialog.save_button.click()
    assert dialog.result_settings == settings


def test_test_connection_says_plainly_when_nothing_answers(qtbot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Settings(work_dir=tmp_path), DEFAULT_NAMES)
    qtbot.addWidget(dialog)
    dialog.gateway_url.setText(f"http://127.0.0.1:{free_port()}")
    dialog.test_button.click()
    assert "연결할 수 없습니다 (ConnectError)" in dialog.test_result.text()
    assert "Cannot connect (ConnectError) — check the address" in dialog.test_result.text()
    dialog.gateway_url.setText("http://127.0.0.1:8000WF")
    dialog.test_button.click()
    assert "the port must be a number" in dialog.test_result.text()
