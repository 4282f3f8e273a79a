"""The application-wide scan router on real Qt widgets (offscreen): a keyboard-wedge burst
ending in Enter goes to the scan pipeline wherever the focus is; people typing do not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mes_workstation.settings import Settings
from mes_workstation.station import DEFAULT_NAMES
from mes_workstation.ui.scan_router import ScanRouter
from mes_workstation.ui.settings_dialog import SettingsDialog
from PyQt5.QtCore import QEvent, Qt
from PyQt5.QtGui import QKeyEvent
from PyQt5.QtWidgets import QApplication, QLineEdit, QWidget

pytestmark = pytest.mark.unit

LOT = "WF-KR-261202N-010"


def type_keys(widget: QWidget, text: str) -> None:
    """One key press per character, as a scanner in 한글 mode sends them (QTest only
    types Latin-1)."""
    for ch in text:
        key = ord(ch.upper()) if ch.isascii() else Qt.Key_unknown
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.NoModifier, ch))


@pytest.fixture
def routed(qtbot, tmp_path: Path) -> Iterator[tuple[SettingsDialog, list[str]]]:
    scan_field = QLineEdit()  # the main window's field, in a window of its own
    qtbot.addWidget(scan_field)
    scan_field.show()
    scans: list[str] = []
    router = ScanRouter.install(50)
    router.attach(scan_field, scans.append)
    dialog = SettingsDialog(Settings(work_dir=tmp_path), DEFAULT_NAMES)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.gateway_url.setFocus()
    qtbot.waitUntil(dialog.gateway_url.hasFocus)
    yield dialog, scans
    router.detach(scan_field)


def test_a_burst_into_the_settings_url_field_is_a_scan(qtbot, routed) -> None:
    dialog, scans = routed
    before = dialog.gateway_url.text()
    qtbot.keyClicks(dialog.gateway_url, LOT)  # a scanner: no pause between keys
    assert dialog.gateway_url.text() == before  # held back, not typed into the field
    qtbot.keyClick(dialog.gateway_url, Qt.Key_Return)
    assert scans == [LOT]
    qtbot.wait(150)  # longer than the hold: nothing is replayed afterwards
    assert dialog.gateway_url.text() == before
    assert dialog.isVisible() and dialog.result_settings is None  # Enter did not save


def test_a_scanner_pressing_shift_for_each_capital_is_still_one_burst(qtbot, routed) -> None:
    dialog, scans = routed
    before = dialog.gateway_url.text()
    for ch in LOT:  # as an X server delivers a wedge scanner (or xdotool) typing capitals
        if ch.isupper():
            QApplication.sendEvent(
                dialog.gateway_url, QKeyEvent(QEvent.KeyPress, Qt.Key_Shift, Qt.NoModifier)
            )
        shift = Qt.ShiftModifier if ch.isupper() else Qt.NoModifier
        QApplication.sendEvent(dialog.gateway_url, QKeyEvent(QEvent.KeyPress, ord(ch), shift, ch))
    qtbot.keyClick(dialog.gateway_url, Qt.Key_Return)
    assert scans == [LOT] and dialog.gateway_url.text() == before


def test_people_typing_reach_the_field(qtbot, routed) -> None:
    dialog, scans = routed
    dialog.gateway_url.clear()
    qtbot.keyClicks(dialog.gateway_url, "http://mes", delay=80)  # a person, 80 ms a key
    qtbot.keyClick(dialog.gateway_url, Qt.Key_Return)
    assert dialog.gateway_url.text() == "http://mes"
    qtbot.keyClicks(dialog.gateway_url, ":80")  # fast, but too short for a barcode
    qtbot.keyClick(dialog.gateway_url, Qt.Key_Return)
    assert dialog.gateway_url.text() == "http://mes:80"
    qtbot.keyClicks(dialog.gateway_url, "00")  # held, then given to the field after a pause
    qtbot.waitUntil(lambda: dialog.gateway_url.text() == "http://mes:8000", timeout=1000)
    qtbot.keyClick(dialog.gateway_url, Qt.Key_Backspace)
    assert dialog.gateway_url.text() == "http://mes:800"
    assert scans == []


def test_a_burst_into_the_pin_or_a_combo_box_is_a_scan_too(qtbot, routed) -> None:
    dialog, scans = routed
    process = dialog.process.currentData()
    dialog.process.setFocus()
    qtbot.waitUntil(dialog.process.hasFocus)
    type_keys(dialog.process, "ㅈㄹ-ㅏㄱ-261202ㅜ-010")
    qtbot.keyClick(dialog.process, Qt.Key_Enter)
    dialog.new_pin.setFocus()
    qtbot.waitUntil(dialog.new_pin.hasFocus)
    qtbot.keyClicks(dialog.new_pin, "123456789")
    qtbot.keyClick(dialog.new_pin, Qt.Key_Return)
    assert scans == ["ㅈㄹ-ㅏㄱ-261202ㅜ-010", "123456789"]  # mapped later, by the station
    assert dialog.process.currentData() == process and dialog.new_pin.text() == ""


def test_with_no_scan_field_a_burst_is_swallowed_and_reported(qtbot, routed) -> None:
    dialog, scans = routed
    router = ScanRouter.install()
    router.detach(router._field)
    unrouted: list[str] = []
    router.unrouted.connect(unrouted.append)
    dialog.station_id.setFocus()
    qtbot.waitUntil(dialog.station_id.hasFocus)
    qtbot.keyClicks(dialog.station_id, LOT)
    qtbot.keyClick(dialog.station_id, Qt.Key_Return)
    assert unrouted == [LOT] and scans == []
    assert dialog.station_id.text() == "ST-01"
    router.unrouted.disconnect(unrouted.append)
