"""Station settings (saved to the station's JSON file by the caller)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
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

from ..settings import Settings


class SettingsDialog(QDialog):
    def __init__(
        self, settings: Settings, names: dict[str, tuple[str, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("설정 · Settings")
        self.original = settings
        self.gateway_url = QLineEdit(settings.gateway_url)
        self.station_id = QLineEdit(settings.station_id)
        self.process = QComboBox()
        for pid in sorted(names):
            ko, en = names[pid]
            self.process.addItem(f"{pid}  {ko} / {en}", pid)
        self.process.setCurrentIndex(max(self.process.findData(settings.process_id), 0))
        self.work_dir = QLineEdit(str(settings.work_dir))
        browse = QPushButton("…")
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
        self.problems = QLabel("")
        self.problems.setStyleSheet("color: #b71c1c;")

        form = QFormLayout()
        form.addRow("MES 주소 · Gateway URL", self.gateway_url)
        form.addRow("작업장 ID · Station id", self.station_id)
        form.addRow("공정 · Process", self.process)
        form.addRow("작업 폴더 · Work folder", work_row)
        form.addRow("프린터 포트 · Printer port", self.printer_port)
        form.addRow("통신 속도 · Baud rate", self.baudrate)
        form.addRow("", self.label_printing)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
        self.result_settings: Settings | None = None

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

    def _save(self) -> None:
        settings = self.edited()
        problems = settings.validate()
        if problems:
            self.problems.setText("\n".join(problems))
            return
        self.result_settings = settings
        self.accept()
