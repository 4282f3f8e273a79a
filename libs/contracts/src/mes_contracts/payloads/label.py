"""Events produced by label-service: the outcome of each print job."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from mes_contracts.enums import LabelType
from mes_contracts.identifiers import LotNumber, PrinterId, SerialNumber
from mes_contracts.payloads._base import EventPayload


class _LabelJob(EventPayload):
    job_id: str = Field(max_length=64, description="Print job id (one per label request)")
    label_type: LabelType = Field(description="LOT or SERIAL label")
    lot_number: LotNumber
    serial_number: SerialNumber | None = Field(default=None, description="SERIAL labels only")
    printer_id: PrinterId
    attempt: int = Field(default=1, ge=1, description="1 for the first try, then retries")
    reprint: bool = Field(default=False, description="True for a reprint (damaged/lost label)")
    reason: str | None = Field(default=None, max_length=500, description="Reprint reason")
    requested_by: str | None = Field(default=None, description="User/worker who asked for it")

    def event_subject(self) -> str | None:
        return self.serial_number or self.lot_number


class LabelPrinted(_LabelJob):
    """The printer accepted the label."""

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
    """A label was not printed: a print attempt failed (printer offline, out of paper, head
    open…), its data cannot be printed (`INVALID_LABEL_DATA`), or no printer serves it
    (`NO_PRINTER_ASSIGNED`, `printer_id` null). The job stays visible as `failed`."""

    event_version = 2

    printer_id: PrinterId | None = Field(
        default=None,
        description="The printer tried; null when no printer serves the label (NO_PRINTER_ASSIGNED)",
    )
