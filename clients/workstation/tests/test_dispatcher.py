"""The replay loop against a gateway address where nothing listens (a real refusal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mes_cli.infra import free_port
from mes_workstation.api_client import ApiClient
from mes_workstation.dispatcher import Dispatcher
from mes_workstation.events import QueueStatus
from mes_workstation.offline_queue import OfflineQueue, QueueItem

pytestmark = pytest.mark.unit


def test_unreachable_mes_defers_the_head_with_growing_backoff(tmp_path: Path) -> None:
    api = ApiClient(f"http://127.0.0.1:{free_port()}", timeout=1.0)
    queue = OfflineQueue(tmp_path / "queue.sqlite3")
    statuses: list[QueueStatus] = []
    sent: list[int] = []

    def send(item: QueueItem) -> dict:
        sent.append(item.id)
        return api.login("w001", "demo-worker-1234")  # ConnectError → OfflineError

    dispatcher = Dispatcher(
        queue, send, lambda _: None, base_delay=0.5, max_delay=2.0, on_status=statuses.append
    )
    try:
        first = queue.enqueue("start", "start:1", "{}")
        queue.enqueue("complete", "file:2", "{}", "2.json")
        delays = []
        for _ in range(4):
            queue.retry_now()  # skip the wait, keep the attempt count
            assert dispatcher.step() == 0
            delays.append(statuses[-1].retry_in)
        assert sent == [first.id] * 4  # the second item never overtook the first
        assert delays == [0.5, 1.0, 2.0, 2.0]
        assert not dispatcher.online and statuses[-1].waiting == 2
        assert "ConnectError" in (statuses[-1].last_error or "")
        assert queue.get(first.id).attempts == 4
    finally:
        queue.close()
        api.close()
