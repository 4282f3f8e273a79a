"""Shared job mechanics: rows, printer choice, rendering, backoff and outcome events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from mes_contracts import events as ev
from mes_contracts.envelope import Actor
from mes_label_drivers.drivers import Driver, StatusReport, driver_for
from mes_label_drivers.labels import Charset, LabelData, Media, storable, validate
from servicekit.runtime import ServiceRuntime
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .preview import font_charset
from .settings import LabelSettings
from .transport import TcpPrinter, Timeouts

SYSTEM = Actor(system="label-service")


def initial_state(printer: dict[str, Any] | None) -> str:
    """Serial-port printers wait for their workstation; the dispatcher sends the rest."""
    return "pending" if printer and printer["transport"] == "SERIAL" else "queued"


def printer_status(report: StatusReport) -> str:
    return "offline" if report.state.value == "not_connected" else report.state.value


class Jobs:
    def __init__(self, runtime: ServiceRuntime, settings: LabelSettings) -> None:
        self.rt = runtime
        self.settings = settings
        # Called after a commit that queued jobs (the dispatcher wakes instead of polling).
        self.on_new_jobs: Callable[[], None] = lambda: None
        self.fonts = {
            "ZPL": settings.label_zpl_hangul_font,
            "TSPL": settings.label_tspl_hangul_font,
            "EZPL": settings.label_ezpl_hangul_font,
        }
        self.timeouts = Timeouts(
            settings.label_connect_timeout,
            settings.label_status_timeout,
            settings.label_write_timeout,
        )

    # -- label data -----------------------------------------------------------------------
    @cached_property
    def charset(self) -> Charset:
        font = self.settings.label_preview_font
        return font_charset(str(font) if font else None)

    def check(self, label: LabelData) -> LabelData:
        """The one validation of label data (`labels.validate` with the label font)."""
        return validate(label, self.charset)

    # -- printers -------------------------------------------------------------------------
    def driver(self, language: str) -> Driver:
        return driver_for(language, self.fonts)

    @staticmethod
    def media(printer: dict[str, Any] | None) -> Media:
        if printer is None:
            return Media()
        return Media(printer["dpi"], printer["label_width_mm"], printer["label_height_mm"])

    def render(self, job: dict[str, Any], printer: dict[str, Any]) -> bytes:
        label = self.check(LabelData.from_json(job["data"]))
        return self.driver(printer["language"]).render(label, self.media(printer))

    def tcp(self, printer: dict[str, Any]) -> TcpPrinter:
        return TcpPrinter(
            printer["host"],
            printer["port"] or 9100,
            self.driver(printer["language"]),
            self.timeouts,
        )

    def backoff(self, attempts: int) -> timedelta:
        base, cap = self.settings.label_retry_base_seconds, self.settings.label_retry_max_seconds
        return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))

    # -- rows ----------------------------------------------------------------------------
    @staticmethod
    def row(
        label: LabelData,
        printer: dict[str, Any] | None,
        *,
        source: str,
        station_id: str | None = None,
        state: str | None = None,
        reprint: bool = False,
        reason: str | None = None,
        actor: Actor | None = None,
        error: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """A job row; with `error` (code, message) it is born `failed` (nothing to send)."""
        failed = (
            {"state": "failed", "last_error_code": error[0], "last_error": error[1]}
            if error
            else {}
        )
        return {
            "label_type": label.label_type.value,
            "lot_number": label.lot_number,
            "serial_number": label.serial_number,
            "printer_id": printer["printer_id"] if printer else None,
            "station_id": (printer or {}).get("station_id") or station_id,
            "data": {k: storable(v) for k, v in label.to_json().items()},
            "state": state or initial_state(printer),
            "source": source,
            "reprint": reprint,
            "reason": reason,
            "requested_by": (actor.user_id or actor.system) if actor else None,
            "worker_id": actor.worker_id if actor else None,
            **failed,
        }

    # -- outcome events --------------------------------------------------------------------
    # One labels.printed / labels.failed per LOT and outcome, every job listed (ADR 0012).
    @staticmethod
    def _label(job: dict[str, Any], attempt: int) -> dict[str, Any]:
        return {
            "job_id": str(job["id"]),
            "label_type": job["label_type"],
            "serial_number": job["serial_number"],
            "printer_id": job["printer_id"],
            "attempt": max(1, attempt),
            "reprint": job["reprint"],
            "reason": job["reason"],
            "requested_by": job["requested_by"],
        }

    def _per_lot(
        self,
        type_: str,
        labels: list[tuple[str, dict[str, Any]]],
        at_field: str,
        at: datetime,
        actor: Actor,
        correlation_id: str | None,
    ) -> list[Any]:
        """One event of `type_` per LOT of these (lot number, label) pairs."""
        by_lot: dict[str, list[dict[str, Any]]] = {}
        for lot, label in labels:
            by_lot.setdefault(lot, []).append(label)
        return [
            self.rt.event(
                type_,
                {"lot_number": lot, at_field: at, "labels": items},
                actor=actor,
                correlation_id=correlation_id,
            )
            for lot, items in by_lot.items()
        ]

    async def printed(
        self,
        session: AsyncConnection,
        jobs: list[dict[str, Any]],
        at: datetime,
        *,
        actor: Actor = SYSTEM,
        correlation_id: str | None = None,
    ) -> None:
        """Record that the printer accepted these jobs: one labels.printed per LOT."""
        await repo.record_attempt(session, [j["id"] for j in jobs], state="sent", sent_at=at)
        labels = [(j["lot_number"], self._label(j, j["attempts"] + 1)) for j in jobs]
        events = self._per_lot(ev.LABELS_PRINTED, labels, "printed_at", at, actor, correlation_id)
        await self.rt.publish(session, *events)

    async def failed(
        self,
        session: AsyncConnection,
        jobs: list[dict[str, Any]],
        at: datetime,
        code: str,
        message: str,
        *,
        retry: bool,
        actor: Actor = SYSTEM,
        correlation_id: str | None = None,
    ) -> None:
        """Record a failed attempt. With `retry`, jobs wait for the next attempt (backoff)
        until `label_max_attempts`; labels.failed (one per LOT) lists the jobs that failed
        for the first time or gave up, not every retry of a printer that stays down."""
        labels = []
        for job in jobs:
            attempt = job["attempts"] + 1
            again = retry and attempt < self.settings.label_max_attempts
            await repo.record_attempt(
                session,
                [job["id"]],
                state="retrying" if again else "failed",
                next_attempt_at=at + self.backoff(attempt),
                last_error_code=code,
                last_error=message[:1000],
            )
            if attempt == 1 or not again:
                labels.append(
                    (job["lot_number"], self._failure(job, attempt, code, message, again))
                )
        if labels:
            await self.rt.publish(
                session,
                *self._per_lot(ev.LABELS_FAILED, labels, "failed_at", at, actor, correlation_id),
            )

    async def refused(
        self,
        session: AsyncConnection,
        jobs: list[dict[str, Any]],
        at: datetime,
        *,
        actor: Actor = SYSTEM,
        correlation_id: str | None = None,
    ) -> None:
        """Announce jobs that failed before any attempt (no printer serves them, or their
        data cannot be printed): one labels.failed per LOT, `will_retry` false."""
        labels = [
            (j["lot_number"], self._failure(j, 1, j["last_error_code"], j["last_error"], False))
            for j in jobs
        ]
        if labels:
            await self.rt.publish(
                session,
                *self._per_lot(ev.LABELS_FAILED, labels, "failed_at", at, actor, correlation_id),
            )

    def _failure(
        self, job: dict[str, Any], attempt: int, code: str, message: str, will_retry: bool
    ) -> dict[str, Any]:
        return {
            **self._label(job, attempt),
            "error_code": code,
            "message": message[:1000],
            "will_retry": will_retry,
        }


def job_view(job: dict[str, Any]) -> dict[str, Any]:
    return {
        "job_id": str(job["id"]),
        "label_type": job["label_type"],
        "lot_number": job["lot_number"],
        "serial_number": job["serial_number"],
        "printer_id": job["printer_id"],
        "station_id": job["station_id"],
        "state": job["state"],
        "source": job["source"],
        "attempts": job["attempts"],
        "next_attempt_at": job["next_attempt_at"].isoformat(),
        "last_error_code": job["last_error_code"],
        "last_error": job["last_error"],
        "reprint": job["reprint"],
        "reason": job["reason"],
        "requested_by": job["requested_by"],
        "worker_id": job["worker_id"],
        "created_at": job["created_at"].isoformat(),
        "sent_at": job["sent_at"].isoformat() if job["sent_at"] else None,
        "label": job["data"],
    }
