"""Alerts centre (trace-service) and the printer status it watches (label-service)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, Field

from mes_contracts.identifiers import PrinterId
from mes_contracts.payloads._base import EventPayload

PrinterStateName = Literal[
    "ready",
    "paper_out",
    "head_open",
    "ribbon_out",
    "paused",
    "buffer_full",
    "not_responding",
    "not_connected",
]
AlertSeverity = Literal["info", "warning", "critical"]
AlertSubjectType = Literal["printer", "lot", "process", "stream", "label_job"]


class PrinterStatusChanged(EventPayload):
    """A network printer's polled status changed (only on change: ready → paper_out …)."""

    event_type = "printer.status_changed"

    printer_id: PrinterId
    state: PrinterStateName = Field(description="The state the printer reports now")
    previous_state: PrinterStateName | None = Field(
        default=None, description="The state before; null on the first poll"
    )
    detail: str | None = Field(default=None, max_length=500, description="Printer/driver text")
    changed_at: AwareDatetime = Field(description="When the poll saw the change")

    def event_subject(self) -> str | None:
        return self.printer_id


class _Alert(EventPayload):
    alert_id: str = Field(max_length=32, description="Alert id (decimal)")
    rule: str = Field(max_length=64, description="The rule, e.g. printer.paper_out")
    condition_key: str = Field(max_length=200, description="Raised once per key while open")
    severity: AlertSeverity
    subject_type: AlertSubjectType
    subject_id: str = Field(max_length=200, description="Printer id, LOT number, stream…")
    code: str = Field(max_length=64, description="Message code; clients translate it")
    params: dict[str, Any] = Field(default_factory=dict, description="The code's parameters")
    message: str = Field(max_length=500, description="English text of code + params")

    def event_subject(self) -> str | None:
        return self.subject_id


class AlertRaised(_Alert):
    """A rule saw its condition: an open alert (once per condition key while open)."""

    event_type = "alert.raised"

    raised_at: AwareDatetime


class AlertAcknowledged(_Alert):
    """Somebody acknowledged an alert (who is the envelope's actor; note optional)."""

    event_type = "alert.acknowledged"

    acknowledged_at: AwareDatetime
    acknowledged_by: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=500)


class AlertResolved(_Alert):
    """The alert's condition cleared (the rule resolved it)."""

    event_type = "alert.resolved"

    raised_at: AwareDatetime
    resolved_at: AwareDatetime
