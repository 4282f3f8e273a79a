"""The workstation's screens (pytest-qt, offscreen) against the running system: sign in,
scan → start, and errors told in plain Korean and English with what to do."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from mes_workstation.ui.login_dialog import LoginDialog
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QDialog

from .conftest import Client
from .production import KST, failing_sensor_data, new_lot, run_process, run_through
from .workstation_support import history, names, station_settings, write_completion
from .workstation_ui_support import WAIT_MS, scan, shown, station_window


def test_login_dialog_refuses_plainly_then_signs_in(qtbot, gateway: str, tmp_path: Path) -> None:
    dialog = LoginDialog(station_settings(tmp_path / "work", gateway))
    qtbot.addWidget(dialog)
    dialog.username.setText("w001")
    dialog.password.setText("not-the-password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.LeftButton)
    assert "아이디 또는 비밀번호가 올바르지 않습니다" in dialog.error.text()
    assert "Invalid user name or password" in dialog.error.text()
    assert dialog.result() != QDialog.Accepted and dialog.api is None
    dialog.password.setText("demo-worker-1234")
    qtbot.mouseClick(dialog.sign_in_button, Qt.LeftButton)
    assert dialog.result() == QDialog.Accepted
    assert dialog.api is not None and dialog.api.worker_id == "W001"
    assert dialog.settings.last_username == "w001"
    dialog.api.close()


def test_scan_starts_and_every_refusal_reads_plainly(
    qtbot, gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    lot, not_ready = new_lot(manager, worker), new_lot(manager, worker)
    settings = station_settings(tmp_path / "w1", gateway)
    with station_window(qtbot, settings) as window:
        assert "PROC-001 레이저 마킹 / Laser marking" in window.header.text()
        qtbot.waitUntil(window.scan_input.hasFocus, timeout=2000)
        scan(qtbot, window, lot.lower())  # caps lock on: still the LOT
        qtbot.waitUntil(lambda: "WO-" in window.result_detail.text(), timeout=WAIT_MS)
        assert window.result_title_ko.text() == "착공 완료: 레이저 마킹"
        assert window.result_title_en.text() == "Started: Laser marking"
        assert lot in window.result_detail.text()
        assert window.scan_input.text() == "" and window.scan_input.hasFocus()

        qtbot.mouseClick(window.files.viewport(), Qt.LeftButton)  # focus stays for the scanner
        assert window.scan_input.hasFocus()

        scan(qtbot, window, lot)
        qtbot.waitUntil(lambda: "이미 착공된 공정입니다" in shown(window), timeout=WAIT_MS)
        assert "The process is already started" in shown(window)

        scan(qtbot, window, "WF-KR-991231D-999")
        qtbot.waitUntil(lambda: "LOT 번호가 존재하지 않습니다" in shown(window), timeout=WAIT_MS)
        assert "LOT not found" in shown(window)
        assert "Check the barcode and scan again" in shown(window)

        scan(qtbot, window, "hello")
        assert "LOT 바코드가 아닙니다" in shown(window) and "Not a LOT barcode" in shown(window)

        # A station app's file shows up in the list with its outcome.
        at = datetime.now(KST).replace(microsecond=0)
        path = write_completion(window.station.folders.pending, lot, "PROC-001", at)
        qtbot.waitUntil(
            lambda: window.files.count() and "완료 completed · PASS" in window.files.item(0).text(),
            timeout=WAIT_MS,
        )
        assert path.name in window.files.item(0).text()
        assert path.name in names(window.station.folders.completed)

    started = history(worker, lot, "PROC-001")["attempts"][0]
    local_offset = datetime.now().astimezone().utcoffset()
    assert datetime.fromisoformat(started["start_time"]).utcoffset() == local_offset

    with station_window(
        qtbot, station_settings(tmp_path / "w2", gateway, process_id="PROC-002")
    ) as window:
        scan(qtbot, window, not_ready)
        qtbot.waitUntil(lambda: "이전 공정이 완료되지 않았습니다" in shown(window), timeout=WAIT_MS)
        text = shown(window)
        assert "The previous process is not completed" in text
        assert "레이저 마킹 공정을 먼저 완료해주세요" in text  # the MES's required_action
        assert "Complete PROC-001 Laser marking first" in text
        assert window.result_panel.styleSheet().count("#b71c1c") == 1  # red: refused


def test_a_held_lot_is_refused_at_the_next_station_in_plain_words(
    qtbot, gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    """Issue 19: PROC-003 FAIL holds the LOT; the PROC-004 station says so, with the NCR."""
    lot = new_lot(manager, worker)
    run_through(worker, lot, "PROC-002")
    at = datetime.now(KST).replace(microsecond=0)
    ncr = run_process(worker, lot, "PROC-003", failing_sensor_data(lot, at))["ncr_number"]
    with station_window(
        qtbot, station_settings(tmp_path / "w4", gateway, process_id="PROC-004")
    ) as window:
        scan(qtbot, window, lot)
        qtbot.waitUntil(lambda: ncr in shown(window), timeout=WAIT_MS)
        text = shown(window)
        assert f"센서 검사 불합격으로 보류 중입니다 ({ncr})" in text
        assert f"On hold: PROC-003 Sensor inspection failed ({ncr})" in text
        assert window.result_panel.styleSheet().count("#b71c1c") == 1  # red: refused
