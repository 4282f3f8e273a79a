"""The alerts a workstation shows (ADR 0024) against the running system: the list takes
several subjects (a station's process, LOT, printers) and `status=active`; the station's
poll finds its LOT's hold alert; the Qt window shows it in plain Korean and English, and
hides it once the NCR's disposition resolved it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from mes_cli.pytest_plugin import eventually
from mes_contracts.api.alerts import AlertList
from mes_contracts.errors import SuccessBody
from mes_workstation.station_alerts import StationAlerts

from .conftest import Client
from .production import KST, dispose, failing_sensor_data, new_lot, run_process, run_through
from .test_response_models import conforms
from .workstation_support import signed_in_api, station_settings
from .workstation_ui_support import WAIT_MS, scan, shown, station_window


def held_lot(manager: Client, worker: Client) -> tuple[str, str]:
    """A LOT held at PROC-003 (its FAIL), once its hold alert is raised: (LOT, NCR)."""
    lot = new_lot(manager, worker, quantity=5)
    run_through(worker, lot, "PROC-002")
    at = datetime.now(KST).replace(microsecond=0)
    failed = run_process(worker, lot, "PROC-003", failing_sensor_data(lot, at))
    assert failed["result"] == "FAIL" and failed["ncr_number"], failed

    def raised() -> list[dict[str, Any]]:
        r = worker.get("/api/v1/alerts", params={"subject": lot, "rule": "lot.held"})
        return [a for a in r.json()["data"]["items"] if a["status"] == "open"]

    eventually(raised, timeout=15, what=f"the hold alert of {lot}")
    return lot, failed["ncr_number"]


def test_the_list_takes_several_subjects_and_active(manager: Client, worker: Client) -> None:
    lot, _ = held_lot(manager, worker)
    other = new_lot(manager, worker, quantity=5)
    params = {"status": "active", "subject": ["PROC-003", lot, "PRINTER-NONE"]}
    page = worker.get("/api/v1/alerts", params=params)
    assert page.status_code == 200, page.text
    data = conforms(SuccessBody[AlertList], page).data
    assert lot in {a.subject_id for a in data.items}
    assert {a.subject_id for a in data.items} <= {"PROC-003", lot, "PRINTER-NONE"}
    assert all(a.status in ("open", "acknowledged") for a in data.items)
    none = worker.get("/api/v1/alerts", params={"subject": [other], "status": "active"})
    assert none.json()["data"]["items"] == []
    too_many = worker.get("/api/v1/alerts", params={"subject": [f"S-{n}" for n in range(21)]})
    assert too_many.status_code == 400 and too_many.json()["error_code"] == "VALIDATION_ERROR"
    empty = worker.get("/api/v1/alerts", params={"subject": ""})
    assert empty.status_code == 400, empty.text


def test_the_station_poll_finds_its_lots_alert(
    gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    lot, number = held_lot(manager, worker)
    settings = station_settings(tmp_path / "w", gateway, process_id="PROC-003")
    api = signed_in_api(settings)
    try:
        alerts = StationAlerts(api, settings.station_id, "PROC-003", current_lot=lambda: lot)
        assert isinstance(alerts.printers(), list)  # a worker may read the printer list
        status = alerts.poll_once()
        [held] = [a for a in status.alerts if a.code == "ALERT_LOT_HELD"]
        assert (held.subject_id, held.params["reason"]) == (lot, number)
    finally:
        api.close()


def test_the_window_shows_the_station_alerts_until_they_resolve(
    qtbot, gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    lot, number = held_lot(manager, worker)
    settings = station_settings(
        tmp_path / "w", gateway, process_id="PROC-004", alert_poll_seconds=1.0
    )
    with station_window(qtbot, settings) as window:
        assert not window.alerts_line.isVisible()
        scan(qtbot, window, lot)  # the LOT is refused (held), and its alert shows
        qtbot.waitUntil(lambda: "보류" in shown(window), timeout=WAIT_MS)
        qtbot.waitUntil(window.alerts_line.isVisible, timeout=WAIT_MS)
        text = window.alerts_line.text()
        assert f"LOT {lot} 보류 중 ({number})" in text
        assert f"LOT {lot} on hold ({number})" in text
        dispose(manager, number, "USE_AS_IS", reason="deviation approved by QA")
        qtbot.waitUntil(lambda: not window.alerts_line.isVisible(), timeout=WAIT_MS)
