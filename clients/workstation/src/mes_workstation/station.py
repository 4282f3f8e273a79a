"""The workstation without its screen: scan → start, completion files, offline queue,
firmware sync and serial labels, wired together. The Qt window only calls `scan()` and
shows the events it is handed (from background threads: hand them to the GUI thread)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mes_contracts.api.process import FirmwareInfo
from mes_contracts.identifiers import is_lot_number
from mes_contracts.routing import DEFAULT_ROUTING
from pydantic import ValidationError

from .api_client import ApiClient, ApiError, NotSignedInError, OfflineError
from .completion_pipeline import CompletionPipeline
from .dispatcher import Dispatcher
from .events import FirmwareStatus, StartOutcome, now_local
from .firmware_sync import FirmwareSync, FirmwareSyncError
from .hangul import has_hangul, to_latin
from .label_printing import LabelPrinting, PrinterFactory
from .offline_queue import OfflineQueue, QueueItem
from .settings import Settings
from .station_alerts import StationAlerts
from .workdir import WorkFolders

log = logging.getLogger(__name__)
DEFAULT_NAMES = {s.process_id: (s.name_ko, s.name_en) for s in DEFAULT_ROUTING}


class Station:
    def __init__(
        self,
        settings: Settings,
        api: ApiClient,
        *,
        on_event: Callable[[object], None] = lambda _: None,
        printer_factory: PrinterFactory | None = None,
        poll_seconds: float = 0.25,
    ) -> None:
        self.settings, self.api, self.on_event = settings, api, on_event
        self.folders = WorkFolders(settings.work_dir).create()
        self.queue = OfflineQueue(self.folders.state / "queue.sqlite3")
        self.dispatcher = Dispatcher(
            self.queue,
            self._send,
            self._finalize,
            base_delay=settings.retry_base_seconds,
            max_delay=settings.retry_max_seconds,
            on_status=on_event,
        )
        self.pipeline = CompletionPipeline(
            self.folders,
            self.queue,
            on_file=on_event,
            queued=self.dispatcher.wake,
            poll_seconds=poll_seconds,
        )
        self.firmware = FirmwareSync(api, self.folders.firmware, on_status=on_event)
        self.labels = (
            LabelPrinting(
                api,
                settings.station_id,
                port=settings.printer_port,
                baudrate=settings.printer_baudrate if settings.printer_port else None,
                factory=printer_factory,
                poll_seconds=settings.label_poll_seconds,
                on_status=on_event,
            )
            if settings.label_printing
            else None
        )
        self.current_lot: str | None = None  # the LOT last scanned here: its alerts show
        self.alerts = StationAlerts(
            api,
            settings.station_id,
            settings.process_id,
            current_lot=lambda: self.current_lot,
            poll_seconds=settings.alert_poll_seconds,
            on_status=on_event,
        )
        self.names_by_id: dict[str, tuple[str, str]] = dict(DEFAULT_NAMES)
        self._firmware_pool = ThreadPoolExecutor(1, thread_name_prefix="mes-firmware")
        self.running = False

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> None:
        self.load_routing()
        self.on_event(self.firmware.current_status())
        self.pipeline.start()
        self.dispatcher.start()
        if self.labels is not None:
            self.labels.start()
        self.alerts.start()
        self.running = True

    def stop(self) -> None:
        """Stop every thread (bounded waits); queued work stays in SQLite for next time."""
        self.alerts.stop()
        if self.labels is not None:
            self.labels.stop()
        self.pipeline.stop()
        self.dispatcher.stop()
        self._firmware_pool.shutdown(wait=True)
        self.queue.close()
        self.running = False

    def load_routing(self) -> None:
        try:
            rows = self.api.routing()
        except (ApiError, OfflineError) as exc:
            log.warning("routing not loaded (%s); using the default names", exc)
            return
        for row in sorted(rows, key=lambda r: r.get("product_model") != "WF"):
            self.names_by_id.setdefault(row["process_id"], (row["name_ko"], row["name_en"]))
            if row.get("product_model") == "WF":
                self.names_by_id[row["process_id"]] = (row["name_ko"], row["name_en"])

    def names(self, process_id: str) -> tuple[str, str]:
        return self.names_by_id.get(process_id, (process_id, process_id))

    def retry_now(self) -> None:
        self.dispatcher.wake(retry_now=True)

    # -- scan → start ----------------------------------------------------------------------
    def scan(self, text: str) -> StartOutcome:
        """A scanned barcode: queue the start of this station's process for the LOT."""
        scanned = text.strip()
        korean = has_hangul(scanned)  # the scanner is in 한글 mode: read the keys it pressed
        lot = (to_latin(scanned) if korean else scanned).upper()
        process_id = self.settings.process_id
        worker_id = self.api.worker_id
        problem = None
        if not is_lot_number(lot):
            code = "HANGUL_MODE" if korean else "INVALID_BARCODE"
            problem = {"error_code": code, "message": scanned[:64], "data": {}}
        elif korean:
            log.info("scan %r typed in 한글 mode, read as %s", scanned, lot)
        elif not worker_id:
            problem = {"error_code": "FORBIDDEN", "message": "no worker id", "data": {}}
        if problem is not None:
            outcome = StartOutcome(lot, process_id, "failed", error=problem)
            self.on_event(outcome)
            return outcome
        if self.current_lot != lot:
            self.current_lot = lot
            self.alerts.wake()
        body = {
            "lot_number": lot,
            "process_id": process_id,
            "process_name": self.names(process_id)[0],
            "worker_id": worker_id,
            "start_time": now_local().isoformat(),
            "station_id": self.settings.station_id,
        }
        key = f"start:{lot}:{process_id}:{time.time_ns()}"
        self.queue.enqueue("start", key, json.dumps(body, ensure_ascii=False))
        backlog = self.queue.count("queued") > 1 or not self.dispatcher.online
        outcome = StartOutcome(lot, process_id, "queued" if backlog else "sending")
        self.on_event(outcome)
        self.dispatcher.wake()
        return outcome

    # -- the dispatcher's two hooks --------------------------------------------------------
    def _send(self, item: QueueItem) -> dict[str, Any]:
        if item.kind == "complete":
            return self.api.complete(item.body)
        body = item.payload
        try:
            return self.api.start(body)
        except (OfflineError, NotSignedInError):
            if item.attempts == 0:
                self.on_event(StartOutcome(body["lot_number"], body["process_id"], "queued"))
            raise
        except ApiError as exc:
            if exc.error_code == "DUPLICATE_START" and item.attempts > 0:
                # Our earlier try got through but its answer was lost.
                return {**body, **exc.data, "already_started": True}
            raise

    def _finalize(self, item: QueueItem) -> None:
        if item.kind == "complete":
            self.pipeline.finalize(item)
            return
        body = item.payload
        lot, process_id = body["lot_number"], body["process_id"]
        answer = item.answer or {}
        if item.state == "failed":
            self.on_event(StartOutcome(lot, process_id, "failed", error=answer))
            return
        state = "already_started" if answer.get("already_started") else "started"
        self.on_event(StartOutcome(lot, process_id, state, data=answer))
        if answer.get("firmware_info"):
            try:
                info = FirmwareInfo.model_validate(answer["firmware_info"])
            except ValidationError as exc:
                self.on_event(FirmwareStatus("ERROR", None, f"bad firmware_info: {exc}"))
                return
            self._firmware_pool.submit(self._sync_firmware, info)

    def _sync_firmware(self, info: FirmwareInfo) -> None:
        try:
            self.firmware.sync(info)
        except FirmwareSyncError as exc:
            log.error("firmware %s not synced: %s", info.version, exc)
        except Exception as exc:
            log.exception("firmware sync failed")
            self.on_event(FirmwareStatus("ERROR", info.version, str(exc)))
