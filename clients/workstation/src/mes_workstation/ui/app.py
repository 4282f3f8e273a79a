"""The application: sign in, run the station behind the main window, settings, sign out."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PyQt5.QtGui import QFont, QFontDatabase
from PyQt5.QtWidgets import QApplication, QDialog

from ..api_client import ApiClient
from ..settings import Settings, load_settings, save_settings
from ..station import Station
from ..workdir import WorkFolders
from . import Bridge
from .login_dialog import LoginDialog
from .main_window import MainWindow
from .settings_dialog import SettingsDialog


def install_korean_font(app: QApplication) -> None:
    """Use the bundled Noto Sans KR when present (Windows has Malgun Gothic anyway)."""
    try:
        import pylopdf_fonts_ko  # shipped with label-service, i.e. the `labels` extra
    except ImportError:
        return
    font_id = QFontDatabase.addApplicationFont(str(pylopdf_fonts_ko.sans_path()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        app.setFont(QFont(families[0], 10))


def setup_logging(settings: Settings) -> None:
    folders = WorkFolders(settings.work_dir).create()
    handler = RotatingFileHandler(
        folders.state / "workstation.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler, logging.StreamHandler()])


class Controller:
    def __init__(self, settings: Settings, config_path: Path | None) -> None:
        self.settings, self.config_path = settings, config_path
        self.bridge = Bridge()
        self.api: ApiClient | None = None
        self.station: Station | None = None
        self.window: MainWindow | None = None

    def sign_in(self) -> bool:
        dialog = LoginDialog(self.settings)
        if dialog.exec_() != QDialog.Accepted or dialog.api is None:
            return False
        self.api = dialog.api
        save_settings(self.settings, self.config_path)  # remembers the user name
        return True

    def start(self) -> None:
        assert self.api is not None
        self.station = Station(self.settings, self.api, on_event=self.bridge)
        if self.window is None:
            self.window = MainWindow(
                self.station,
                on_settings=self.open_settings,
                on_logout=self.sign_out,
                on_needs_login=self.sign_out,
            )
            self.bridge.event.connect(self.window.on_event)
        self.station.start()
        self.window.bind(self.station)
        self.window.show()

    def stop_station(self) -> None:
        if self.station is not None:
            self.station.stop()
            self.station = None

    def _drop_session(self) -> None:
        self.stop_station()
        if self.api is not None:
            self.api.logout()
            self.api.close()
            self.api = None
        if self.window is not None:
            self.window.hide()

    def sign_out(self) -> None:
        self._drop_session()
        if self.sign_in():
            self.start()
        else:
            QApplication.quit()

    def open_settings(self) -> None:
        assert self.station is not None
        dialog = SettingsDialog(self.settings, self.station.names_by_id, self.window)
        if dialog.exec_() != QDialog.Accepted or dialog.result_settings is None:
            return
        new, old = dialog.result_settings, self.settings
        save_settings(new, self.config_path)
        self.settings = new
        if (new.gateway_url, new.station_id) != (old.gateway_url, old.station_id):
            self.sign_out()  # another MES or station id: sign in there
            return
        self.stop_station()
        self.start()

    def shutdown(self) -> None:
        self.stop_station()
        if self.api is not None:
            self.api.close()


def run(config_path: Path | None = None) -> int:
    app = QApplication.instance() or QApplication([])
    install_korean_font(app)
    settings = load_settings(config_path)
    setup_logging(settings)
    controller = Controller(settings, config_path)
    if not controller.sign_in():
        return 0
    controller.start()
    try:
        return app.exec_()
    finally:
        controller.shutdown()
