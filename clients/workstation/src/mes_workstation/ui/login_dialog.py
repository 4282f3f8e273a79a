"""Sign-in: the worker's own account (a worker may only record under their worker id)."""

from __future__ import annotations

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ..api_client import ApiClient, ApiError, OfflineError
from ..messages import error_texts
from ..settings import Settings


class LoginDialog(QDialog):
    def __init__(self, settings: Settings, parent: object = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.api: ApiClient | None = None
        self.setWindowTitle("로그인 · Sign in — Withforce MES")
        self.username = QLineEdit(settings.last_username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.sign_in_button = QPushButton("로그인 · Sign in")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        form = QFormLayout()
        form.addRow("아이디 · User", self.username)
        form.addRow("비밀번호 · Password", self.password)
        layout = QVBoxLayout(self)
        station = QLabel(f"{settings.station_id} · {settings.gateway_url}")
        station.setStyleSheet("color: #555;")
        layout.addWidget(station)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.sign_in_button)
        self.setMinimumWidth(420)
        (self.password if settings.last_username else self.username).setFocus()

    def sign_in(self) -> None:
        api = ApiClient(
            self.settings.gateway_url,
            station_id=self.settings.station_id,
            timeout=self.settings.request_timeout_seconds,
        )
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
