"""Driving LOTs through processes over the public API, as the workstation does."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from mes_cli.demo import process_data_for
from mes_cli.pytest_plugin import eventually
from mes_contracts.reference_data import station_files_dir

from .conftest import Client

KST = ZoneInfo("Asia/Seoul")
#: How long a step takes in these tests: started about now, a completion may not be
#: more than the allowed clock skew (5 minutes) ahead of the MES clock (ADR 0008).
TAKES = timedelta(seconds=30)
NAMES = {
    "PROC-001": "레이저 마킹",
    "PROC-002": "LMA 조립",
    "PROC-003": "센서 검사",
    "PROC-004": "펌웨어 업로드",
    "PROC-005": "로봇 조립",
    "PROC-006": "성능검사",
    "PROC-007": "라벨 프린팅",
    "PROC-008": "포장 + 외관검사",
}


def new_lot(manager: Client, worker: Client, quantity: int = 100, shift: str = "D") -> str:
    r = manager.post(
        "/api/v1/lots", json={"product_model": "WF", "target_quantity": quantity, "shift": shift}
    )
    assert r.status_code == 201, r.text
    number = r.json()["data"]["lot_number"]
    eventually(lambda: worker.get(f"/api/v1/process/lots/{number}").status_code == 200)
    return number


def start_body(lot: str, process_id: str, at: datetime, worker_id: str = "W001") -> dict[str, Any]:
    return {
        "lot_number": lot,
        "process_id": process_id,
        "process_name": NAMES[process_id],
        "worker_id": worker_id,
        "start_time": at.isoformat(timespec="seconds"),
    }


def complete_body(
    lot: str, process_id: str, at: datetime, data: dict | None = None, worker_id: str = "W001"
) -> dict:
    return {
        **start_body(lot, process_id, at, worker_id),
        "complete_time": (at + TAKES).isoformat(timespec="seconds"),
        "process_data": process_data_for(process_id, lot, at) if data is None else data,
    }


def run_process(worker: Client, lot: str, process_id: str, data: dict | None = None) -> dict:
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(lot, process_id, at))
    assert r.status_code == 200, r.text
    r = worker.post("/api/v1/process/complete", json=complete_body(lot, process_id, at, data))
    assert r.status_code == 200, r.text
    return r.json()["data"]


def failing_sensor_data(lot: str, at: datetime) -> dict[str, Any]:
    """PROC-003 data that fails: 62.4 °C against 60 ± 1 °C."""
    data = process_data_for("PROC-003", lot, at)
    data["temp_sensor"].update(measured_temp=62.4, result="FAIL")
    data["overall_result"] = "FAIL"
    return data


def dispose(manager: Client, ncr_number: str, disposition: str = "REWORK", **body: Any) -> dict:
    """Close the NCR a FAIL opened (ADR 0023): REWORK by default, so the step may run again."""
    r = manager.post(
        f"/api/v1/ncr/{ncr_number}/disposition", json={"disposition": disposition, **body}
    )
    assert r.status_code == 200, r.text
    return r.json()["data"]


def run_through(worker: Client, lot: str, last: str) -> None:
    for i in range(1, int(last[-3:]) + 1):
        run_process(worker, lot, f"PROC-{i:03d}")


def station_file(kind: str, name_prefix: str) -> dict[str, Any]:
    """A reference station file's JSON (tests/reference-data/station-files)."""
    folder: Path = station_files_dir() / kind
    [path] = [p for p in folder.iterdir() if p.name.startswith(name_prefix)]
    return json.loads(path.read_text(encoding="utf-8"))
