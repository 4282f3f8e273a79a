"""Sizes for gloved hands: every button and input at least `TOUCH_PX` high."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QLabel, QLineEdit, QWidget

TOUCH_PX = 48
TOUCH_STYLE = f"""
QPushButton {{ min-height: {TOUCH_PX}px; padding: 4px 18px; font-size: 14pt; }}
QLineEdit, QComboBox, QSpinBox {{ min-height: {TOUCH_PX}px; font-size: 14pt; padding: 0 8px; }}
QCheckBox {{ min-height: {TOUCH_PX}px; font-size: 14pt; }}
QCheckBox::indicator {{ width: 32px; height: 32px; }}
"""
BANNER_STYLE = (
    "background: #fff3cd; color: #5d4300; border: 2px solid #f9a825; border-radius: 6px;"
    " padding: 8px; font-size: 14pt; font-weight: bold;"
)


def latin_only(*fields: QLineEdit) -> None:
    """No input method on fields that only take Latin text (addresses, ids, ports, the
    scan field): in 한글 mode their keys then arrive as plain Latin keys."""
    for field in fields:
        field.setAttribute(Qt.WA_InputMethodEnabled, False)


def banner(parent: QWidget | None = None) -> QLabel:
    """The yellow notice (a broken settings file, the default PIN); hidden when empty."""
    label = QLabel("", parent)
    label.setWordWrap(True)
    label.setStyleSheet(BANNER_STYLE)
    label.hide()
    return label


def show_banner(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))
