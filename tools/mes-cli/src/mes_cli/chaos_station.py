"""A workstation during `./mes chaos`: the shop-floor client's own offline queue (SQLite)
and dispatcher, sending each LOT's starts and completions in order, queueing them while
the MES cannot be reached and replaying them when it is back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .chaos_load import STEPS, Session, Tally, create_lot
from .demo import KST, step_bodies


@dataclass
class StationFigures:
    lots: list[str] = field(default_factory=list)
    queued: int = 0  # items handed to the queue
    deferred: int = 0  # tries the dispatcher put off because the MES was unreachable
    max_waiting: int = 0  # the longest the queue got


class ChaosStation:
    """OfflineQueue + Dispatcher + ApiClient from mes_workstation, without files or Qt."""

    def __init__(self, gateway: str, state_dir: Path) -> None:
        from mes_workstation.api_client import ApiClient
        from mes_workstation.dispatcher import Dispatcher
        from mes_workstation.offline_queue import OfflineQueue

        self.api = ApiClient(gateway, station_id="ST-CHAOS", timeout=15)
        self.queue = OfflineQueue(state_dir / "queue.sqlite3")
        self.dispatcher = Dispatcher(
            self.queue,
            self._send,
            lambda _item: None,
            base_delay=0.5,
            max_delay=4.0,
            on_status=self._on_status,
        )
        self.figures = StationFigures()
        self._lock = threading.Lock()

    def _on_status(self, status: Any) -> None:
        with self._lock:
            self.figures.max_waiting = max(self.figures.max_waiting, status.waiting)
            if not status.online and status.retry_in is not None:
                self.figures.deferred += 1

    def _send(self, item: Any) -> dict[str, Any]:
        """What the station sends (Station._send): a retried start answered
        DUPLICATE_START was applied by an earlier try whose answer was lost."""
        from mes_workstation.api_client import ApiError

        if item.kind == "complete":
            return self.api.complete(item.body)
        try:
            return self.api.start(item.payload)
        except ApiError as exc:
            if exc.error_code == "DUPLICATE_START" and item.attempts > 0:
                return {**item.payload, **exc.data, "already_started": True}
            raise

    def start(self) -> None:
        self.api.login("w002", "demo-worker-1234")
        self.dispatcher.start()

    def enqueue_lot(self, lot: str) -> None:
        at = datetime.now(KST).replace(microsecond=0)
        for step in range(1, STEPS + 1):
            start, complete = step_bodies(lot, step, at, worker_id="W002")
            for body in (start, complete):
                body["station_id"] = "ST-CHAOS"
            pid = start["process_id"]
            self.queue.enqueue("start", f"start:{lot}:{pid}", json.dumps(start))
            self.queue.enqueue("complete", f"complete:{lot}:{pid}", json.dumps(complete))
            self.figures.queued += 2
        self.figures.lots.append(lot)
        self.dispatcher.wake()

    def drained(self) -> bool:
        return self.queue.count("queued") == 0

    def items(self) -> list[Any]:
        return self.queue.recent(1_000_000)

    def stop(self) -> None:
        self.dispatcher.stop()
        self.api.close()
        self.queue.close()


async def feed_station(
    station: ChaosStation,
    gateway: str,
    tally: Tally,
    stop: asyncio.Event,
    *,
    every_s: float,
    quantity: int,
) -> None:
    """Every `every_s`: a new LOT (counted with the others), once process-service knows
    it, goes to the station's queue whole: 8 starts and 8 completions."""
    import httpx

    async with httpx.AsyncClient(base_url=gateway, timeout=15) as client:
        manager = Session(client, "manager", "demo-manager-1234")
        await manager.login()
        while not stop.is_set():
            lot = await create_lot(manager, tally, quantity)
            if lot is not None:
                await _known_to_process_service(manager, lot)
                station.enqueue_lot(lot)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every_s)


async def _known_to_process_service(session: Session, lot: str, patience: float = 120) -> None:
    """A start for a LOT process-service has not heard of is refused for good: wait."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        r = await session.request("GET", f"/api/v1/process/lots/{lot}")
        if r is not None and r.status_code == 200:
            return
        await asyncio.sleep(0.3)
    raise TimeoutError(f"process-service never learned {lot}")
