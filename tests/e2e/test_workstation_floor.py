"""The workstation on the floor (issue 17), in the real client against the running system:
a scan cannot break a station (Settings behind the PIN, a scan into open Settings is a
scan, a broken settings file starts from the last good one), a scanner in 한글 mode
still starts the LOT, and results read right (a FAIL in red, the latest event in the big
panel, refused files in plain words with what to do)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from mes_workstation.pin import DEFAULT_PIN, PinGuard, verify_pin
from mes_workstation.settings import last_good_path, load_settings, save_settings
from mes_workstation.ui.app import Controller
from mes_workstation.ui.login_dialog import LoginDialog
from mes_workstation.ui.main_window import MainWindow
from mes_workstation.ui.pin_dialog import PinDialog
from mes_workstation.ui.settings_dialog import SettingsDialog
from mes_workstation.ui.style import TOUCH_PX
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton, QSpinBox, QWidget

from .conftest import Client
from .production import KST, new_lot, run_through, start_body, station_file
from .workstation_support import (
    history,
    names,
    signed_in_api,
    station_settings,
    station_threads,
    write_completion,
)
from .workstation_ui_support import WAIT_MS, scan, shown, station_window, wedge, when_modal

RED = "#b71c1c"
GREEN = "#1b5e20"
NEW_PIN = "482915"
# The standard 2-set (두벌식) keyboard, written out: what each key types in 한글 mode.
HANGUL_KEYS = dict(
    zip(
        "QWERTYUIOPASDFGHJKLZXCVBNM",
        "ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔㅁㄴㅇㄹㅎㅗㅓㅏㅣㅋㅌㅊㅍㅠㅜㅡ",
        strict=True,
    )
)
SHIFTED = {"Q": "ㅃ", "W": "ㅉ", "E": "ㄸ", "R": "ㄲ", "T": "ㅆ", "O": "ㅒ", "P": "ㅖ"}


def in_hangul_mode(barcode: str, shift: bool = False) -> str:
    keys = HANGUL_KEYS | (SHIFTED if shift else {})
    return "".join(keys.get(ch, ch) for ch in barcode)


def panel_color(window: MainWindow) -> str:
    return window.result_panel.styleSheet().split("background: ")[1].split(";")[0]


def running_controller(qtbot, settings, config: Path) -> Controller:
    controller = Controller(settings, config)
    controller.api = signed_in_api(settings)
    controller.start()
    window = controller.window
    assert window is not None
    qtbot.addWidget(window)
    window.activateWindow()
    qtbot.waitActive(window)
    return controller


def test_a_scan_into_open_settings_is_a_scan_and_changes_nothing(
    qtbot, gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    lot = new_lot(manager, worker)
    config = tmp_path / "mes-workstation.json"
    settings = station_settings(tmp_path / "work", gateway)
    controller = running_controller(qtbot, settings, config)
    window = controller.window
    assert window is not None
    seen: dict[str, object] = {}

    def in_settings(dialog: SettingsDialog) -> None:
        dialog.test_button.click()  # "test connection" against the real gateway
        seen["test"] = dialog.test_result.text()
        dialog.gateway_url.setFocus()
        qtbot.waitUntil(dialog.gateway_url.hasFocus)
        qtbot.keyClicks(dialog.gateway_url, lot)  # the scanner fires while Settings is open
        seen["while_typing"] = dialog.gateway_url.text()
        qtbot.keyClick(dialog.gateway_url, Qt.Key_Return)
        qtbot.waitUntil(lambda: "착공 완료" in shown(window), timeout=WAIT_MS)
        qtbot.wait(150)  # nothing held back lands later either
        seen["url"] = dialog.gateway_url.text()
        seen["still_open"] = dialog.isVisible() and dialog.result_settings is None

    def in_pin(dialog: PinDialog) -> None:
        dialog.pin.setText("9999")
        dialog.ok_button.click()
        seen["wrong"] = dialog.error.text()
        when_modal(SettingsDialog, in_settings)
        dialog.pin.setText(DEFAULT_PIN)
        dialog.ok_button.click()

    when_modal(PinDialog, in_pin)
    qtbot.mouseClick(window.settings_button, Qt.LeftButton)  # returns once both closed
    try:
        assert seen["wrong"] == "PIN이 틀렸습니다 · Wrong PIN"
        assert seen["test"] == "연결 성공: MES 준비됨\nConnected: the MES is ready"
        assert seen["while_typing"] == gateway  # held back, never in the field
        assert seen["url"] == gateway and seen["still_open"] is True
        assert window.result_title_ko.text() == "착공 완료: 레이저 마킹"
        assert lot in window.result_detail.text()
        assert not config.exists()  # nothing saved
        assert controller.settings.gateway_url == gateway
        qtbot.waitUntil(window.scan_input.hasFocus, timeout=2000)  # back for the next scan
        assert history(worker, lot, "PROC-001")["status"] == "IN_PROGRESS"
    finally:
        controller.shutdown()
    assert station_threads() == []


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        pytest.param(
            b"\x00\xff\xfe{\x81garbage",
            (
                "설정 파일을 읽을 수 없어 마지막 정상 설정으로 시작했습니다",
                "The settings file could not be read: started with the last good settings",
            ),
            id="garbage-bytes",
        ),
        pytest.param(
            b"bad-url",
            (
                "설정 파일의 잘못된 값(MES 주소)을 마지막 정상 설정 값으로 바꿔 시작했습니다",
                "Invalid values in the settings file (Gateway URL) were replaced with the last good",
            ),
            id="json-with-a-scan-in-the-url",
        ),
    ],
)
def test_a_broken_settings_file_starts_from_the_last_good_one_with_a_banner(
    qtbot,
    gateway: str,
    manager: Client,
    worker: Client,
    tmp_path: Path,
    broken: bytes,
    says: tuple[str, str],
) -> None:
    config = tmp_path / "mes-workstation.json"
    good = station_settings(tmp_path / "work", gateway, station_id="WS-FLOOR")
    save_settings(good, config)  # a successful save keeps the last good copy
    if broken == b"bad-url":
        data = good.to_json() | {"gateway_url": f"{gateway}WF-KR-261202N-010"}
        broken = json.dumps(data).encode()
    config.write_bytes(broken)
    loaded = load_settings(config)
    assert loaded.settings == good and loaded.notice is not None
    controller = Controller(loaded.settings, config, loaded.notice)
    seen: dict[str, str] = {}

    def sign_in(dialog: LoginDialog) -> None:
        seen["login_banner"] = dialog.banner.text() if dialog.banner.isVisible() else ""
        dialog.username.setText("w001")
        dialog.password.setText("demo-worker-1234")
        dialog.sign_in_button.click()

    when_modal(LoginDialog, sign_in)
    assert controller.sign_in()  # no crash at sign-in
    controller.start()
    window = controller.window
    assert window is not None
    qtbot.addWidget(window)
    try:
        assert "마지막 정상 설정" in seen["login_banner"]
        banner = window.banner.text()
        assert window.banner.isVisible() and banner == seen["login_banner"]
        assert says[0] in banner and says[1] in banner
        assert config.read_bytes() == broken  # signing in does not write over it

        lot = new_lot(manager, worker)
        window.activateWindow()
        qtbot.waitActive(window)
        scan(qtbot, window, lot)  # the station works with the last good settings
        qtbot.waitUntil(lambda: "착공 완료" in shown(window), timeout=WAIT_MS)
        assert "작업장 WS-FLOOR" in window.header.text()

        # An admin opens Settings (banner there too), sets a PIN and saves: repaired.
        def in_settings(dialog: SettingsDialog) -> None:
            seen["settings_banner"] = dialog.banner.text()
            dialog.new_pin.setText(NEW_PIN)
            dialog.confirm_pin.setText(NEW_PIN)
            dialog.save_button.click()

        def in_pin(dialog: PinDialog) -> None:
            when_modal(SettingsDialog, in_settings)
            dialog.pin.setText(DEFAULT_PIN)
            dialog.ok_button.click()

        when_modal(PinDialog, in_pin)
        qtbot.mouseClick(window.settings_button, Qt.LeftButton)
        assert banner.split("\n")[0] in seen["settings_banner"]
        assert "기본 PIN(0000)을 사용 중입니다" in seen["settings_banner"]
        qtbot.waitUntil(lambda: not window.banner.isVisible(), timeout=2000)
        reloaded = load_settings(config)
        assert reloaded.notice is None
        assert reloaded.settings.gateway_url == gateway
        assert verify_pin(NEW_PIN, reloaded.settings.admin_pin_hash)
        assert json.loads(last_good_path(config).read_text("utf-8")) == (
            reloaded.settings.to_json()
        )
        assert config.with_name(config.name + ".broken").read_bytes() == broken
    finally:
        controller.shutdown()
    assert station_threads() == []


def test_a_scanner_in_hangul_mode_still_starts_the_lot(
    qtbot, gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    first, second = new_lot(manager, worker), new_lot(manager, worker)
    with station_window(qtbot, station_settings(tmp_path / "work", gateway)) as window:
        typed = in_hangul_mode(first)
        assert typed.startswith("ㅈㄹ-ㅏㄱ-")
        wedge(window.scan_input, typed)
        qtbot.waitUntil(lambda: "착공 완료" in shown(window), timeout=WAIT_MS)
        assert first in window.result_detail.text()

        shifted = in_hangul_mode(second, shift=True)  # upper case: Shift held
        assert shifted.startswith("ㅉㄹ-ㅏㄲ-")
        wedge(window.scan_input, shifted)
        qtbot.waitUntil(lambda: second in window.result_detail.text(), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "착공 완료" in shown(window), timeout=WAIT_MS)

        wedge(window.scan_input, in_hangul_mode("HELLO"))  # no LOT, even read as Latin
        assert "스캐너가 한글 모드입니다" in shown(window)
        assert "한/영 키를 눌러 영문으로 바꾸세요" in shown(window)
        assert "Press the 한/영 key: switch to English" in shown(window)
        assert panel_color(window) == RED
    for lot in (first, second):
        assert history(worker, lot, "PROC-001")["status"] == "IN_PROGRESS"


def test_fail_is_red_and_the_big_panel_shows_the_latest_event_in_plain_words(
    qtbot, gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    lot, other, unstarted = (new_lot(manager, worker) for _ in range(3))
    run_through(worker, lot, "PROC-002")
    now = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(other, "PROC-001", now))
    assert r.status_code == 200, r.text
    settings = station_settings(tmp_path / "work", gateway, process_id="PROC-003")
    with station_window(qtbot, settings) as window:
        pending = window.station.folders.pending
        scan(qtbot, window, lot)
        qtbot.waitUntil(lambda: "착공 완료: 센서 검사" in shown(window), timeout=WAIT_MS)
        scan(qtbot, window, lot)
        qtbot.waitUntil(lambda: "이미 착공된 공정입니다" in shown(window), timeout=WAIT_MS)

        # A FAIL completion: a recorded defect, shown red — in the panel and in the list.
        at = datetime.now(KST).replace(microsecond=0)
        fail_data = station_file("invalid", "defect-is-valid-but-FAIL")["process_data"]
        fail = write_completion(pending, lot, "PROC-003", at, fail_data)
        qtbot.waitUntil(lambda: "불합격 FAIL" in shown(window), timeout=WAIT_MS)
        assert window.result_title_ko.text() == "완공 기록: 불합격 FAIL"  # not "already started"
        assert window.result_title_en.text() == "Completion recorded: FAIL (defect)"
        assert "불량 항목 temp_sensor" in window.result_detail.text()
        assert panel_color(window) == RED
        assert "이미 착공된 공정입니다" in window.previous.text()  # the one before, below
        item = window.files.item(0)
        assert fail.name in item.text() and "FAIL 불합격" in item.text()
        assert item.foreground().color().name() == RED
        assert history(worker, lot, "PROC-003")["result"] == "FAIL"

        # A PASS is green.
        write_completion(pending, other, "PROC-001", now)
        qtbot.waitUntil(lambda: "합격 PASS" in shown(window), timeout=WAIT_MS)
        assert panel_color(window) == GREEN
        assert window.files.item(0).foreground().color().name() == GREEN

        # A refused file: plain words and the action; the detail stays in the sidecar.
        missing = {k: v for k, v in fail_data.items() if k != "tof_sensor"}
        refused = write_completion(pending, lot, "PROC-003", at + timedelta(seconds=1), missing)
        qtbot.waitUntil(lambda: "완공 파일 오류" in shown(window), timeout=WAIT_MS)
        assert "tof_sensor 값이 없습니다 — 검사기 설정을 확인하세요" in window.result_detail.text()
        assert "tof_sensor is missing — check the station app's settings" in (
            window.result_detail.text()
        )
        assert panel_color(window) == RED
        assert "tof_sensor 값이 없습니다" in window.files.item(0).text()
        sidecar = window.station.folders.error / f"{refused.name}.error.json"
        record = json.loads(sidecar.read_text(encoding="utf-8"))
        assert record["reason"] == "A required field is missing: process_data.tof_sensor"
        assert record["data"]["missing_fields"] == ["process_data.tof_sensor"]

        # Refused by the MES (never started): plain too.
        late = write_completion(pending, unstarted, "PROC-001", now)
        qtbot.waitUntil(lambda: late.name in names(window.station.folders.error), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "착공 기록이 없습니다" in shown(window), timeout=WAIT_MS)
        assert "LOT을 먼저 스캔해 착공한 뒤 파일을 pending에 다시 넣으세요" in shown(window)
        assert "The process was not started — scan the LOT first" in shown(window)


def test_touch_targets_are_big_enough_for_gloves(qtbot, gateway: str, tmp_path: Path) -> None:
    settings = station_settings(tmp_path / "work", gateway)
    with station_window(qtbot, settings) as window:
        screens: list[QWidget] = [
            window,
            LoginDialog(settings),
            PinDialog("", PinGuard()),
            SettingsDialog(settings, window.station.names_by_id),
        ]
        for screen in screens[1:]:
            qtbot.addWidget(screen)
        small = []
        for screen in screens:
            screen.show()
            qtbot.waitExposed(screen)
            kinds = (QPushButton, QLineEdit, QComboBox, QSpinBox, QCheckBox)
            for widget in screen.findChildren(kinds):
                if widget.isVisible() and widget.height() < TOUCH_PX:
                    small.append(
                        f"{type(screen).__name__}: {type(widget).__name__} {widget.height()}"
                    )
        assert small == []
        assert window.scan_input.height() >= 72
        assert window.result_title_ko.font().pointSize() >= 36
        assert window.result_title_en.font().pointSize() >= 28
        assert window.result_detail.font().pointSize() >= 18
