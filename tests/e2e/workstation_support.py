"""Helpers for the workstation tests: a station on a temp work folder, its own gateway,
completion files as station apps write them, and bounded waits."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

# Before anything imports Qt: the tests render without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import eventually as wait_until
from mes_cli.stack import Stack
from mes_workstation.api_client import ApiClient
from mes_workstation.settings import Settings
from mes_workstation.station import Station

from .production import complete_body

WORKER = ("w001", "demo-worker-1234")


class Events:
    """Collects what a Station reports, from any thread."""

    def __init__(self) -> None:
        self.items: list[object] = []
        self._lock = threading.Lock()

    def __call__(self, event: object) -> None:
        with self._lock:
            self.items.append(event)

    def of(self, kind: type) -> list[Any]:
        with self._lock:
            return [e for e in self.items if isinstance(e, kind)]


def station_threads() -> list[threading.Thread]:
    """Threads a Station starts (all named mes-…, plus watchdog's observer and emitter)."""
    return [
        t
        for t in threading.enumerate()
        if t.name.startswith("mes-") or type(t).__module__.startswith("watchdog.")
    ]


def names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file()}


def station_settings(work_dir: Path, gateway_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "gateway_url": gateway_url,
        "station_id": "WS-TEST",
        "process_id": "PROC-001",
        "work_dir": work_dir,
        "label_printing": False,
        "retry_base_seconds": 0.2,
        "retry_max_seconds": 1.0,
        **overrides,
    }
    return Settings(**values)


def signed_in_api(settings: Settings, user: tuple[str, str] = WORKER) -> ApiClient:
    api = ApiClient(settings.gateway_url, station_id=settings.station_id, timeout=5.0)
    api.login(*user)
    return api


@contextmanager
def running_station(
    settings: Settings, api: ApiClient | None = None, **kwargs: Any
) -> Iterator[Station]:
    """A started Station (its own API client unless one is given), always stopped."""
    own = api is None
    client = api or signed_in_api(settings)
    kwargs.setdefault("on_event", Events())  # tests read it back as station.on_event
    station = Station(settings, client, **kwargs)
    station.start()
    try:
        yield station
    finally:
        station.stop()
        if own:
            client.close()


def wait_ready(url: str, timeout: float = 60.0) -> None:
    def ready() -> bool:
        try:
            return httpx.get(url + "/ready", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, timeout, f"{url} ready")


class OwnGateway:
    """A second gateway in front of the shared services, which a test may stop and restart
    on the same port (the services and the main gateway keep running)."""

    def __init__(self, stack: Stack, name: str = "gateway-ws") -> None:
        self.stack, self.name = stack, name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        """Start the process; `wait_ready()` before use (it imports for a few seconds)."""
        self.stack.start_gateway(self.port, name=self.name)

    def wait_ready(self) -> None:
        wait_ready(self.url)

    def start(self) -> None:
        self.spawn()
        self.wait_ready()

    def stop(self) -> None:
        self.stack.stop_service(self.name)


@contextmanager
def own_gateway(stack: Stack) -> Iterator[OwnGateway]:
    """A started OwnGateway (call `wait_ready()` before use), always stopped."""
    gateway = OwnGateway(stack)
    gateway.spawn()
    try:
        yield gateway
    finally:
        gateway.stop()


def completion_name(lot: str, process_id: str, at: datetime) -> str:
    return f"{lot}_{process_id}_{at:%Y%m%d%H%M%S}.json"


def write_completion(
    folder: Path, lot: str, process_id: str, at: datetime, data: dict | None = None
) -> Path:
    """A completion file as a station app writes it (UTF-8 JSON, conventional name)."""
    path = folder / completion_name(lot, process_id, at)
    body = complete_body(lot, process_id, at, data)
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    return path


def history(client: Any, lot: str, process_id: str) -> dict[str, Any]:
    r = client.get(f"/api/v1/process/lots/{lot}")
    assert r.status_code == 200, r.text
    [step] = [p for p in r.json()["data"]["processes"] if p["process_id"] == process_id]
    return step
