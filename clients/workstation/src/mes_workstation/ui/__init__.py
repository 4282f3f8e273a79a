"""The Qt screens. Thin: every decision lives in the core modules next to this package."""

from __future__ import annotations

from PyQt5.QtCore import QObject, pyqtSignal


class Bridge(QObject):
    """Hands core events (from background threads) to the GUI thread as a Qt signal."""

    event = pyqtSignal(object)

    def __call__(self, event: object) -> None:
        self.event.emit(event)
