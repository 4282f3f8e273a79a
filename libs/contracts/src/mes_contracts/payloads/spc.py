"""SPC (trace-service, ADR 0026): a check's control limits reset by a person; a
violation on a check that holds the LOT."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mes_contracts.identifiers import LotNumber, ProcessId
from mes_contracts.limits import MAX_REASON_LENGTH
from mes_contracts.payloads._base import EventPayload


class SpcLimitsSet(EventPayload):
    """A new control limits version of a check (`POST /api/v1/quality/spc/{check}/limits`):
    computed now from its newest points (`recent`) or pending on the first points after
    the reset (`next`). Who is the envelope's actor; the audit trail records it."""

    event_type = "spc.limits_set"

    check: str = Field(max_length=100, description="Check name, e.g. temp_sensor")
    version: int = Field(ge=1)
    baseline: Literal["recent", "next"]
    baseline_points: int = Field(ge=2)
    state: Literal["pending", "active"]
    center: float | None = None
    ucl: float | None = None
    lcl: float | None = None
    sigma: float | None = None
    reason: str = Field(max_length=MAX_REASON_LENGTH)
    set_at: AwareDatetime

    def event_subject(self) -> str | None:
        return self.check


class SpcPatternPoint(BaseModel):
    """A point of a violated pattern, oldest first."""

    model_config = ConfigDict(extra="ignore")

    lot_number: str = Field(max_length=64)
    work_order_id: str = Field(max_length=64)
    value: float
    measured_at: AwareDatetime


class SpcRuleViolation(BaseModel):
    """One rule hit at the completion, against one limits version."""

    model_config = ConfigDict(extra="ignore")

    check: str = Field(max_length=100, description="Check name, e.g. temp_sensor")
    rule: str = Field(max_length=2, description="Western Electric / Nelson rule, 1-4")
    description: str = Field(max_length=200, description="The rule in words (English)")
    value: float = Field(description="The value of the point completing the pattern")
    limits_version: int = Field(ge=1)
    center: float
    ucl: float
    lcl: float
    target: float | None = None
    tolerance: float | None = None
    lower_limit: float | None = Field(default=None, description="Spec: lowest acceptable")
    upper_limit: float | None = Field(default=None, description="Spec: highest acceptable")
    unit: str | None = None
    points: list[SpcPatternPoint] = Field(description="The pattern's points, oldest first")


class SpcViolationFound(EventPayload):
    """A completion completed an SPC rule pattern on a check configured to hold the LOT
    (`MES_SPC_HOLD_CHECKS`, ADR 0026): process-service puts the LOT on hold at the
    completion's step with an NCR naming the rules (ADR 0023). One event per completion,
    every such hit of it in `violations`."""

    event_type = "spc.violation_found"

    lot_number: LotNumber
    work_order_id: str = Field(max_length=64, description="The completion completing them")
    process_id: ProcessId
    violations: list[SpcRuleViolation] = Field(min_length=1)
    detected_at: AwareDatetime

    def event_subject(self) -> str | None:
        return self.lot_number
