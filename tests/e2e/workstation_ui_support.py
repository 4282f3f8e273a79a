"""Driving the workstation's screens (pytest-qt, offscreen): a station window on the real
system, scanner input, and modal dialogs answered from inside their own event loop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from mes_workstation.settings import Settings
from mes_workstation.station import Station
from mes_workstation.ui import Bridge
from mes_workstation.ui.main_window import MainWindow
from PyQt5.QtCore import QEvent, Qt, QTimer
from PyQt5.QtGui import QKeyEvent
from PyQt5.QtTest import QTest
from PyQt5.QtWidgets import QApplication, QDialog, QWidget

# workstation_support sets QT_QPA_PLATFORM=offscreen at import, i.e. during collection,
# before pytest-qt creates the QApplication.
from .workstation_support import signed_in_api, station_threads

WAIT_MS = 15_000


@contextmanager
def station_window(qtbot, settings: Settings) -> Iterator[MainWindow]:
    api = signed_in_api(settings)
    bridge = Bridge()
    station = Station(settings, api, on_event=bridge)
    window = MainWindow(station)
    bridge.event.connect(window.on_event)
    qtbot.addWidget(window)
    station.start()
    window.bind(station)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    try:
        yield window
    finally:
        station.stop()
        api.close()
    assert station_threads() == []


def scan(qtbot, widget: QWidget | MainWindow, text: str) -> None:
    """A keyboard-wedge scanner: the characters with no pause, then Enter."""
    target = widget.scan_input if isinstance(widget, MainWindow) else widget
    qtbot.keyClicks(target, text)
    qtbot.keyClick(target, Qt.Key_Return)


def wedge(widget: QWidget, text: str) -> None:
    """The same for any characters (a scanner in 한글 mode types jamo; QTest only types
    Latin-1): one key press per character, then Enter."""
    for ch in text:
        key = ord(ch.upper()) if ch.isascii() else Qt.Key_unknown
        for kind in (QEvent.KeyPress, QEvent.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, key, Qt.NoModifier, ch))
    QTest.keyClick(widget, Qt.Key_Return)


def shown(window: MainWindow) -> str:
    return "\n".join(
        w.text() for w in (window.result_title_ko, window.result_title_en, window.result_detail)
    )


def when_modal(kind: type[QDialog], act: Callable[[QDialog], None]) -> None:
    """Run `act(dialog)` once a modal `kind` is up (its exec_() blocks the caller). The
    dialog is closed afterwards whatever `act` did, so a failed check cannot hang a test."""

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, kind):
            QTimer.singleShot(20, poll)
            return
        try:
            act(dialog)
        finally:
            if dialog.isVisible() and dialog.result() != QDialog.Accepted:
                dialog.reject()

    QTimer.singleShot(0, poll)
