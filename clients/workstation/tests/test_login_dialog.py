"""The sign-in screen never crashes on a MES address httpx refuses (the validated file
makes that rare; this is the second line of defence), and scans there are swallowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from mes_workstation.settings import Settings
from mes_workstation.ui.login_dialog import LoginDialog
from PyQt5.QtCore import Qt

pytestmark = pytest.mark.unit


def test_a_broken_address_is_a_message_not_a_crash(qtbot, tmp_path: Path) -> None:
    broken = Settings(gateway_url="http://127.0.0.1:38080WF-KR-261202N-010", work_dir=tmp_path)
    dialog = LoginDialog(broken, on_settings=lambda: None)
    qtbot.addWidget(dialog)
    dialog.username.setText("w001")
    dialog.password.setText("demo-worker-1234")
    dialog.sign_in_button.click()
    assert dialog.api is None
    assert "MES 주소가 올바르지 않습니다 — 설정을 확인하세요" in dialog.error.text()
    assert "The MES address is not valid — check Settings" in dialog.error.text()
    assert dialog.settings_button.isVisibleTo(dialog)  # Settings are reachable from here


def test_a_scan_on_the_sign_in_screen_is_swallowed(qtbot, tmp_path: Path) -> None:
    dialog = LoginDialog(Settings(work_dir=tmp_path, last_username=""))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    dialog.username.setFocus()
    qtbot.waitUntil(dialog.username.hasFocus)
    qtbot.keyClicks(dialog.username, "WF-KR-261202N-010")
    qtbot.keyClick(dialog.username, Qt.Key_Return)
    assert dialog.username.text() == ""
    assert "먼저 로그인하세요" in dialog.error.text() and "Sign in first" in dialog.error.text()
    assert dialog.api is None
