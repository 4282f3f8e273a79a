"""Events produced by label-service: the outcome of print jobs, one event per LOT and
outcome (`labels.printed`, `labels.failed`) listing every job. The per-label
`label.printed` / `label.failed` are retired (read-only, ADR 0012)."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mes_contracts.enums import LabelType
from mes_contracts.identifiers import LotNumber, PrinterId, SerialNumber
from mes_contracts.limits import MAX_REASON_LENGTH
from mes_contracts.payloads._base import EventPayload


class _LabelJob(EventPayload):
    job_id: str = Field(max_length=64, description="Print job id (one per label request)")
    label_type: LabelType = Field(description="LOT or SERIAL label")
    lot_number: LotNumber
    serial_number: SerialNumber | None = Field(default=None, description="SERIAL labels only")
    printer_id: PrinterId
    attempt: int = Field(default=1, ge=1, description="1 for the first try, then retries")
    reprint: bool = Field(default=False, description="True for a reprint (damaged/lost label)")
    reason: str | None = Field(
        default=None, max_length=MAX_REASON_LENGTH, description="Reprint reason"
    )
    requested_by: str | None = Field(default=None, description="User/worker who asked for it")

    def event_subject(self) -> str | None:
        return self.serial_number or self.lot_number


class LabelPrinted(_LabelJob):
    """RETIRED (read-only): the printer accepted one label. Replaced by `labels.printed`
    (ADR 0012); producers no longer publish it, consumers still read old entries."""

    event_type = "label.printed"

    printed_at: AwareDatetime = Field(description="When the printer accepted the job")


class LabelFailedV1(_LabelJob):
    """A print attempt failed (printer offline, out of paper, head open…).

    Version 1: every failure named its printer. Still readable; producers publish v2.
    """

    event_type = "label.failed"

    failed_at: AwareDatetime = Field(description="When the attempt failed")
    error_code: str | None = Field(
        default=None, description="An ErrorCode, e.g. PRINTER_OUT_OF_PAPER"
    )
    message: str | None = Field(default=None, max_length=1000, description="Printer/driver text")
    will_retry: bool = Field(default=False, description="True if another attempt is scheduled")


class LabelFailed(LabelFailedV1):
    """RETIRED (read-only): one label was not printed. Replaced by `labels.failed` (ADR
    0012); producers no longer publish it, consumers still read old entries (v1 and v2)."""

    event_version = 2

    printer_id: PrinterId | None = Field(
        default=None,
        description="The printer tried; null when no printer serves the label (NO_PRINTER_ASSIGNED)",
    )


class _LabelOutcome(BaseModel):
    model_config = ConfigDict(extra="ignore")

    job_id: str = Field(max_length=64, description="Print job id (one per label request)")
    label_type: LabelType = Field(description="LOT or SERIAL label")
    serial_number: SerialNumber | None = Field(default=None, description="SERIAL labels only")
    attempt: int = Field(default=1, ge=1, description="1 for the first try, then retries")
    reprint: bool = Field(default=False, description="True for a reprint (damaged/lost label)")
    reason: str | None = Field(
        default=None, max_length=MAX_REASON_LENGTH, description="Reprint reason"
    )
    requested_by: str | None = Field(default=None, description="User/worker who asked for it")


class PrintedLabel(_LabelOutcome):
    """One label of a `labels.printed` batch."""

    printer_id: PrinterId = Field(description="The printer that accepted it")


class FailedLabel(_LabelOutcome):
    """One label of a `labels.failed` batch, with why it was not printed."""

    printer_id: PrinterId | None = Field(
        default=None,
        description="The printer tried; null when no printer serves the label (NO_PRINTER_ASSIGNED)",
    )
    error_code: str | None = Field(
        default=None, description="An ErrorCode, e.g. PRINTER_OUT_OF_PAPER, NO_PRINTER_ASSIGNED"
    )
    message: str | None = Field(default=None, max_length=1000, description="Printer/driver text")
    will_retry: bool = Field(default=False, description="True if another attempt is scheduled")


class LabelsPrinted(EventPayload):
    """Labels of one LOT were printed: the printer accepted this batch (the LOT label, a
    LOT's serial labels, a reprint). One event per LOT and send, every label listed."""

    event_type = "labels.printed"

    lot_number: LotNumber
    printed_at: AwareDatetime = Field(description="When the printer accepted the batch")
    labels: list[PrintedLabel] = Field(min_length=1, description="Every label of the batch")


class LabelsFailed(EventPayload):
    """Labels of one LOT were not printed: a print attempt failed (printer offline, out of
    paper, head open…), their data cannot be printed (`INVALID_LABEL_DATA`), or no printer
    serves them (`NO_PRINTER_ASSIGNED`, `printer_id` null). Sent on a batch's first failed
    attempt and when its jobs give up, not on every retry; the jobs stay visible as
    `retrying` / `failed`. One event per LOT and outcome, every label listed."""

    event_type = "labels.failed"

    lot_number: LotNumber
    failed_at: AwareDatetime = Field(description="When the attempt failed")
    labels: list[FailedLabel] = Field(min_length=1, description="Every label of the batch")
