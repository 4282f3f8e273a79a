"""Read your own writes across services (issue 16 item 6, ADR 0013): process-service learns
of a LOT only from lot.created, yet a client that got the LOT's 201 is never told the LOT
does not exist; a LOT that really does not exist is still 404 LOT_NOT_FOUND, in bounded
time."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx

from .conftest import Client
from .production import KST, start_body

PAIRS = 200
CLIENTS = 8
ARRIVAL_TIMEOUT = 2.0  # process-service's default MES_LOT_ARRIVAL_TIMEOUT_SECONDS


def test_a_start_right_after_the_lots_201_never_misses_the_lot(
    gateway: str, manager: Client, worker: Client
):
    local, opened = threading.local(), []

    def clients() -> tuple[httpx.Client, httpx.Client]:
        """Each client thread keeps its connections, as a station would."""
        if not hasattr(local, "clients"):
            local.clients = (
                httpx.Client(base_url=gateway, headers=manager.headers, timeout=60),
                httpx.Client(base_url=gateway, headers=worker.headers, timeout=60),
            )
            opened.extend(local.clients)
        return local.clients

    def create_then_start(_: int) -> tuple[int, str, str | None]:
        as_manager, as_worker = clients()
        r = as_manager.post(
            "/api/v1/lots", json={"product_model": "WF", "target_quantity": 1, "shift": "D"}
        )
        assert r.status_code == 201, r.text
        lot = r.json()["data"]["lot_number"]
        at = datetime.now(KST).replace(microsecond=0)
        s = as_worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
        return s.status_code, lot, s.json().get("error_code")

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(create_then_start, range(PAIRS)))
    finally:
        for client in opened:
            client.close()
    missed = [a for a in answers if a[2] == "LOT_NOT_FOUND"]
    assert missed == [], f"{len(missed)} of {PAIRS} starts were told the LOT does not exist"
    assert [a[0] for a in answers] == [200] * PAIRS, [a for a in answers if a[0] != 200][:5]
    assert len({a[1] for a in answers}) == PAIRS


def test_a_lot_that_does_not_exist_is_still_not_found_within_the_timeout(worker: Client):
    at = datetime.now(KST).replace(microsecond=0)
    # Numbered for today, so it could have been created a moment ago: waited for.
    missing = f"WF-KR-{at:%y%m%d}N-998"
    started = time.monotonic()
    r = worker.post("/api/v1/process/start", json=start_body(missing, "PROC-001", at))
    took = time.monotonic() - started
    assert r.status_code == 404 and r.json()["error_code"] == "LOT_NOT_FOUND", r.text
    assert r.json()["data"] == {"lot_number": missing}
    assert ARRIVAL_TIMEOUT - 0.2 <= took < ARRIVAL_TIMEOUT + 3, took


def test_a_lot_numbered_for_another_day_is_not_found_at_once(worker: Client):
    """lot-service numbers a LOT with the day it is created on: an old number that is not
    there never will be, so nothing is waited for."""
    at = datetime.now(KST).replace(microsecond=0)
    started = time.monotonic()
    r = worker.post("/api/v1/process/start", json=start_body("WF-KR-000101D-998", "PROC-001", at))
    took = time.monotonic() - started
    assert r.status_code == 404 and r.json()["error_code"] == "LOT_NOT_FOUND", r.text
    assert r.json()["data"] == {"lot_number": "WF-KR-000101D-998"}
    assert took < ARRIVAL_TIMEOUT - 0.5, took
