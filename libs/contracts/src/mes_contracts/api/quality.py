"""Quality DTOs: SPC charts, control limits and capability (`/api/v1/quality`,
trace-service, ADR 0026)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from mes_contracts.limits import MAX_REASON_LENGTH, MIN_REASON_LENGTH

SpcRule = Literal["1", "2", "3", "4"]


class SpcLimitsRequest(BaseModel):
    """`POST /api/v1/quality/spc/{check}/limits`: recompute the check's control limits.
    `recent`: from its newest `points` now; `next`: from the first `points` measured
    after this reset (no limits, so no rule is judged, until they are in)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=MIN_REASON_LENGTH, max_length=MAX_REASON_LENGTH)
    baseline: Literal["recent", "next"] = "recent"
    points: StrictInt | None = Field(default=None, ge=2, le=1000, description="Default: setting")


class SpcLimits(BaseModel):
    check: str
    version: int = Field(ge=1)
    chart: Literal["I-MR"]
    state: Literal["pending", "active"] = Field(description="pending: waiting for its baseline")
    baseline_from: AwareDatetime | None = Field(description="Baseline starts here (null: first)")
    baseline_points: int
    points: int | None = Field(description="Points the limits were computed from")
    first_at: AwareDatetime | None
    last_at: AwareDatetime | None
    center: float | None
    ucl: float | None
    lcl: float | None
    sigma: float | None = Field(description="Within σ: MR̄/d2")
    mr_center: float | None
    mr_ucl: float | None
    reason: str
    set_by: str
    set_at: AwareDatetime
    active_at: AwareDatetime | None


class SpcPoint(BaseModel):
    work_order_id: str
    idx: int
    lot_number: str
    serial_number: str | None = Field(description="Null: the step measures the LOT")
    worker_id: str | None
    measured_at: AwareDatetime
    value: float
    moving_range: float | None
    violations: list[SpcRule] = Field(description="Rules whose pattern this point completes")


class SpcPointRef(BaseModel):
    work_order_id: str
    idx: int
    lot_number: str
    value: float | None
    measured_at: AwareDatetime


class SpcViolation(BaseModel):
    rule: SpcRule
    description: str
    limits_version: int
    work_order_id: str
    idx: int
    lot_number: str
    worker_id: str | None
    value: float | None
    measured_at: AwareDatetime
    points: list[SpcPointRef] = Field(description="The points of the pattern, oldest first")
    detected_at: AwareDatetime


class SpecLimits(BaseModel):
    target: float | None
    lower: float | None
    upper: float | None
    unit: str | None


class SpcChart(BaseModel):
    check: str
    process_id: str | None
    since: AwareDatetime
    until: AwareDatetime
    truncated: bool = Field(description="More points than the cap: the newest are shown")
    hold_on_violation: bool = Field(
        default=False,
        description="A violation of this check also holds the LOT (MES_SPC_HOLD_CHECKS)",
    )
    spec: SpecLimits
    limits: SpcLimits | None
    points: list[SpcPoint]
    violations: list[SpcViolation]


class Capability(BaseModel):
    check: str
    process_id: str | None
    unit: str | None
    lower: float | None
    upper: float | None
    n: int = Field(description="Points of the period")
    mean: float | None
    sigma_within: float | None = Field(description="MR̄/d2 of the period")
    sigma_overall: float | None = Field(description="Sample standard deviation")
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    cpk_ci95: tuple[float, float] | None = Field(description="Bissell's approximation")


class CapabilityList(BaseModel):
    since: AwareDatetime
    until: AwareDatetime
    items: list[Capability]
