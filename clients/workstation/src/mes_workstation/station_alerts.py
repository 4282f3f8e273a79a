"""The alerts that concern this station (ADR 0024): its process, the LOT it works on, its
label printers. Polled from `GET /api/v1/alerts?status=active&subject=…` every
`alert_poll_seconds` (30 s, the seeds' alert poll); the screen shows `messages.alert_line`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from .api_client import ApiClient, ApiError, NotSignedInError, OfflineError
from .events import AlertsStatus, StationAlert

log = logging.getLogger(__name__)
#: The gateway takes at most this many `subject` values (trace-service's MAX_SUBJECTS).
MAX_SUBJECTS = 20


def station_printers(rows: list[dict[str, Any]], station_id: str) -> list[str]:
    """The active printers registered for this station."""
    return sorted(
        str(r["printer_id"])
        for r in rows
        if r.get("station_id") == station_id and r.get("active", True) and r.get("printer_id")
    )


def subjects_of(process_id: str, lot_number: str | None, printers: list[str]) -> list[str]:
    """What the station asks about, in that order, without repeats."""
    found = [process_id, *([lot_number] if lot_number else []), *printers]
    return list(dict.fromkeys(found))[:MAX_SUBJECTS]


def alert_of(item: dict[str, Any]) -> StationAlert:
    return StationAlert(
        code=str(item.get("code") or ""),
        severity=str(item.get("severity") or "warning"),
        subject_id=str(item.get("subject_id") or ""),
        params=dict(item.get("params") or {}),
        message=str(item.get("message") or ""),
    )


class StationAlerts:
    def __init__(
        self,
        api: ApiClient,
        station_id: str,
        process_id: str,
        *,
        current_lot: Callable[[], str | None] = lambda: None,
        poll_seconds: float = 30.0,
        on_status: Callable[[AlertsStatus], None] = lambda _: None,
    ) -> None:
        self.api, self.station_id, self.process_id = api, station_id, process_id
        self.current_lot = current_lot
        self.poll_seconds = poll_seconds
        self.on_status = on_status
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mes-alerts", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """Look now (the station's LOT changed)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.on_status(self.poll_once())
            except (ApiError, OfflineError) as exc:
                log.info("alerts not reachable: %s", exc)
                self.on_status(AlertsStatus((), reachable=False))
            except Exception:
                log.exception("alert polling failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def printers(self) -> list[str]:
        try:
            rows = self.api.call("GET", "/api/v1/printers") or []
        except NotSignedInError:
            raise
        except ApiError as exc:  # no printer list (a role that may not read it): no printer
            log.info("printers not listed: %s", exc)
            return []
        return station_printers(rows, self.station_id)

    def poll_once(self) -> AlertsStatus:
        subjects = subjects_of(self.process_id, self.current_lot(), self.printers())
        params = {"status": "active", "subject": subjects, "limit": 50}
        data = self.api.call("GET", "/api/v1/alerts", params=params) or {}
        alerts = tuple(alert_of(a) for a in data.get("items") or [])
        return AlertsStatus(alerts)
