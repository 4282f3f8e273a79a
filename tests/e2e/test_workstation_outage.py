"""Completion files and scans through the workstation while its gateway goes away and
comes back (issue #8): nothing lost, nothing recorded twice, order kept."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack
from mes_workstation.events import FileUpdate, QueueStatus, StartOutcome
from mes_workstation.offline_queue import OfflineQueue
from mes_workstation.station import Station

from .conftest import Client
from .production import KST, TAKES, start_body
from .workstation_support import (
    Events,
    completion_name,
    history,
    names,
    own_gateway,
    signed_in_api,
    station_settings,
    station_threads,
    wait_until,
    write_completion,
)


def started_lots(manager: Client, worker: Client, count: int, at: datetime) -> list[str]:
    """`count` new LOTs with PROC-001 started (the last one not started), made in parallel."""

    def create(_: int) -> str:
        body = {"product_model": "WF", "target_quantity": 10, "shift": "D"}
        r = manager.post("/api/v1/lots", json=body)
        assert r.status_code == 201, r.text
        return r.json()["data"]["lot_number"]

    def start(lot: str) -> None:
        # process-service learns LOTs from lot.created
        eventually(lambda: worker.get(f"/api/v1/process/lots/{lot}").status_code == 200)
        r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
        assert r.status_code == 200, r.text

    with ThreadPoolExecutor(6) as pool:
        lots = list(pool.map(create, range(count)))
        list(pool.map(start, lots[:-1]))
    eventually(lambda: worker.get(f"/api/v1/process/lots/{lots[-1]}").status_code == 200)
    return lots


def test_fifty_completions_survive_a_gateway_outage_and_a_restart(
    stack: Stack, manager: Client, worker: Client, tmp_path
) -> None:
    with own_gateway(stack) as gateway:  # starts while the LOTs are prepared
        at = datetime.now(KST).replace(microsecond=0)
        lots = started_lots(manager, worker, 51, at)
        scanned_offline, lots = lots[-1], lots[:50]
        gateway.wait_ready()
        settings = station_settings(tmp_path / "work", gateway.url)
        api = signed_in_api(settings)
        first_events, second_events = Events(), Events()
        station = Station(settings, api, on_event=first_events)
        station.start()
        folders = station.folders
        try:
            for lot in lots[:25]:
                write_completion(folders.pending, lot, "PROC-001", at)
            wait_until(lambda: len(names(folders.completed)) >= 10, 30, "first completions")

            gateway.stop()  # midway: the rest arrives while the MES cannot be reached
            for lot in lots[25:]:
                write_completion(folders.pending, lot, "PROC-001", at)
            # Once the station knows the MES is away, a scan is queued, not "sending".
            wait_until(lambda: not station.dispatcher.online, 10, "offline noticed")
            scan = station.scan(scanned_offline)
            assert scan.state == "queued"
            late = datetime.now(KST).replace(microsecond=0)
            write_completion(folders.pending, scanned_offline, "PROC-001", late)
            wait_until(lambda: not names(folders.pending), 20, "pending/ emptied")
            assert len(names(folders.queued)) >= 26  # visible while they wait
            assert names(folders.completed) | names(folders.queued) >= {
                completion_name(lot, "PROC-001", at) for lot in lots[25:]
            }
            wait_until(lambda: not station.dispatcher.online, 10, "offline noticed")

            # The station app is restarted during the outage: the queue is on disk.
            station.stop()
            station = Station(settings, api, on_event=second_events)
            station.start()
            gateway.start()
            wait_until(lambda: len(names(folders.completed)) == 51, 60, "all 51 recorded")
        finally:
            station.stop()
            api.close()

    assert station_threads() == []  # stopping the station stopped every thread it started
    expected = {completion_name(lot, "PROC-001", at) for lot in lots}
    expected.add(completion_name(scanned_offline, "PROC-001", late))
    assert names(folders.completed) == expected
    assert not names(folders.pending) | names(folders.queued) | names(folders.error)

    for lot in [*lots, scanned_offline]:
        step = history(worker, lot, "PROC-001")
        assert step["status"] == "COMPLETED", (lot, step)
        assert len(step["attempts"]) == 1, (lot, step["attempts"])
        [attempt] = step["attempts"]
        assert attempt["result"] == "PASS"
        assert attempt["worker_id"] == "W001"
    offline_start = history(worker, scanned_offline, "PROC-001")["attempts"][0]
    # Sent with the station's own UTC offset, as scanned (not when replayed).
    assert datetime.fromisoformat(offline_start["start_time"]).utcoffset() is not None
    assert offline_start["complete_time"] == (late + TAKES).isoformat()

    # The outage was real: items were deferred, the screen was told, and nothing failed.
    statuses = first_events.of(QueueStatus) + second_events.of(QueueStatus)
    assert any(not s.online and s.waiting > 0 for s in statuses)
    assert any(s.online and s.waiting == 0 for s in second_events.of(QueueStatus))
    assert [o.state for o in first_events.of(StartOutcome)] == ["queued"]
    assert [o.state for o in second_events.of(StartOutcome)] == ["started"]
    updates = first_events.of(FileUpdate) + second_events.of(FileUpdate)
    assert {u.name for u in updates if u.state == "completed"} == expected
    queue = OfflineQueue(folders.state / "queue.sqlite3")
    try:
        items = queue.recent(100)
    finally:
        queue.close()
    assert len(items) == 52  # 51 completions + the offline scan
    assert {i.state for i in items} == {"done"}
    assert any(i.attempts > 1 for i in items)  # retried after the outage
    order = [i.kind for i in sorted(items, key=lambda i: i.id) if scanned_offline in i.body]
    assert order == ["start", "complete"]
