"""Production-day KPIs and yields (trace-service, ADR 0027): `GET /api/v1/dashboard/kpis`,
`GET /api/v1/quality/yield`, `GET /api/v1/quality/pareto`.

Every count says what it counts: `units` are pieces (a LOT's target quantity, or its
serials), `lots` are LOTs. Routing steps are LOT-level, so a step's yield weighs each LOT
by its units."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from mes_contracts.enums import ProcessStatus


class Count(BaseModel):
    """A number with the thing it counts."""

    value: int = Field(ge=0)
    counts: Literal["units", "lots"]
    label: str = Field(description="What the number means, in words")


class UnitKpis(BaseModel):
    planned: Count = Field(description="Target quantities of the LOTs of the production day")
    started: Count = Field(description="Units of LOTs whose first step started in the period")
    completed: Count = Field(
        description="Units that came off the line: LOTs completed in the period, less scrap"
    )
    passed: Count = Field(description="Serials PASSED of the LOTs completed in the period")
    scrapped: Count = Field(description="Units scrapped by NCRs closed in the period")


class LotKpis(BaseModel):
    created: Count = Field(description="LOTs of the production day (their production date)")
    started: Count
    in_progress: Count = Field(description="LOTs open now (CREATED or IN_PROGRESS)")
    completed: Count
    closed: Count


class StepYieldOut(BaseModel):
    """One routing step: each LOT's first attempt at it, judged in the period."""

    process_id: str
    name_ko: str | None = None
    name_en: str | None = None
    lots: int = Field(ge=0, description="LOTs whose first attempt completed")
    units: int = Field(ge=0, description="Their units")
    first_pass_lots: int = Field(ge=0)
    first_pass_units: int = Field(ge=0)
    reworked_lots: int = Field(ge=0, description="LOTs that started the step again")
    reworked_units: int = Field(ge=0)
    first_pass_yield: float | None = Field(ge=0, le=1, description="first_pass_units / units")
    rework_rate: float | None = Field(ge=0, le=1, description="reworked_units / units")


class HourOutput(BaseModel):
    hour: AwareDatetime = Field(description="Start of the hour")
    label: str = Field(description="Factory-local hour, e.g. 08:00")
    units: int = Field(ge=0, description="Units completed in the hour")


class WipLot(BaseModel):
    lot_number: str
    units: int | None = Field(description="Target quantity")
    state: ProcessStatus = Field(description="Of the LOT's current step")
    result: str | None = Field(description="FAIL: the step failed and waits for its NCR")
    since: AwareDatetime | None = Field(description="When the LOT got to this state")
    age_minutes: float | None = Field(ge=0)
    stalled: bool = Field(description="Older than the stall threshold")


class WipStep(BaseModel):
    process_id: str
    name_ko: str | None = None
    name_en: str | None = None
    lots: int = Field(ge=0)
    units: int = Field(ge=0)
    stalled_lots: int = Field(ge=0)
    items: list[WipLot]


class DashboardKpis(BaseModel):
    day: dt.date = Field(description="The production day (a night shift counts for its start)")
    shift: str | None = Field(description="One shift of the day, or null for the whole day")
    period_start: AwareDatetime
    period_end: AwareDatetime
    timezone: str
    units: UnitKpis
    lots: LotKpis
    yields: list[StepYieldOut] = Field(description="Per routing step, in routing order")
    rolled_throughput_yield: float | None = Field(
        ge=0, le=1, description="Product of the steps' first-pass yields"
    )
    hourly_output: list[HourOutput]
    wip: list[WipStep] = Field(description="Now, whatever the day asked")
    stall_minutes: float = Field(gt=0, description="Age from which a LOT counts as stalled")


class YieldGroupOut(BaseModel):
    key: str = Field(description="Day, day/shift, LOT number or product model")
    lots: int = Field(ge=0, description="LOTs with a step judged in the group")
    units: int = Field(ge=0)
    steps: list[StepYieldOut]
    rolled_throughput_yield: float | None = Field(ge=0, le=1)


class YieldReport(BaseModel):
    from_day: dt.date
    to_day: dt.date = Field(description="Inclusive")
    group: Literal["day", "shift", "lot", "model"]
    groups: list[YieldGroupOut]
    total: YieldGroupOut


class ParetoItem(BaseModel):
    key: str = Field(description="The check (cause) or the process")
    process_id: str | None = Field(description="Of a cause; null when grouped by process")
    count: int = Field(ge=1, description="Defects (failed checks)")
    share: float = Field(ge=0, le=1)
    cumulative_share: float = Field(ge=0, le=1)


class DefectPareto(BaseModel):
    from_day: dt.date
    to_day: dt.date = Field(description="Inclusive")
    by: Literal["cause", "process"]
    total: int = Field(ge=0, description="Defects (failed checks) in the period")
    items: list[ParetoItem]
