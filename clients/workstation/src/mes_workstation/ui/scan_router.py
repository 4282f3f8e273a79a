"""A scan can only go to the scan pipeline, wherever the keyboard focus is (ADR 0017).

A keyboard-wedge scanner types its characters a few milliseconds apart and ends with
Enter; a person types tens of milliseconds apart at best. One application-wide event
filter watches key presses to any widget but the scan field: it holds printable keys
back for `gap_ms`; when the next key comes sooner, the burst grows; when Enter ends a
burst of at least `MIN_CHARS`, the burst is handed to the scan pipeline and nothing of it
reaches the widget (the Settings URL field stays as it was). Otherwise the held keys are
replayed to their widget, in order, a few tens of milliseconds late — unnoticeable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from PyQt5 import sip
from PyQt5.QtCore import QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QKeyEvent
from PyQt5.QtWidgets import QApplication, QLineEdit, QWidget

MIN_CHARS = 6  # shorter than any barcode the line uses (LOT numbers are 17)
_ENTER = (Qt.Key_Return, Qt.Key_Enter)
# A scanner presses Shift for every upper-case letter: modifier keys neither end nor
# break a burst.
_MODIFIER_KEYS = frozenset(
    {Qt.Key_Shift, Qt.Key_Control, Qt.Key_Alt, Qt.Key_AltGr, Qt.Key_Meta, Qt.Key_CapsLock}
)
_COMMAND_MODIFIERS = Qt.ControlModifier | Qt.AltModifier | Qt.MetaModifier
NAME = "mes-scan-router"


@dataclass
class _Held:
    widget: QWidget
    key: int
    modifiers: Qt.KeyboardModifiers
    text: str


def _alive(widget: QWidget | None) -> bool:
    return widget is not None and not sip.isdeleted(widget)


class ScanRouter(QObject):
    #: A scan arrived while no scan field is attached (e.g. on the sign-in screen).
    unrouted = pyqtSignal(str)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        gap_ms: int = 50,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.gap_ms, self.clock = gap_ms, clock
        self._held: list[_Held] = []
        self._last = 0.0
        self._replaying = False
        self._field: QLineEdit | None = None
        self._on_scan: Callable[[str], None] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    @classmethod
    def install(cls, gap_ms: int | None = None) -> ScanRouter:
        """The application's one router (created and installed on first use)."""
        app = QApplication.instance()
        router = app.findChild(ScanRouter, NAME)
        if router is None:
            router = cls(app)
            router.setObjectName(NAME)
            app.installEventFilter(router)
        if gap_ms is not None:
            router.gap_ms = gap_ms
        return router

    # -- the scan field -------------------------------------------------------------------
    def attach(self, field: QLineEdit, on_scan: Callable[[str], None]) -> None:
        self._field, self._on_scan = field, on_scan

    def detach(self, field: QLineEdit) -> None:
        if field is self._field:
            self._field, self._on_scan = None, None

    def _deliver(self, text: str) -> None:
        field = self._field if _alive(self._field) else None
        if field is not None and self._on_scan is not None and field.window().isVisible():
            self._on_scan(text)
        else:
            self.unrouted.emit(text)

    # -- the filter -----------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self._replaying or event.type() != QEvent.KeyPress or not isinstance(obj, QWidget):
            return False
        focus = QApplication.focusWidget()
        if focus is not None and obj is not focus:
            return False  # the same key propagating to a parent
        if obj is self._field:
            self.flush()
            return False  # the scan field takes scans itself (returnPressed)
        assert isinstance(event, QKeyEvent)
        if event.key() in _MODIFIER_KEYS:
            return False
        now = self.clock()
        gap = (now - self._last) * 1000.0
        if event.key() in _ENTER:
            burst = "".join(h.text for h in self._held)
            if len(burst) >= MIN_CHARS and gap <= self.gap_ms:
                self._held.clear()
                self._timer.stop()
                self._deliver(burst)
                return True
            self.flush()
            return False
        text = event.text()
        if not text or not text.isprintable() or event.modifiers() & _COMMAND_MODIFIERS:
            self.flush()
            return False
        if self._held and gap > self.gap_ms:
            self.flush()  # a pause: what was held was typed by a person
        self._held.append(_Held(obj, event.key(), event.modifiers(), text))
        self._last = now
        self._timer.start(self.gap_ms + 20)
        return True

    def flush(self) -> None:
        """Give the held keys to their widgets (they were typed, not scanned)."""
        self._timer.stop()
        held, self._held = self._held, []
        self._replaying = True
        try:
            for h in held:
                if _alive(h.widget):
                    QApplication.sendEvent(
                        h.widget, QKeyEvent(QEvent.KeyPress, h.key, h.modifiers, h.text)
                    )
        finally:
            self._replaying = False
