"""The station's alerts (ADR 0024) without a MES: which subjects it asks about, the plain
ko/en words for every alert code, and the line on the main window (shown, coloured by the
worst severity, hidden when none; kept when a poll did not reach the MES)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mes_workstation.alert_messages import alert_line, alert_text, alert_tone
from mes_workstation.api_client import ApiClient
from mes_workstation.events import AlertsStatus, StationAlert
from mes_workstation.settings import Settings
from mes_workstation.settings_checks import field_problem
from mes_workstation.station import DEFAULT_NAMES, Station
from mes_workstation.station_alerts import MAX_SUBJECTS, station_printers, subjects_of
from mes_workstation.ui.main_window import MainWindow

pytestmark = pytest.mark.unit
LOT = "WF-KR-261204D-001"


def names(process_id: str) -> tuple[str, str]:
    return DEFAULT_NAMES.get(process_id, (process_id, process_id))


def alert(code: str, severity: str = "warning", subject: str = LOT, **params) -> StationAlert:
    return StationAlert(code, severity, subject, params, message=f"english for {code}")


def test_the_station_asks_about_its_process_lot_and_printers() -> None:
    rows = [
        {"printer_id": "PRINTER-07", "station_id": "ST-07", "active": True},
        {"printer_id": "PRINTER-02", "station_id": "ST-07", "active": False},
        {"printer_id": "PRINTER-01", "station_id": None, "active": True},
        {"printer_id": "PRINTER-08", "station_id": "ST-07"},
    ]
    printers = station_printers(rows, "ST-07")
    assert printers == ["PRINTER-07", "PRINTER-08"]
    assert subjects_of("PROC-007", LOT, printers) == ["PROC-007", LOT, "PRINTER-07", "PRINTER-08"]
    assert subjects_of("PROC-007", None, []) == ["PROC-007"]
    many = [f"PRINTER-{n:02d}" for n in range(40)]
    assert len(subjects_of("PROC-007", LOT, many)) == MAX_SUBJECTS


@pytest.mark.parametrize(
    ("item", "text"),
    [
        (
            alert(
                "ALERT_PRINTER_PAPER_OUT",
                "critical",
                "PRINTER-07",
                printer_id="PRINTER-07",
                state="paper_out",
            ),
            "프린터 PRINTER-07 용지 없음 · Printer PRINTER-07: out of paper",
        ),
        (
            alert("ALERT_LOT_HELD", lot_number=LOT, reason="NCR-261204-001"),
            f"LOT {LOT} 보류 중 (NCR-261204-001) · LOT {LOT} on hold (NCR-261204-001)",
        ),
        (
            alert("ALERT_LOT_STALLED", lot_number=LOT, process_id="PROC-003", idle_minutes=95),
            f"LOT {LOT} 센서 검사 95분째 진행 없음 · LOT {LOT} at Sensor inspection: "
            "no activity for 95 min",
        ),
        (
            alert("ALERT_LABEL_FAILED", lot_number=LOT),
            f"LOT {LOT} 라벨 출력 실패 · LOT {LOT}: labels not printed",
        ),
        (
            alert("ALERT_LABEL_QUEUED_TOO_LONG", lot_number=LOT, minutes=10.0),
            f"LOT {LOT} 라벨이 10분 넘게 출력 대기 중 · LOT {LOT}: labels waiting over 10 min",
        ),
        (
            alert("ALERT_DEFECT_RATE", subject="PROC-003", process_id="PROC-003", rate=0.125),
            "센서 검사 오늘 불량률 12.5% · Sensor inspection: 12.5% defective today",
        ),
        (alert("ALERT_SOMETHING_NEW"), "알림 · Alert: english for ALERT_SOMETHING_NEW"),
    ],
)
def test_every_alert_reads_in_korean_and_english(item: StationAlert, text: str) -> None:
    assert alert_text(item, names) == text


def test_critical_first_and_the_tone_of_the_worst() -> None:
    held = alert("ALERT_LOT_HELD", lot_number=LOT)
    paper = alert("ALERT_PRINTER_PAPER_OUT", "critical", "PRINTER-07", state="paper_out")
    both = AlertsStatus((held, paper))
    assert alert_line(both, names).splitlines()[0].startswith("⚠ 프린터 PRINTER-07")
    assert alert_tone(both) == "error"
    assert alert_tone(AlertsStatus((held,))) == "wait"
    assert (alert_line(AlertsStatus(), names), alert_tone(AlertsStatus())) == ("", "idle")


def test_the_poll_interval_is_checked() -> None:
    assert Settings().alert_poll_seconds == 30.0
    assert field_problem("alert_poll_seconds", 30) is None
    assert field_problem("alert_poll_seconds", 0) is not None


def test_the_main_window_shows_the_station_alerts_in_a_line(qtbot, tmp_path: Path) -> None:
    settings = Settings(work_dir=tmp_path, process_id="PROC-003", gateway_url="http://127.0.0.1:9")
    api = ApiClient(settings.gateway_url)
    station = Station(settings, api)  # not started: nothing is asked of the MES
    try:
        window = MainWindow(station)
        qtbot.addWidget(window)
        assert not window.alerts_line.isVisibleTo(window)
        held = alert("ALERT_LOT_HELD", lot_number=LOT, reason="NCR-261204-001")
        window.on_event(AlertsStatus((held,)))
        assert window.alerts_line.isVisibleTo(window)
        assert f"LOT {LOT} 보류 중" in window.alerts_line.text()
        assert "on hold" in window.alerts_line.text()
        assert "#f9a825" in window.alerts_line.styleSheet()  # a warning: amber
        window.on_event(AlertsStatus((), reachable=False))  # the MES did not answer
        assert f"LOT {LOT}" in window.alerts_line.text()
        window.on_event(AlertsStatus(()))  # resolved
        assert not window.alerts_line.isVisibleTo(window)
    finally:
        station.queue.close()
        api.close()
