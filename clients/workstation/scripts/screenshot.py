"""Render the main window offscreen against a running MES (`./mes up`) for the README.

    QT_QPA_PLATFORM=offscreen uv run python clients/workstation/scripts/screenshot.py \
        --gateway http://127.0.0.1:8000 --out clients/workstation/docs/workstation.png

Creates a LOT (as manager), signs in as w001, scans it at a PROC-001 station, drops one
good and one bad completion file, scans a second LOT and grabs the window.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
from mes_cli.demo import process_data_for
from mes_workstation.api_client import ApiClient
from mes_workstation.settings import Settings
from mes_workstation.station import Station
from mes_workstation.ui import Bridge
from mes_workstation.ui.app import install_korean_font
from mes_workstation.ui.main_window import MainWindow
from PyQt5.QtWidgets import QApplication


def pump(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--out", type=Path, default=Path("clients/workstation/docs/workstation.png")
    )
    args = parser.parse_args()
    manager = httpx.Client(base_url=args.gateway, timeout=10)
    token = manager.post(
        "/api/v1/auth/login", json={"username": "manager", "password": "demo-manager-1234"}
    )
    manager.headers["Authorization"] = f"Bearer {token.json()['data']['access_token']}"
    lot, second = (
        manager.post(
            "/api/v1/lots", json={"product_model": "WF", "target_quantity": 100, "shift": "D"}
        ).json()["data"]["lot_number"]
        for _ in range(2)
    )
    time.sleep(1.5)  # process-service learns the LOT from lot.created

    app = QApplication.instance() or QApplication([])
    install_korean_font(app)
    work = Path(tempfile.mkdtemp(prefix="ws-shot-"))
    settings = Settings(
        gateway_url=args.gateway, station_id="ST-01", work_dir=work, label_printing=False
    )
    api = ApiClient(args.gateway, station_id="ST-01")
    api.login("w001", "demo-worker-1234")
    bridge = Bridge()
    station = Station(settings, api, on_event=bridge)
    window = MainWindow(station)
    bridge.event.connect(window.on_event)
    station.start()
    window.show()
    try:
        window.scan_input.setText(lot)
        window.scan_input.returnPressed.emit()
        pump(app, 2.0)
        at = datetime.now().astimezone().replace(microsecond=0)
        body = {
            "lot_number": lot,
            "process_id": "PROC-001",
            "process_name": "레이저 마킹",
            "worker_id": "W001",
            "start_time": at.isoformat(),
            "complete_time": (at + timedelta(seconds=30)).isoformat(),  # ADR 0008: near now
            "process_data": process_data_for("PROC-001", lot, at),
        }
        name = f"{lot}_PROC-001_{at:%Y%m%d%H%M%S}.json"
        (station.folders.pending / name).write_text(json.dumps(body, ensure_ascii=False), "utf-8")
        (station.folders.pending / "completion.json").write_text("{}", "utf-8")
        pump(app, 3.0)
        window.scan_input.setText(second)
        window.scan_input.returnPressed.emit()
        pump(app, 2.0)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(args.out))
        print(f"saved {args.out}")
    finally:
        station.stop()
        api.close()


if __name__ == "__main__":
    main()
