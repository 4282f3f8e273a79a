"""The station admin PIN, asked before Settings open."""

from __future__ import annotations

from PyQt5.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..pin import PinGuard
from .style import TOUCH_STYLE


class PinDialog(QDialog):
    def __init__(self, stored_hash: str, guard: PinGuard, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stored_hash, self.guard = stored_hash, guard
        self.setWindowTitle("관리자 PIN · Admin PIN")
        self.setStyleSheet(TOUCH_STYLE)
        prompt = QLabel("설정을 열려면 작업장 관리자 PIN을 입력하세요\nEnter the station admin PIN")
        prompt.setWordWrap(True)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.Password)  # no input method on a password field
        self.pin.setMaxLength(12)
        self.pin.returnPressed.connect(self.check)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.ok_button = QPushButton("확인 · OK")
        self.ok_button.setAutoDefault(False)
        self.ok_button.clicked.connect(self.check)
        cancel = QPushButton("취소 · Cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.ok_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.pin)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)
        self.pin.setFocus()
        self._show_lock()

    def _show_lock(self) -> bool:
        wait = self.guard.locked_for()
        if wait > 0:
            self.error.setText(
                f"PIN을 여러 번 틀렸습니다. {wait:.0f}초 뒤 다시 시도하세요\n"
                f"Too many wrong PINs: try again in {wait:.0f} s"
            )
        return wait > 0

    def check(self) -> None:
        if self._show_lock():
            self.pin.clear()
            return
        if self.guard.check(self.pin.text(), self.stored_hash):
            self.accept()
            return
        self.pin.clear()
        if not self._show_lock():
            self.error.setText("PIN이 틀렸습니다 · Wrong PIN")
