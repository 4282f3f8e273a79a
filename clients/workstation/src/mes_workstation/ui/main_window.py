"""The worker's one screen: scan field (always focused), the answer in large plain words,
recent completion files, queue, firmware and label status, the station's open alerts."""

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

from ..alert_messages import alert_line, alert_tone
from ..events import (
    AlertsStatus,
    FileUpdate,
    FirmwareStatus,
    LabelStatus,
    QueueStatus,
    StartOutcome,
)
from ..messages import (
    Display,
    file_display,
    file_line,
    file_tone,
    firmware_line,
    label_line,
    queue_line,
    start_display,
)
from ..station import Station
from .scan_router import ScanRouter
from .style import TOUCH_STYLE, banner, latin_only, show_banner

TONES = {  # background, text
    "ok": ("#1b5e20", "#ffffff"),
    "error": ("#b71c1c", "#ffffff"),
    "wait": ("#f9a825", "#212121"),
    "idle": ("#eceff1", "#263238"),
}
FILE_COLORS = {"ok": "#1b5e20", "error": "#b71c1c", "wait": "#8d6e00"}
MAX_FILES = 100
SCAN_STYLE = "QLineEdit#scan { font-size: 28pt; min-height: 72px; }"
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
        notice: str = "",
    ) -> None:
        super().__init__()
        self.station = station
        self.on_needs_login = on_needs_login
        self._login_asked = False
        self._shown: Display | None = None
        self.setWindowTitle("Withforce MES — 작업장 Workstation")
        self.setStyleSheet(TOUCH_STYLE + SCAN_STYLE)
        self.banner = banner()
        show_banner(self.banner, notice)
        self.header = _label(15, bold=True)
        self.settings_button = settings_button = QPushButton("설정 · Settings")
        self.logout_button = logout_button = QPushButton("로그아웃 · Sign out")
        self.retry_button = retry_button = QPushButton("지금 재전송 · Retry now")
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

        prompt = _label(16)
        prompt.setText("LOT 바코드를 스캔하세요 · Scan a LOT barcode")
        self.scan_input = QLineEdit()
        self.scan_input.setObjectName("scan")
        self.scan_input.setPlaceholderText("WF-KR-YYMMDDD-NNN")
        self.scan_input.returnPressed.connect(self._scanned)
        latin_only(self.scan_input)  # in 한글 mode the scanner still types Latin here

        self.result_panel = QFrame()
        self.result_time = _label(14)
        self.result_title_ko = _label(36, bold=True)
        self.result_title_en = _label(28, bold=True)
        self.result_detail = _label(18)
        panel = QVBoxLayout(self.result_panel)
        for widget in (
            self.result_time,
            self.result_title_ko,
            self.result_title_en,
            self.result_detail,
        ):
            panel.addWidget(widget)
        self.previous = _label(13)
        self.previous.setStyleSheet("color: #455a64;")

        self.files = QListWidget()
        self.files.setFocusPolicy(Qt.NoFocus)
        self.files.setWordWrap(True)
        self.files.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        files_font = QFont()
        files_font.setPointSize(13)
        self.files.setFont(files_font)
        self._file_items: dict[str, QListWidgetItem] = {}
        self.queue_status = _label(14, bold=True)
        self.firmware_status = _label(13)
        self.label_status = _label(13)
        # The open alerts of this station's process, LOT and printers; hidden when none.
        self.alerts_line = _label(15, bold=True)
        self.alerts_line.setObjectName("alerts")
        self.alerts_line.hide()
        queue_row = QHBoxLayout()
        queue_row.addWidget(self.queue_status, 1)
        queue_row.addWidget(retry_button)

        layout = QVBoxLayout()
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.alerts_line)
        layout.addWidget(prompt)
        layout.addWidget(self.scan_input)
        layout.addWidget(self.result_panel)
        layout.addWidget(self.previous)
        files_title = _label(13, bold=True)
        files_title.setText("최근 완공 파일 · Recent completion files")
        layout.addWidget(files_title)
        layout.addWidget(self.files, 1)
        layout.addLayout(queue_row)
        layout.addWidget(self.firmware_status)
        layout.addWidget(self.label_status)
        body = QWidget()
        body.setLayout(layout)
        self.setCentralWidget(body)
        self.resize(1200, 900)

        self.show_display(IDLE)
        self.queue_status.setText("온라인 ONLINE — 대기 0 waiting")
        self.firmware_status.setText(firmware_line(FirmwareStatus("NONE", None, "")))
        self.label_status.setText("라벨 labels: -")
        self.refresh_header()
        # Keep the scan field focused whatever was clicked (keyboard-wedge scanners type
        # into whatever has focus).
        app = QApplication.instance()
        app.focusChanged.connect(self._focus_changed)
        app.focusWindowChanged.connect(self._focus_window_changed)  # a dialog closed
        # A scan typed anywhere else (a dialog's field) comes here too.
        self.router = ScanRouter.install(station.settings.scan_gap_ms)
        self.router.attach(self.scan_input, self._routed_scan)
        self._refocus = QTimer(self)
        self._refocus.timeout.connect(self._keep_focus)
        self._refocus.start(500)

    # -- station --------------------------------------------------------------------------
    def bind(self, station: Station) -> None:
        self.station = station
        self.router.gap_ms = station.settings.scan_gap_ms
        self._login_asked = False
        self.refresh_header()

    def refresh_header(self) -> None:
        s = self.station.settings
        name_ko, name_en = self.station.names(s.process_id)
        worker = self.station.api.worker_id or "-"
        self.header.setText(
            f"작업장 {s.station_id} · {s.process_id} {name_ko} / {name_en} · 작업자 {worker}"
        )

    def set_notice(self, text: str) -> None:
        show_banner(self.banner, text)

    def _scanned(self) -> None:
        text = self.scan_input.text()
        self.scan_input.clear()
        if text.strip():
            self.station.scan(text)

    def _routed_scan(self, text: str) -> None:
        """A scanner burst that arrived while another widget (a dialog) had the focus."""
        if self.station.running and text.strip():
            self.station.scan(text)

    # -- events (GUI thread) ---------------------------------------------------------------
    def on_event(self, event: object) -> None:
        if isinstance(event, StartOutcome):
            self.show_display(start_display(event, self.station.names))
        elif isinstance(event, FileUpdate):
            self.show_file(event)
            self.show_display(file_display(event))
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
        elif isinstance(event, AlertsStatus):
            self.show_alerts(event)

    def show_alerts(self, status: AlertsStatus) -> None:
        """A poll that did not reach the MES keeps what was shown (the queue line says
        offline); otherwise the line shows exactly the station's active alerts."""
        if not status.reachable:
            return
        text = alert_line(status, self.station.names)
        background, color = TONES[alert_tone(status)]
        self.alerts_line.setStyleSheet(
            f"QLabel#alerts {{ background: {background}; color: {color};"
            " border-radius: 6px; padding: 8px; }"
        )
        self.alerts_line.setText(text)
        self.alerts_line.setVisible(bool(text))

    def show_display(self, display: Display) -> None:
        """The big panel always shows the latest event; the last answer before it (not a
        "sending…" on the way to one) stays below it."""
        if self._shown is not None and self._shown.at is not None and self._shown.tone != "wait":
            self.previous.setText(f"이전 · Before:  {self._shown.summary()}")
        self._shown = display
        self.result_time.setText(f"{display.at:%H:%M:%S}" if display.at else "")
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
        item.setForeground(QColor(FILE_COLORS[file_tone(update)]))
        self.files.insertItem(0, item)
        self._file_items[update.name] = item
        while self.files.count() > MAX_FILES:
            old = self.files.takeItem(self.files.count() - 1)
            self._file_items = {k: v for k, v in self._file_items.items() if v is not old}

    # -- focus ------------------------------------------------------------------------------
    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and new is not self.scan_input and new.window() is self:
            QTimer.singleShot(0, self.scan_input.setFocus)

    def _focus_window_changed(self, window: object) -> None:
        if window is not None and window is self.windowHandle():
            QTimer.singleShot(0, self.scan_input.setFocus)

    def focus_scan(self) -> None:
        """Back to the scan field (after a dialog)."""
        self.activateWindow()
        self.scan_input.setFocus()

    def _keep_focus(self) -> None:
        if self.isActiveWindow() and not self.scan_input.hasFocus():
            self.scan_input.setFocus()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.scan_input.setFocus)
