"""Events produced by process-service for holds and non-conformance reports (ADR 0023)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from mes_contracts.enums import Disposition, ReleaseCause
from mes_contracts.identifiers import (
    LotNumber,
    NcrNumber,
    ProcessId,
    ProductModelCode,
    SerialNumber,
)
from mes_contracts.limits import MAX_REASON_LENGTH, MAX_TARGET_QUANTITY
from mes_contracts.payloads._base import EventPayload
from mes_contracts.quality import Defect


class _NcrFacts(EventPayload):
    ncr_number: NcrNumber = Field(examples=["NCR-251110-001"])
    lot_number: LotNumber
    process_id: ProcessId = Field(description="The step whose completion failed")


class LotHeld(_NcrFacts):
    """A FAIL at a step with hold_on_fail put the LOT on hold: later starts are refused
    (LOT_ON_HOLD) until the NCR's disposition."""

    event_type = "lot.held"

    product_model: ProductModelCode
    process_name: str = Field(max_length=100, description="Process name (Korean)")
    work_order_id: str = Field(max_length=64, description="The failed attempt")
    failed_checks: list[Defect] = Field(description="The completion's defects")
    held_at: AwareDatetime
    held_by: str = Field(max_length=64, description="Who completed the failed attempt")


class LotReleased(_NcrFacts):
    """A LOT's hold ended: its rework passed, or its NCR was closed USE_AS_IS or SCRAP."""

    event_type = "lot.released"

    cause: ReleaseCause
    released_at: AwareDatetime
    released_by: str = Field(max_length=64)
    work_order_id: str | None = Field(
        default=None, max_length=64, description="The passing rework attempt (REWORK_PASSED)"
    )


class NcrOpened(_NcrFacts):
    """A non-conformance report was opened with the hold, one per failed attempt."""

    event_type = "ncr.opened"

    product_model: ProductModelCode
    process_name: str = Field(max_length=100)
    work_order_id: str = Field(max_length=64)
    failed_checks: list[Defect] = Field(description="Failed checks: measured against spec")
    opened_at: AwareDatetime
    opened_by: str = Field(max_length=64)


class NcrClosed(_NcrFacts):
    """A quality or production manager closed an NCR with its disposition."""

    event_type = "ncr.closed"

    disposition: Disposition
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)
    rework_from: ProcessId | None = Field(
        default=None, description="REWORK: the step the LOT goes back to"
    )
    scrap_count: int | None = Field(
        default=None, ge=1, le=MAX_TARGET_QUANTITY, description="SCRAP by count (no serials yet)"
    )
    scrap_serials: list[SerialNumber] = Field(
        default_factory=list, description="SCRAP by serial: the units scrapped"
    )
    target_quantity: int = Field(ge=1, le=MAX_TARGET_QUANTITY, description="The LOT's plan")
    scrapped_total: int = Field(
        default=0, ge=0, le=MAX_TARGET_QUANTITY, description="Units of the LOT scrapped so far"
    )
    closed_at: AwareDatetime
    closed_by: str = Field(max_length=64)
