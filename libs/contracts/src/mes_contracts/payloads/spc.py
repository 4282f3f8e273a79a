"""SPC (trace-service, ADR 0026): a check's control limits reset by a person."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

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
