"""pending/ → queued/ | error/ on the real file system, without a MES."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from mes_contracts.reference_data import station_files_dir
from mes_workstation.completion_pipeline import CompletionPipeline
from mes_workstation.events import FileUpdate
from mes_workstation.offline_queue import OfflineQueue
from mes_workstation.workdir import WorkFolders

pytestmark = pytest.mark.unit

VALID = "WF-KR-251110D-001_PROC-003_20251110111500.json"


def pipeline(tmp_path: Path) -> tuple[CompletionPipeline, list[FileUpdate], OfflineQueue]:
    folders = WorkFolders(tmp_path / "work").create()
    queue = OfflineQueue(folders.state / "queue.sqlite3")
    updates: list[FileUpdate] = []
    return CompletionPipeline(folders, queue, on_file=updates.append), updates, queue


def settle(p: CompletionPipeline, polls: int = 4) -> None:
    for _ in range(polls):
        p.poll()


def test_valid_file_is_queued_bad_ones_refused_others_left_alone(tmp_path: Path) -> None:
    p, updates, queue = pipeline(tmp_path)
    pending = p.folders.pending
    (pending / VALID).write_bytes((station_files_dir() / "valid" / VALID).read_bytes())
    (pending / "WF-KR-251110D-001_PROC-001_20251110090000.json").write_text('{"lot', "utf-8")
    (pending / "notes.txt").write_text("not a completion")
    (pending / "x.json.tmp").write_text("{}")  # a station app still writing
    try:
        p.poll()
        assert updates == []  # nothing taken before its size held still
        settle(p)
        assert sorted(f.name for f in pending.iterdir()) == ["notes.txt", "x.json.tmp"]
        assert [f.name for f in p.folders.queued.iterdir()] == [VALID]
        [item] = queue.recent()
        assert (item.kind, item.file_name, item.state) == ("complete", VALID, "queued")
        assert json.loads(item.body)["process_id"] == "PROC-003"
        error = p.folders.error / "WF-KR-251110D-001_PROC-001_20251110090000.json"
        record = json.loads(error.with_name(error.name + ".error.json").read_text("utf-8"))
        assert (record["stage"], record["error_code"]) == ("validation", "VALIDATION_ERROR")
        assert record["data"]["field"] == "body"
        assert {(u.state, u.name) for u in updates} == {("queued", VALID), ("error", error.name)}
    finally:
        queue.close()


def test_a_growing_file_waits_and_an_orphan_in_queued_is_requeued(tmp_path: Path) -> None:
    p, updates, queue = pipeline(tmp_path)
    raw = (station_files_dir() / "valid" / VALID).read_bytes()
    try:
        growing = p.folders.pending / VALID
        for end in (50, 120, 300, len(raw)):
            growing.write_bytes(raw[:end])
            p.poll()
            p.poll()  # one unchanged poll is not enough
        assert growing.exists() and not updates
        settle(p)
        assert not growing.exists() and updates[-1].state == "queued"

        # A crash between the move to queued/ and the queue insert leaves an orphan.
        orphan = p.folders.queued / "WF-KR-251110D-001_PROC-001_20251110091500.json"
        orphan.write_bytes((station_files_dir() / "valid" / orphan.name).read_bytes())
        p.requeue_orphans()
        assert queue.waiting_files() == {VALID, orphan.name}
    finally:
        queue.close()


def test_the_watcher_thread_takes_files_already_waiting_at_start(tmp_path: Path) -> None:
    p, updates, queue = pipeline(tmp_path)
    (p.folders.pending / VALID).write_bytes((station_files_dir() / "valid" / VALID).read_bytes())
    p.poll_seconds = 0.05
    p.start()
    try:
        deadline = time.monotonic() + 10
        while not updates and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        p.stop()
        queue.close()
    assert [u.state for u in updates] == ["queued"]
    assert [f.name for f in p.folders.queued.iterdir()] == [VALID]
