"""The worker's one screen: scan field (always focused), the answer in large plain words,
recent completion files, queue, firmware and label status."""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import Qt, QTimer
from PyQt5.QtGui import QColor, QFont
from PyQt5.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..events import FileUpdate, FirmwareStatus, LabelStatus, QueueStatus, StartOutcome
from ..messages import Display, file_line, firmware_line, label_line, queue_line, start_display
from ..station import Station

TONES = {  # background, text
    "ok": ("#1b5e20", "#ffffff"),
    "error": ("#b71c1c", "#ffffff"),
    "wait": ("#f9a825", "#212121"),
    "idle": ("#eceff1", "#263238"),
}
FILE_COLORS = {"queued": "#8d6e00", "completed": "#1b5e20", "error": "#b71c1c"}
MAX_FILES = 100
IDLE = Display(
    "idle",
    "스캔 대기 중",
    "Ready to scan",
    "LOT 바코드를 스캔하면 이 공정이 착공됩니다",
    "Scanning a LOT starts this station's process",
)


def _label(size: int, bold: bool = False) -> QLabel:
    label = QLabel("")
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    label.setFont(font)
    label.setWordWrap(True)
    return label


class MainWindow(QMainWindow):
    def __init__(
        self,
        station: Station,
        *,
        on_settings: Callable[[], None] = lambda: None,
        on_logout: Callable[[], None] = lambda: None,
        on_needs_login: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__()
        self.station = station
        self.on_needs_login = on_needs_login
        self._login_asked = False
        self.setWindowTitle("Withforce MES — 작업장 Workstation")
        self.header = _label(13, bold=True)
        settings_button = QPushButton("설정 · Settings")
        logout_button = QPushButton("로그아웃 · Sign out")
        retry_button = QPushButton("지금 재전송 · Retry now")
        for button, slot in (
            (settings_button, on_settings),
            (logout_button, on_logout),
            (retry_button, lambda: self.station.retry_now()),
        ):
            button.setFocusPolicy(Qt.NoFocus)  # the scanner's keystrokes go to the scan field
            button.clicked.connect(slot)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(settings_button)
        top.addWidget(logout_button)

        prompt = _label(14)
        prompt.setText("LOT 바코드를 스캔하세요 · Scan a LOT barcode")
        self.scan_input = QLineEdit()
        self.scan_input.setFont(QFont(self.scan_input.font().family(), 24))
        self.scan_input.setPlaceholderText("WF-KR-YYMMDDD-NNN")
        self.scan_input.returnPressed.connect(self._scanned)

        self.result_panel = QFrame()
        self.result_title_ko = _label(28, bold=True)
        self.result_title_en = _label(22, bold=True)
        self.result_detail = _label(16)
        panel = QVBoxLayout(self.result_panel)
        for widget in (self.result_title_ko, self.result_title_en, self.result_detail):
            panel.addWidget(widget)

        self.files = QListWidget()
        self.files.setFocusPolicy(Qt.NoFocus)
        self.files.setWordWrap(True)
        self.files.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self._file_items: dict[str, QListWidgetItem] = {}
        self.queue_status = _label(12, bold=True)
        self.firmware_status = _label(12)
        self.label_status = _label(12)
        queue_row = QHBoxLayout()
        queue_row.addWidget(self.queue_status, 1)
        queue_row.addWidget(retry_button)

        layout = QVBoxLayout()
        layout.addLayout(top)
        layout.addWidget(prompt)
        layout.addWidget(self.scan_input)
        layout.addWidget(self.result_panel)
        files_title = _label(12, bold=True)
        files_title.setText("최근 완공 파일 · Recent completion files")
        layout.addWidget(files_title)
        layout.addWidget(self.files, 1)
        layout.addLayout(queue_row)
        layout.addWidget(self.firmware_status)
        layout.addWidget(self.label_status)
        body = QWidget()
        body.setLayout(layout)
        self.setCentralWidget(body)
        self.resize(1000, 760)

        self.show_display(IDLE)
        self.queue_status.setText("온라인 ONLINE — 대기 0 waiting")
        self.firmware_status.setText(firmware_line(FirmwareStatus("NONE", None, "")))
        self.label_status.setText("라벨 labels: -")
        self.refresh_header()
        # Keep the scan field focused whatever was clicked (keyboard-wedge scanners type
        # into whatever has focus).
        QApplication.instance().focusChanged.connect(self._focus_changed)
        self._refocus = QTimer(self)
        self._refocus.timeout.connect(self._keep_focus)
        self._refocus.start(500)

    # -- station --------------------------------------------------------------------------
    def bind(self, station: Station) -> None:
        self.station = station
        self._login_asked = False
        self.refresh_header()

    def refresh_header(self) -> None:
        s = self.station.settings
        name_ko, name_en = self.station.names(s.process_id)
        worker = self.station.api.worker_id or "-"
        self.header.setText(
            f"작업장 {s.station_id} · {s.process_id} {name_ko} / {name_en} · 작업자 {worker}"
        )

    def _scanned(self) -> None:
        text = self.scan_input.text()
        self.scan_input.clear()
        if text.strip():
            self.station.scan(text)

    # -- events (GUI thread) ---------------------------------------------------------------
    def on_event(self, event: object) -> None:
        if isinstance(event, StartOutcome):
            self.show_display(start_display(event, self.station.names))
        elif isinstance(event, FileUpdate):
            self.show_file(event)
        elif isinstance(event, QueueStatus):
            self.queue_status.setText(queue_line(event))
            color = "#1b5e20" if event.online and not event.needs_login else "#b71c1c"
            self.queue_status.setStyleSheet(f"color: {color};")
            if event.needs_login and not self._login_asked:
                self._login_asked = True  # the session ended: ask once, the queue waits
                QTimer.singleShot(0, self.on_needs_login)
        elif isinstance(event, FirmwareStatus):
            self.firmware_status.setText(firmware_line(event))
        elif isinstance(event, LabelStatus):
            self.label_status.setText(label_line(event))

    def show_display(self, display: Display) -> None:
        background, text = TONES.get(display.tone, TONES["idle"])
        self.result_panel.setStyleSheet(
            f"QFrame {{ background: {background}; border-radius: 8px; }}"
            f" QLabel {{ color: {text}; background: transparent; }}"
        )
        self.result_title_ko.setText(display.ko)
        self.result_title_en.setText(display.en)
        detail = "\n".join(t for t in (display.detail_ko, display.detail_en) if t)
        self.result_detail.setText(detail)

    def show_file(self, update: FileUpdate) -> None:
        item = self._file_items.pop(update.name, None)
        if item is not None:
            self.files.takeItem(self.files.row(item))
        item = QListWidgetItem(file_line(update))
        item.setForeground(QColor(FILE_COLORS.get(update.state, "#263238")))
        self.files.insertItem(0, item)
        self._file_items[update.name] = item
        while self.files.count() > MAX_FILES:
            old = self.files.takeItem(self.files.count() - 1)
            self._file_items = {k: v for k, v in self._file_items.items() if v is not old}

    # -- focus ------------------------------------------------------------------------------
    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and new is not self.scan_input and new.window() is self:
            QTimer.singleShot(0, self.scan_input.setFocus)

    def _keep_focus(self) -> None:
        if self.isActiveWindow() and not self.scan_input.hasFocus():
            self.scan_input.setFocus()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.scan_input.setFocus)
