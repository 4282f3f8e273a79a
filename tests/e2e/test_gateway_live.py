"""The live feed: a dashboard receives production events within a second of commit, and a
reconnecting client resumes right after the last event it saw."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from mes_cli.pytest_plugin import eventually

from .conftest import Client


@contextmanager
def sse(gateway: str, token: str, last_event_id: str | None = None) -> Iterator[queue.Queue]:
    """Read the feed in a thread; yields a queue of (arrival time, id, event, data)."""
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    ready = threading.Event()

    def read() -> None:
        try:
            _read()
        except httpx.HTTPError:
            if not stop.is_set():
                raise  # the stream broke while the test still listened

    def _read() -> None:
        with httpx.stream(
            "GET",
            gateway + "/api/v1/live",
            params={"access_token": token},
            headers=headers,
            timeout=None,
        ) as r:
            assert r.status_code == 200
            ready.set()
            current: dict[str, str] = {}
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if not line:
                    if "data" in current:
                        events.put(
                            (
                                time.monotonic(),
                                current.get("id"),
                                current.get("event"),
                                json.loads(current["data"]),
                            )
                        )
                    current = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    current[key] = value

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield events
    finally:
        stop.set()


def _until(events: queue.Queue, predicate, timeout: float = 10.0) -> list[tuple]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            item = events.get(timeout=0.2)
        except queue.Empty:
            continue
        seen.append(item)
        if predicate(item):
            return seen
    raise AssertionError(f"event not received; saw {[i[2] for i in seen]}")


def _start_and_complete(worker: Client, lot: str, process_id: str, name: str, data: dict) -> float:
    now = datetime.now(ZoneInfo("Asia/Seoul")).replace(microsecond=0)
    body = {
        "lot_number": lot,
        "process_id": process_id,
        "process_name": name,
        "worker_id": "W001",
        "start_time": now.isoformat(),
    }
    assert worker.post("/api/v1/process/start", json=body).status_code == 200
    done = worker.post(
        "/api/v1/process/complete",
        json={
            **body,
            "complete_time": (now + timedelta(minutes=1)).isoformat(),
            "process_data": data,
        },
    )
    assert done.status_code == 200, done.text
    return time.monotonic()


def test_process_completed_reaches_a_dashboard_within_a_second_and_resume_works(
    gateway: str, manager: Client, worker: Client, viewer: Client
):
    lot = manager.post("/api/v1/lots", json={"product_model": "WF", "shift": "D"}).json()["data"][
        "lot_number"
    ]
    eventually(lambda: worker.get(f"/api/v1/process/lots/{lot}").status_code == 200)
    token = viewer.headers["Authorization"].removeprefix("Bearer ")

    with sse(gateway, token) as events:
        committed = _start_and_complete(
            worker,
            lot,
            "PROC-001",
            "레이저 마킹",
            {"lot_number_engraved": lot, "marking_result": "SUCCESS"},
        )
        seen = _until(events, lambda e: e[2] == "process.completed" and e[3]["subject"] == lot)
        arrived = seen[-1][0]
        assert arrived - committed < 1.0, f"took {arrived - committed:.3f}s"
        completed = seen[-1][3]
        assert (
            completed["data"]["process_id"] == "PROC-001" and completed["data"]["result"] == "PASS"
        )
        cursor = seen[-1][1]

    # While nobody listens, PROC-002 starts and completes.
    _start_and_complete(
        worker,
        lot,
        "PROC-002",
        "LMA 조립",
        {"sma_spring_lot": "SPRING-LIVE-1", "busbar_lot": "BUSBAR-LIVE-1"},
    )
    with sse(gateway, token, last_event_id=cursor) as events:
        seen = _until(
            events,
            lambda e: e[2] == "process.completed" and e[3]["data"]["process_id"] == "PROC-002",
        )
    mine = [(e[2], e[3]["data"].get("process_id")) for e in seen if e[3]["subject"] == lot]
    assert ("process.started", "PROC-002") in mine
    assert ("process.completed", "PROC-001") not in mine  # nothing replayed twice


def test_the_feed_refuses_anonymous_clients(gateway: str):
    r = httpx.get(gateway + "/api/v1/live", timeout=10)
    assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHORIZED"
    r = httpx.get(gateway + "/api/v1/live", params={"access_token": "not-a-token"}, timeout=10)
    assert r.status_code == 401


def test_a_hold_and_its_ncr_reach_a_dashboard_live(
    gateway: str, manager: Client, worker: Client, viewer: Client
):
    lot = manager.post("/api/v1/lots", json={"product_model": "WF", "shift": "D"}).json()["data"][
        "lot_number"
    ]
    eventually(lambda: worker.get(f"/api/v1/process/lots/{lot}").status_code == 200)
    token = viewer.headers["Authorization"].removeprefix("Bearer ")
    wanted, arrived = {"lot.held", "ncr.opened"}, set()

    def all_arrived(item: tuple) -> bool:
        if item[3]["subject"] == lot:
            arrived.add(item[2])
        return wanted <= arrived

    with sse(gateway, token) as events:
        _start_and_complete(
            worker,
            lot,
            "PROC-001",
            "레이저 마킹",
            {"lot_number_engraved": lot, "marking_result": "FAIL"},
        )
        _until(events, all_arrived)
