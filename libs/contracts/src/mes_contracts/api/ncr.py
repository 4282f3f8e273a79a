"""Non-conformance reports: `GET /api/v1/ncr`, `GET /api/v1/ncr/{ncr_number}`,
`POST /api/v1/ncr/{ncr_number}/disposition` (process-service, ADR 0023)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from mes_contracts.enums import Disposition, NcrStatus
from mes_contracts.identifiers import LotNumber, NcrNumber, ProcessId, SerialNumber
from mes_contracts.limits import MAX_REASON_LENGTH, MAX_TARGET_QUANTITY
from mes_contracts.quality import Defect


class NcrDispositionRequest(BaseModel):
    """Close an NCR: REWORK (rework_from: the failed step or an earlier one; default the
    failed step), USE_AS_IS (reason required), SCRAP (scrap_count before the LOT's serials
    exist, scrap_serials after)."""

    model_config = ConfigDict(extra="forbid")

    disposition: Disposition
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)
    rework_from: ProcessId | None = None
    scrap_count: StrictInt | None = Field(default=None, ge=1, le=MAX_TARGET_QUANTITY)
    scrap_serials: list[SerialNumber] | None = Field(
        default=None, min_length=1, max_length=MAX_TARGET_QUANTITY
    )


class NcrRead(BaseModel):
    """One non-conformance report."""

    ncr_number: NcrNumber
    lot_number: LotNumber
    product_model: str
    process_id: ProcessId
    process_name: str
    work_order_id: str = Field(description="The failed attempt")
    status: NcrStatus
    failed_checks: list[Defect] = Field(description="Measured value against spec, per check")
    opened_at: datetime
    opened_by: str
    disposition: Disposition | None = None
    reason: str | None = None
    rework_from: ProcessId | None = None
    scrap_count: int | None = None
    scrap_serials: list[SerialNumber] = Field(default_factory=list)
    closed_at: datetime | None = None
    closed_by: str | None = None
