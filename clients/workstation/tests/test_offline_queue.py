from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from mes_workstation.offline_queue import OfflineQueue

pytestmark = pytest.mark.unit


def test_items_leave_in_order_and_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite3"
    queue = OfflineQueue(path)
    first = queue.enqueue("start", "start:A", '{"lot_number": "A"}')
    second = queue.enqueue("complete", "file:A.json:1", '{"lot_number": "A"}', "A.json")
    assert queue.enqueue("start", "start:A", "{}").id == first.id  # same key: same item
    queue.defer(first.id, "ConnectError", 5.0)
    queue.close()

    queue = OfflineQueue(path)  # the app restarted
    try:
        head = queue.head()
        assert head is not None and head.id == first.id  # the deferred head still blocks
        assert head.attempts == 1 and head.last_error == "ConnectError"
        assert head.next_attempt_at > time.time() + 4
        queue.mark_done(first.id, {"work_order_id": "WO-1"})
        assert queue.head().id == second.id
        assert queue.waiting_files() == {"A.json"}
        queue.mark_failed(second.id, {"error_code": "PROCESS_NOT_STARTED"}, "refused")
        assert queue.head() is None
        assert [i.id for i in queue.unfinalized()] == [first.id, second.id]
        queue.mark_finalized(first.id)
        queue.mark_finalized(second.id)
        assert queue.unfinalized() == [] and queue.waiting_files() == set()
        assert (queue.count("done"), queue.count("failed"), queue.count()) == (1, 1, 0)
        assert queue.get(second.id).answer == {"error_code": "PROCESS_NOT_STARTED"}
    finally:
        queue.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
