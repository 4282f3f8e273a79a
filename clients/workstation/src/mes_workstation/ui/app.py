"""The application: sign in, run the station behind the main window, settings, sign out."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from PyQt5.QtGui import QFont, QFontDatabase
from PyQt5.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from ..api_client import ApiClient
from ..pin import PinGuard
from ..settings import ConfigNotice, Settings, load_settings, save_settings
from ..station import DEFAULT_NAMES, Station
from ..workdir import WorkFolders
from . import Bridge
from .login_dialog import LoginDialog
from .main_window import MainWindow
from .pin_dialog import PinDialog
from .settings_dialog import SettingsDialog

log = logging.getLogger(__name__)


def notice_text(notice: ConfigNotice | None) -> str:
    """The banner for a settings file that could not be used as it was."""
    if notice is None:
        return ""
    detail = f"\n({notice.detail[:300]})" if notice.detail else ""
    return f"{notice.ko}\n{notice.en}{detail}"


def install_korean_font(app: QApplication) -> None:
    """Use the bundled Noto Sans KR when present (Windows has Malgun Gothic anyway)."""
    try:
        import pylopdf_fonts_ko  # the `korean-font` extra
    except ImportError:
        return
    font_id = QFontDatabase.addApplicationFont(str(pylopdf_fonts_ko.sans_path()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if families:
        app.setFont(QFont(families[0], 10))


def setup_logging(settings: Settings) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    try:
        folders = WorkFolders(settings.work_dir).create()
        handler = RotatingFileHandler(
            folders.state / "workstation.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"
        )
        handlers.append(handler)
    except OSError as exc:  # the screen says what is wrong; the log goes to stderr
        print(f"workstation.log not opened: {exc}", file=sys.stderr)
    for handler in handlers:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=handlers)


class Controller:
    def __init__(
        self, settings: Settings, config_path: Path | None, notice: ConfigNotice | None = None
    ) -> None:
        self.settings, self.config_path = settings, config_path
        self.notice = notice_text(notice)  # shown until an admin saves Settings
        self.pin_guard = PinGuard()
        self.bridge = Bridge()
        self.api: ApiClient | None = None
        self.station: Station | None = None
        self.window: MainWindow | None = None

    def sign_in(self) -> bool:
        dialog = LoginDialog(
            self.settings, notice=self.notice, on_settings=lambda: self.edit_settings(dialog)
        )
        if dialog.exec_() != QDialog.Accepted or dialog.api is None:
            return False
        self.api = dialog.api
        self.settings = dialog.settings
        if not self.notice:  # a file the app could not use stays as it is until Settings
            self._save(self.settings, dialog)  # remembers the user name
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
                notice=self.notice,
            )
            self.bridge.event.connect(self.window.on_event)
        # The window is bound and shown before the station's threads start sending events
        # (a CI run crashed in show() while the dispatcher's first event was being emitted).
        self.window.bind(self.station)
        self.window.show()
        self.station.start()

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

    def _save(self, settings: Settings, parent: QWidget | None) -> bool:
        try:
            save_settings(settings, self.config_path)
        except (OSError, ValueError) as exc:
            log.error("settings not saved: %s", exc)
            QMessageBox.warning(
                parent, "설정 · Settings", f"설정을 저장하지 못했습니다\nSettings not saved\n{exc}"
            )
            return False
        return True

    def edit_settings(self, parent: QWidget | None) -> Settings | None:
        """Admin PIN, then the Settings dialog; the saved settings, or None."""
        if PinDialog(self.settings.admin_pin_hash, self.pin_guard, parent).exec_() != (
            QDialog.Accepted
        ):
            return None
        names = self.station.names_by_id if self.station is not None else DEFAULT_NAMES
        dialog = SettingsDialog(self.settings, names, parent, notice=self.notice)
        if dialog.exec_() != QDialog.Accepted or dialog.result_settings is None:
            return None
        new = dialog.result_settings
        if not self._save(new, parent):
            return None
        self.settings, self.notice = new, ""
        if self.window is not None:
            self.window.set_notice("")
        return new

    def open_settings(self) -> None:
        old = self.settings
        new = self.edit_settings(self.window)
        if self.window is not None:
            self.window.focus_scan()
        if new is None:
            return
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
    loaded = load_settings(config_path)
    setup_logging(loaded.settings)
    if loaded.notice is not None:
        log.error("settings: %s (%s)", loaded.notice.en, loaded.notice.detail)
    controller = Controller(loaded.settings, config_path, loaded.notice)
    if not controller.sign_in():
        return 0
    controller.start()
    try:
        return app.exec_()
    finally:
        controller.shutdown()
