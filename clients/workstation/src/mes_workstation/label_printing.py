"""Serial label printers hanging off this station (SPEC §8).

label-service renders the labels and keeps jobs for serial printers `pending` for the
station that started the LOT's PROC-007 (the start carries `station_id`). We poll
`GET /api/v1/label/jobs?station_id=…&state=pending`, send each job's bytes with
the `SerialPrinter` label-service uses too (mes-label-drivers, pyserial; it asks the
printer's status first and sends nothing unless it is ready) and report `printed` or `failed` with the printer
state. A job printed whose report could not be delivered is reported again, never
printed twice (kept in memory: a restart in between may print it once more).
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from mes_label_drivers.drivers import STATE_ERRORS
from mes_label_drivers.serial_client import SerialPrinter

from .api_client import ApiClient, ApiError, OfflineError
from .events import LabelStatus

log = logging.getLogger(__name__)


class Report(Protocol):
    state: Any
    detail: str


class Printer(Protocol):
    def print_job(self, content: bytes) -> Report: ...


PrinterFactory = Callable[[str, int, str], Printer]


def serial_printer_factory() -> PrinterFactory:
    return lambda port, baudrate, language: SerialPrinter(port, baudrate, language)


def error_code_of(state: Any) -> str | None:
    code = STATE_ERRORS.get(state)
    return code.value if code is not None else None


def job_id_of(job: dict[str, Any]) -> int:
    return int(job.get("job_id") or job["id"])


class LabelPrinting:
    def __init__(
        self,
        api: ApiClient,
        station_id: str,
        *,
        port: str = "",
        baudrate: int | None = None,
        factory: PrinterFactory | None = None,
        poll_seconds: float = 3.0,
        on_status: Callable[[LabelStatus], None] = lambda _: None,
    ) -> None:
        self.api, self.station_id = api, station_id
        self.port, self.baudrate = port, baudrate
        self.factory = factory or serial_printer_factory()
        self.poll_seconds = poll_seconds
        self.on_status = on_status
        self.printed = self.failed = 0
        self._unreported: dict[int, dict[str, Any]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mes-labels", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except (ApiError, OfflineError) as exc:
                log.info("label jobs not reachable: %s", exc)
            except Exception:
                log.exception("label polling failed")
            self._stop.wait(self.poll_seconds)

    # -- one round -------------------------------------------------------------------------
    def pending_jobs(self) -> list[dict[str, Any]]:
        params = {"station_id": self.station_id, "state": "pending", "limit": 100}
        data = self.api.call("GET", "/api/v1/label/jobs", params=params)
        return sorted(data.get("items") or [], key=job_id_of)

    def poll_once(self) -> list[dict[str, Any]]:
        """Print every pending job of this station; the results reported."""
        for job_id, result in list(self._unreported.items()):
            self._report(job_id, result)
        done = []
        for job in self.pending_jobs():
            job_id = job_id_of(job)
            if job_id in self._unreported or "content_base64" not in job:
                continue
            result = self._print(job)
            self._unreported[job_id] = result
            self._report(job_id, result)
            done.append({"job_id": job_id, **result})
        if done:
            self.on_status(
                LabelStatus(
                    "ok" if not self.failed else "failed",
                    self.printed,
                    self.failed,
                    done[-1].get("message") or "",
                )
            )
        return done

    def _print(self, job: dict[str, Any]) -> dict[str, Any]:
        port = self.port or job.get("serial_port") or ""
        baudrate = self.baudrate or int(job.get("baudrate") or 9600)
        if not port:
            self.failed += 1
            return {
                "result": "failed",
                "error_code": "PRINTER_NOT_CONNECTED",
                "message": "no serial port set for this printer or station",
            }
        content = base64.b64decode(job["content_base64"])
        try:
            printer = self.factory(port, baudrate, str(job.get("language") or "ZPL"))
            report = printer.print_job(content)
        except Exception as exc:  # a bad port name, an unknown language, …
            log.exception("label job %s not printed", job_id_of(job))
            self.failed += 1
            return {
                "result": "failed",
                "error_code": "PRINTER_NOT_CONNECTED",
                "message": f"{type(exc).__name__}: {exc}"[:1000],
            }
        state = getattr(report.state, "value", str(report.state))
        if state == "ready":
            self.printed += 1
            return {"result": "printed", "message": f"sent to {port}"}
        self.failed += 1
        return {
            "result": "failed",
            "error_code": error_code_of(report.state),
            "message": f"{state}: {report.detail}"[:1000],
        }

    def _report(self, job_id: int, result: dict[str, Any]) -> None:
        try:
            self.api.call("POST", f"/api/v1/label/jobs/{job_id}/result", json=result)
        except OfflineError:
            return  # reported on the next round
        except ApiError as exc:
            log.warning("label job %s result not accepted: %s", job_id, exc)
        self._unreported.pop(job_id, None)
