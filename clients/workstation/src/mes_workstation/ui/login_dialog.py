"""Sign-in: the worker's own account (a worker may only record under their worker id).

Settings open from here too (with the admin PIN), so a wrong MES address can be fixed
without signing in first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import httpx
from PyQt5.QtCore import Qt, pyqtSlot
from PyQt5.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..api_client import ApiClient, ApiError, OfflineError
from ..messages import error_texts
from ..settings import Settings
from .scan_router import ScanRouter
from .style import TOUCH_STYLE, banner, latin_only, show_banner


class LoginDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        notice: str = "",
        on_settings: Callable[[], Settings | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.on_settings = on_settings
        self.api: ApiClient | None = None
        self.setWindowTitle("로그인 · Sign in — Withforce MES")
        self.setStyleSheet(TOUCH_STYLE)
        self.banner = banner()
        show_banner(self.banner, notice)
        self.username = QLineEdit(settings.last_username)
        latin_only(self.username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.sign_in_button = QPushButton("로그인 · Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.settings_button = QPushButton("설정 · Settings")
        self.settings_button.setAutoDefault(False)
        self.settings_button.clicked.connect(self._open_settings)
        self.settings_button.setVisible(on_settings is not None)
        form = QFormLayout()
        form.addRow("아이디 · User", self.username)
        form.addRow("비밀번호 · Password", self.password)
        layout = QVBoxLayout(self)
        self.station = QLabel("")
        self.station.setStyleSheet("color: #555;")
        layout.addWidget(self.banner)
        layout.addWidget(self.station)
        layout.addLayout(form)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button, 1)
        buttons.addWidget(self.settings_button)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)
        self._show_station()
        (self.password if settings.last_username else self.username).setFocus()
        self._router = ScanRouter.install(settings.scan_gap_ms)
        self._router.unrouted.connect(self._scanned_here)

    def done(self, result: int) -> None:
        with contextlib.suppress(TypeError):
            self._router.unrouted.disconnect(self._scanned_here)
        super().done(result)

    def _show_station(self) -> None:
        self.station.setText(f"{self.settings.station_id} · {self.settings.gateway_url}")

    @pyqtSlot(str)
    def _scanned_here(self, _text: str) -> None:
        if self.isVisible():
            self.error.setText(
                "먼저 로그인하세요 — 스캔은 로그인 뒤에 됩니다\nSign in first, then scan"
            )

    def _open_settings(self) -> None:
        assert self.on_settings is not None
        new = self.on_settings()
        if new is not None:
            self.settings = new
            self._show_station()
            self.error.clear()

    def sign_in(self) -> None:
        try:
            api = ApiClient(
                self.settings.gateway_url,
                station_id=self.settings.station_id,
                timeout=self.settings.request_timeout_seconds,
            )
        except (httpx.InvalidURL, ValueError) as exc:  # validated on load; never crash here
            self.error.setText(
                f"MES 주소가 올바르지 않습니다 — 설정을 확인하세요\nThe MES address is not valid — check Settings ({exc})"
            )
            return
        QApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            api.login(self.username.text().strip(), self.password.text())
        except ApiError as exc:
            ko, en = error_texts({"error_code": exc.error_code, "message": exc.message})
            self._refuse(api, f"{ko}\n{en}")
            return
        except OfflineError as exc:
            self._refuse(api, f"MES에 연결할 수 없습니다\nCannot reach the MES ({exc.reason})")
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.api = api
        self.settings.last_username = self.username.text().strip()
        self.accept()

    def _refuse(self, api: ApiClient, text: str) -> None:
        api.close()
        self.error.setText(text)
        self.password.clear()
        self.password.setFocus()
