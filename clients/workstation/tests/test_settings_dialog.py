from __future__ import annotations

from pathlib import Path

from mes_workstation.settings import Settings
from mes_workstation.station import DEFAULT_NAMES
from mes_workstation.ui.settings_dialog import SettingsDialog
from PyQt5.QtWidgets import QDialogButtonBox


def test_settings_dialog_edits_and_refuses_bad_values(qtbot, tmp_path: Path) -> None:
    dialog = SettingsDialog(Settings(work_dir=tmp_path), DEFAULT_NAMES)
    qtbot.addWidget(dialog)
    assert dialog.process.count() == 8
    assert dialog.process.currentData() == "PROC-001"
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Save)

    dialog.gateway_url.setText("mes.local:8000")
    save.click()
    assert dialog.result_settings is None
    assert "gateway URL must start with http://" in dialog.problems.text()

    dialog.gateway_url.setText("http://mes.local:8000/")
    dialog.station_id.setText("ST-04")
    dialog.process.setCurrentIndex(dialog.process.findData("PROC-004"))
    dialog.printer_port.setText("COM3")
    save.click()
    edited = dialog.result_settings
    assert edited is not None
    assert (edited.gateway_url, edited.station_id, edited.process_id, edited.printer_port) == (
        "http://mes.local:8000",
        "ST-04",
        "PROC-004",
        "COM3",
    )
    assert "펌웨어 업로드 / Firmware upload" in dialog.process.currentText()
