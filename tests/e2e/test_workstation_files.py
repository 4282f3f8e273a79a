"""The reference station files through the workstation (tests/reference-data): what is
refused goes to error/ with its reason, what is valid is recorded — a FAIL as a FAIL,
the legacy CP949 file decoded and stored."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

from mes_contracts.reference_data import station_files_dir

from .conftest import Client
from .production import KST, TAKES, new_lot, run_through, start_body
from .workstation_support import (
    completion_name,
    history,
    names,
    running_station,
    station_settings,
    wait_until,
    write_completion,
)

REFERENCE_LOT = "WF-KR-251110D-001"


def reference(prefix: str) -> tuple[str, bytes]:
    """(name without the `prefix__`, bytes) of an invalid reference file."""
    [path] = [p for p in (station_files_dir() / "invalid").iterdir() if p.name.startswith(prefix)]
    return path.name.split("__", 1)[1], path.read_bytes()


def recent(raw: bytes, start: datetime) -> bytes:
    """The reference file's start and completion moved to `start` (the MES refuses times
    far from its clock, ADR 0008)."""
    for old, new in (
        (b"2025-11-10T09:00:00+09:00", start),
        (b"2025-11-10T09:15:00+09:00", start + TAKES),
    ):
        raw = raw.replace(old, new.isoformat().encode())
    return raw


def sidecar(folder: Path, name: str) -> dict:
    return json.loads((folder / f"{name}.error.json").read_text(encoding="utf-8"))


def test_reference_files_end_in_the_right_folder_with_their_reason(
    gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    now = datetime.now(KST).replace(microsecond=0)
    fail_lot, cp949_lot, unstarted_lot = (new_lot(manager, worker) for _ in range(3))
    run_through(worker, fail_lot, "PROC-002")
    for lot, process in ((fail_lot, "PROC-003"), (cp949_lot, "PROC-001")):
        r = worker.post("/api/v1/process/start", json=start_body(lot, process, now))
        assert r.status_code == 200, r.text

    settings = station_settings(tmp_path / "work", gateway)
    pending = settings.work_dir / "pending"
    pending.mkdir(parents=True)
    # Already waiting when the app starts.
    refused_at_once = ["bad-name", "completes-before-start", "missing-tof_sensor"]
    for prefix in refused_at_once:
        name, raw = reference(prefix)
        (pending / name).write_bytes(raw)
    name, raw = reference("defect-is-valid-but-FAIL")
    fail_name = name.replace(REFERENCE_LOT, fail_lot)
    (pending / fail_name).write_bytes(
        recent(raw, now).replace(REFERENCE_LOT.encode(), fail_lot.encode())
    )
    name, raw = reference("cp949-encoded")
    cp949_name, cp949_raw = (
        name.replace(REFERENCE_LOT, cp949_lot),
        recent(raw, now).replace(REFERENCE_LOT.encode(), cp949_lot.encode()),
    )
    (pending / cp949_name).write_bytes(cp949_raw)
    write_completion(pending, unstarted_lot, "PROC-001", now)  # valid, but never started

    with running_station(settings) as station:
        folders = station.folders
        wait_until(lambda: len(names(folders.completed)) == 2, 20, "two recorded")
        # Three files with one name, one after the other: error/ keeps all three.
        same_name = f"{REFERENCE_LOT}_PROC-001_20251110090000.json"
        for prefix in ("engraved-other-lot", "injection-in-lot", "truncated"):
            name, raw = reference(prefix)
            assert name == same_name
            (folders.pending / name).write_bytes(raw)
            wait_until(lambda: not names(folders.pending), 10, f"{prefix} taken")
        wait_until(lambda: len(names(folders.error)) == 14, 20, "7 refused + sidecars")

    assert names(folders.completed) == {fail_name, cp949_name}
    assert (folders.completed / cp949_name).read_bytes() == cp949_raw  # moved, not rewritten
    assert not names(folders.pending) | names(folders.queued)

    bad_name = sidecar(folders.error, "completion.json")
    assert bad_name["error_code"] == "VALIDATION_ERROR"
    assert bad_name["data"]["field"] == "filename"
    assert "YYYYMMDDhhmmss" in bad_name["reason"]
    codes = {
        "WF-KR-251110D-001_PROC-002_20251110090000.json": ("VALIDATION_ERROR", "complete_time"),
        "WF-KR-251110D-001_PROC-003_20251110091500.json": (
            "MISSING_REQUIRED_FIELD",
            "process_data.tof_sensor",
        ),
        same_name: ("INVALID_PROCESS_DATA", "process_data.lot_number_engraved"),
        "WF-KR-251110D-001_PROC-001_20251110090000 (2).json": ("VALIDATION_ERROR", "lot_number"),
        "WF-KR-251110D-001_PROC-001_20251110090000 (3).json": ("VALIDATION_ERROR", "body"),
    }
    for name, (code, field) in codes.items():
        record = sidecar(folders.error, name)
        assert (record["error_code"], record["data"]["field"]) == (code, field), record
        assert record["stage"] == "validation"
        assert record["reason"] and record["reason_ko"]
        assert datetime.fromisoformat(record["time"]).utcoffset() is not None

    unstarted = completion_name(unstarted_lot, "PROC-001", now)
    refused = sidecar(folders.error, unstarted)
    assert refused["stage"] == "mes"
    assert refused["error_code"] == "PROCESS_NOT_STARTED"
    assert refused["server_answer"]["status_code"] == 409

    step = history(worker, fail_lot, "PROC-003")
    assert step["status"] == "COMPLETED"
    [attempt] = step["attempts"]
    assert attempt["result"] == "FAIL"
    assert [d["check"] for d in attempt["defects"]] == ["temp_sensor"]
    step = history(worker, cp949_lot, "PROC-001")
    assert (step["status"], step["result"]) == ("COMPLETED", "PASS")
    assert history(worker, unstarted_lot, "PROC-001")["status"] == "NOT_STARTED"


def test_a_file_is_taken_only_once_completely_written(
    gateway: str, manager: Client, worker: Client, tmp_path: Path
) -> None:
    lot = new_lot(manager, worker)
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
    assert r.status_code == 200, r.text
    settings = station_settings(tmp_path / "work", gateway)
    with running_station(settings) as station:
        source = write_completion(tmp_path, lot, "PROC-001", at).read_bytes()
        target = station.folders.pending / completion_name(lot, "PROC-001", at)
        with target.open("wb") as handle:  # a slow writer: three pieces, a pause between
            for piece in (source[:40], source[40:120], source[120:]):
                handle.write(piece)
                handle.flush()
                time.sleep(0.15)  # shorter than the stability window (2 polls)
        wait_until(lambda: names(station.folders.completed), 15, "recorded")
    assert not names(station.folders.error)
    assert history(worker, lot, "PROC-001")["result"] == "PASS"
