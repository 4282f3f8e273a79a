"""Station settings (opened only with the admin PIN; saved to the JSON file by the caller).

Nothing is saved that breaks its rule (`settings_checks`); Enter never saves (a scanner's
Enter cannot press Save); "test connection" asks the gateway's /health and /ready.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..gateway_check import check_gateway
from ..pin import DEFAULT_PIN, hash_pin, new_pin_problem
from ..settings import Settings
from ..settings_checks import Problem, work_dir_problem
from .style import TOUCH_STYLE, banner, latin_only, show_banner

INVALID_STYLE = "border: 2px solid #b71c1c;"


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAutoDefault(False)
    return button


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        names: dict[str, tuple[str, str]],
        parent: QWidget | None = None,
        *,
        notice: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("설정 · Settings")
        self.setStyleSheet(TOUCH_STYLE)
        self.original = settings
        self.banner = banner()
        default_pin = not settings.admin_pin_hash
        if default_pin:
            notice = "\n".join(
                t
                for t in (
                    notice,
                    f"기본 PIN({DEFAULT_PIN})을 사용 중입니다. 저장하려면 새 PIN을 정하세요\n"
                    f"The default PIN ({DEFAULT_PIN}) is in use: set a new PIN to save",
                )
                if t
            )
        show_banner(self.banner, notice)
        self.gateway_url = QLineEdit(settings.gateway_url)
        self.test_button = _button("연결 시험 · Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel("")
        self.test_result.setWordWrap(True)
        url_row = QHBoxLayout()
        url_row.addWidget(self.gateway_url, 1)
        url_row.addWidget(self.test_button)
        self.station_id = QLineEdit(settings.station_id)
        self.process = QComboBox()
        for pid in sorted(names):
            ko, en = names[pid]
            self.process.addItem(f"{pid}  {ko} / {en}", pid)
        self.process.setCurrentIndex(max(self.process.findData(settings.process_id), 0))
        self.work_dir = QLineEdit(str(settings.work_dir))
        browse = _button("…")
        browse.clicked.connect(self._browse)
        work_row = QHBoxLayout()
        work_row.addWidget(self.work_dir, 1)
        work_row.addWidget(browse)
        self.printer_port = QLineEdit(settings.printer_port)
        self.printer_port.setPlaceholderText("COM3 (비우면 MES 등록값 · empty = as registered)")
        self.baudrate = QSpinBox()
        self.baudrate.setRange(300, 921_600)
        self.baudrate.setValue(settings.printer_baudrate)
        self.label_printing = QCheckBox("시리얼 라벨 출력 · Print serial labels")
        self.label_printing.setChecked(settings.label_printing)
        self.new_pin = QLineEdit()
        self.confirm_pin = QLineEdit()
        for field in (self.new_pin, self.confirm_pin):
            field.setEchoMode(QLineEdit.Password)
            field.setMaxLength(12)
        self.new_pin.setPlaceholderText("비우면 그대로 · empty = keep")
        latin_only(self.gateway_url, self.station_id, self.work_dir, self.printer_port)
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b71c1c; font-weight: bold;")

        form = QFormLayout()
        form.addRow("MES 주소 · Gateway URL", url_row)
        form.addRow("", self.test_result)
        form.addRow("작업장 ID · Station id", self.station_id)
        form.addRow("공정 · Process", self.process)
        form.addRow("작업 폴더 · Work folder", work_row)
        form.addRow("프린터 포트 · Printer port", self.printer_port)
        form.addRow("통신 속도 · Baud rate", self.baudrate)
        form.addRow("", self.label_printing)
        form.addRow("새 관리자 PIN · New admin PIN", self.new_pin)
        form.addRow("PIN 확인 · Confirm PIN", self.confirm_pin)
        self.save_button = _button("저장 · Save")
        self.save_button.clicked.connect(self._save)
        cancel = _button("취소 · Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addLayout(buttons)
        self.setMinimumWidth(760)
        self.result_settings: Settings | None = None
        self._fields: dict[str, QWidget] = {
            "gateway_url": self.gateway_url,
            "station_id": self.station_id,
            "process_id": self.process,
            "work_dir": self.work_dir,
            "printer_port": self.printer_port,
            "printer_baudrate": self.baudrate,
            "admin_pin_hash": self.new_pin,
        }

    def edited(self) -> Settings:
        return replace(
            self.original,
            gateway_url=self.gateway_url.text().strip().rstrip("/"),
            station_id=self.station_id.text().strip(),
            process_id=str(self.process.currentData()),
            work_dir=Path(self.work_dir.text().strip()),
            printer_port=self.printer_port.text().strip(),
            printer_baudrate=self.baudrate.value(),
            label_printing=self.label_printing.isChecked(),
        )

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "작업 폴더 · Work folder", self.work_dir.text()
        )
        if folder:
            self.work_dir.setText(folder)

    def test_connection(self) -> None:
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            answer = check_gateway(self.gateway_url.text(), timeout=3.0)
        finally:
            QApplication.restoreOverrideCursor()
        color = "#1b5e20" if answer.ok else "#b71c1c"
        self.test_result.setStyleSheet(f"color: {color}; font-weight: bold;")
        self.test_result.setText(f"{answer.ko}\n{answer.en}")

    def _pin_problems(self, settings: Settings) -> tuple[Settings, list[Problem]]:
        pin, confirm = self.new_pin.text(), self.confirm_pin.text()
        if not pin and not confirm:
            if settings.admin_pin_hash:
                return settings, []
            return settings, [
                Problem("admin_pin_hash", "새 PIN을 정하세요", "set a new PIN (4–12 digits)")
            ]
        problem = new_pin_problem(pin, confirm)
        if problem is not None:
            return settings, [Problem("admin_pin_hash", *problem)]
        return replace(settings, admin_pin_hash=hash_pin(pin)), []

    def _save(self) -> None:
        settings, problems = self._pin_problems(self.edited())
        problems = settings.validate() + problems
        if not any(p.field == "work_dir" for p in problems):
            unusable = work_dir_problem(settings.work_dir, create=True)
            problems += [unusable] if unusable else []
        bad = {p.field for p in problems}
        for name, widget in self._fields.items():
            widget.setStyleSheet(INVALID_STYLE if name in bad else "")
        if problems:
            self.problems.setText("\n".join(str(p) for p in problems))
            return
        self.result_settings = settings
        self.accept()
