"""Firmware sync on a PROC-004 start, against the stack's released firmware (SPEC §9)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from mes_contracts.api import FirmwareMeta
from mes_contracts.api.process import FirmwareInfo
from mes_workstation.events import FirmwareStatus, StartOutcome
from mes_workstation.firmware_sync import FirmwareSync, FirmwareSyncError

from .conftest import Client
from .production import new_lot, run_through
from .workstation_support import running_station, signed_in_api, station_settings, wait_until


@pytest.fixture(scope="module")
def released(firmware_released: None, admin: Client) -> tuple[dict, bytes]:
    """The released firmware's catalogue entry and its bytes."""
    r = admin.get("/api/v1/firmware/current")
    assert r.status_code == 200, r.text
    current = r.json()["data"]
    blob = admin.get(current["download_url"])
    assert blob.status_code == 200
    return current, blob.content


def test_proc004_start_leaves_a_verified_binary_and_a_ready_meta_file(
    gateway: str, manager: Client, worker: Client, admin: Client, released, tmp_path: Path
) -> None:
    current, blob = released
    version = current["version"]
    lot = new_lot(manager, worker)
    run_through(worker, lot, "PROC-003")
    station_id = f"WS-FW-{lot[-7:]}"
    settings = station_settings(
        tmp_path / "work", gateway, process_id="PROC-004", station_id=station_id
    )
    firmware = settings.work_dir / "firmware"
    firmware.mkdir(parents=True)
    # What an older sync left: another version's binary and meta, and half of the new file.
    (firmware / "firmware_v0.0.1.bin").write_bytes(b"old firmware")
    (firmware / "firmware_meta.json").write_text(
        json.dumps(
            {
                "version": "v0.0.1",
                "filename": "firmware_v0.0.1.bin",
                "file_size": 12,
                "md5_hash": hashlib.md5(b"old firmware").hexdigest(),
                "downloaded_at": "2025-01-10T10:00:15+09:00",
                "status": "UPLOADED",
                "target_mcu": "STM32F103",
            }
        )
    )
    half = len(blob) // 2
    (firmware / f"firmware_{version}.bin.part").write_bytes(blob[:half])

    with running_station(settings) as station:
        station.scan(lot)
        wait_until(
            lambda: any(
                s.state == "READY" and s.version == version
                for s in station.on_event.of(FirmwareStatus)
            ),
            30,
            "firmware READY",
        )
        [started] = [o for o in station.on_event.of(StartOutcome) if o.state == "started"]

    info = started.data["firmware_info"]
    assert info["version"] == version
    binary = firmware / f"firmware_{version}.bin"
    assert binary.read_bytes() == blob
    assert hashlib.md5(binary.read_bytes()).hexdigest() == info["md5_hash"]
    assert sorted(p.name for p in firmware.iterdir()) == sorted([binary.name, "firmware_meta.json"])
    meta = FirmwareMeta.model_validate_json((firmware / "firmware_meta.json").read_bytes())
    assert (meta.version, meta.filename, meta.file_size, meta.md5_hash, meta.status.value) == (
        version,
        binary.name,
        len(blob),
        info["md5_hash"],
        "READY",
    )
    assert meta.target_mcu == current["target_mcu"]
    assert (
        datetime.fromisoformat(
            json.loads((firmware / "firmware_meta.json").read_text())["downloaded_at"]
        ).utcoffset()
        is not None
    )

    # The download resumed where the partial file ended, and named the station.
    r = admin.get("/api/v1/firmware/downloads", params={"station_id": station_id})
    assert r.status_code == 200, r.text
    [download] = r.json()["data"]["items"]
    assert (download["range"], download["first_byte"], download["status_code"]) == (
        f"bytes={half}-",
        half,
        206,
    )
    assert download["worker_id"] == "W001"


def test_sync_recovers_from_a_damaged_file_and_reports_what_it_cannot_fix(
    gateway: str, released, tmp_path: Path
) -> None:
    current, blob = released
    settings = station_settings(tmp_path / "work", gateway)
    api = signed_in_api(settings)
    try:
        folder = tmp_path / "firmware"
        folder.mkdir()
        info = FirmwareInfo.model_validate(
            {**current, "filename": f"firmware_{current['version']}.bin"}
        )
        # A complete-looking but damaged earlier download: MD5 fails, it is fetched again.
        (folder / f"{info.filename}.part").write_bytes(b"\0" * len(blob))
        sync = FirmwareSync(api, folder, retry_delay=0.1)
        assert sync.sync(info).status.value == "READY"
        assert (folder / info.filename).read_bytes() == blob
        assert sync.is_current(info)

        missing = info.model_copy(
            update={"version": "v99.0.0", "download_url": "/api/v1/firmware/download/v99.0.0"}
        )
        with pytest.raises(FirmwareSyncError) as raised:
            sync.sync(missing)
        assert raised.value.code == "FIRMWARE_NOT_FOUND"
        meta = json.loads((folder / "firmware_meta.json").read_text(encoding="utf-8"))
        assert meta["status"] == "ERROR"
        assert meta["version"] == "v99.0.0"
        assert meta["error_code"] == "FIRMWARE_NOT_FOUND" and meta["error"]
        assert not (folder / "firmware_v99.0.0.bin").exists()
        assert not (folder / info.filename).exists()  # a stale binary is not left to flash
    finally:
        api.close()
