"""The dashboard's overview (`GET /api/v1/dashboard/summary`, trace-service, FR-DASH-001)."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, BaseModel, Field

from mes_contracts.enums import LotStatus, ProcessStatus, Result
from mes_contracts.identifiers import LotNumber, ProcessId


class ProcessDayCounts(BaseModel):
    """One routing step on the day: starts, completions, failed completions, open work."""

    process_id: ProcessId
    name_ko: str | None
    name_en: str | None
    started: int = Field(ge=0)
    completed: int = Field(ge=0)
    defects: int = Field(ge=0, description="Completions judged FAIL")
    wip: int = Field(ge=0, description="Started and not completed (any day)")


class OpenLot(BaseModel):
    """A LOT not yet completed or closed, with the step it is at."""

    lot_number: LotNumber
    status: LotStatus
    # None while trace-service has seen the LOT's process events but not its lot.created
    target_quantity: int | None = Field(ge=1)
    created_at: AwareDatetime | None
    current_process: ProcessId | None
    current_process_name: str | None
    current_process_state: ProcessStatus
    current_process_result: Result | None = Field(description="Of a completed current step")
    progress_percent: int = Field(ge=0, le=100)


class RecentEvent(BaseModel):
    event_id: str
    type: str = Field(examples=["lot.created"])
    subject: str | None = Field(description="Usually a LOT or serial number")
    time: AwareDatetime
    user_id: str | None


class DashboardSummary(BaseModel):
    date: dt.date = Field(description="The factory's production date summarised")
    started: int = Field(ge=0)
    completed: int = Field(ge=0)
    defects: int = Field(ge=0)
    by_process: list[ProcessDayCounts]
    open_lots: list[OpenLot] = Field(description="The newest open LOTs")
    open_lots_total: int = Field(ge=0)
    recent_events: list[RecentEvent]
