"""trace-service's read models (`/api/v1/trace/...`, FR-TRACE-*): the projections as the
routes send them. Columns the projection may not have yet (a LOT seen only through its
process events) are nullable."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field

from mes_contracts.enums import LotStatus, ProcessStatus, Result


class TraceDefect(BaseModel):
    """A failed check of one attempt."""

    idx: int = Field(ge=0)
    check_name: str
    measured: Any = None
    target: float | None
    tolerance: float | None
    lower_limit: float | None
    upper_limit: float | None
    unit: str | None
    message: str | None
    worker_id: str | None
    occurred_at: AwareDatetime


class DefectRecord(TraceDefect):
    """`GET /api/v1/trace/defects` item: the defect with where it happened."""

    work_order_id: str
    lot_number: str
    process_id: str


class TraceMeasurement(BaseModel):
    idx: int = Field(ge=0)
    check_name: str
    value: float | None
    target: float | None
    lower_limit: float | None
    upper_limit: float | None
    unit: str | None
    result: Result | None
    measured_at: AwareDatetime


class TraceAttempt(BaseModel):
    work_order_id: str
    worker_id: str | None
    complete_worker_id: str | None
    start_time: AwareDatetime | None
    complete_time: AwareDatetime | None
    result: Result | None
    process_data: dict[str, Any] | None
    defects: list[TraceDefect]
    measurements: list[TraceMeasurement]


class TraceStep(BaseModel):
    process_id: str
    sequence: int = Field(ge=1)
    name_ko: str | None
    name_en: str | None
    status: ProcessStatus
    result: Result | None
    attempts: list[TraceAttempt]


class ComponentUse(BaseModel):
    work_order_id: str
    component_type: str
    component_lot: str
    process_id: str
    worker_id: str | None
    used_at: AwareDatetime


class TraceStatusChange(BaseModel):
    from_status: LotStatus | None
    to_status: LotStatus
    changed_at: AwareDatetime
    changed_by: str | None
    reason: str | None


class TraceNcr(BaseModel):
    """A non-conformance report of the LOT and its hold (ADR 0023), as far as its events
    have arrived."""

    ncr_number: str
    process_id: str
    process_name: str | None
    work_order_id: str | None
    failed_checks: list[dict[str, Any]] | None
    opened_at: AwareDatetime | None
    opened_by: str | None
    held_at: AwareDatetime | None
    disposition: str | None
    reason: str | None
    rework_from: str | None
    scrap_count: int | None
    scrap_serials: list[str] | None
    closed_at: AwareDatetime | None
    closed_by: str | None
    released_at: AwareDatetime | None
    release_cause: str | None


class SerialCounts(BaseModel):
    total: int = Field(ge=0)
    by_status: dict[str, int]


class TraceLot(BaseModel):
    """`GET /api/v1/trace/lots/{lot}`: the LOT's genealogy, step by step."""

    lot_number: str
    product_model: str | None
    factory: str | None
    production_date: date | None
    shift: str | None
    target_quantity: int | None
    status: LotStatus | None
    status_time: AwareDatetime | None
    created_at: AwareDatetime | None
    created_by: str | None
    progress_percent: int = Field(ge=0, le=100)
    processes: list[TraceStep]
    component_lots: list[ComponentUse]
    status_history: list[TraceStatusChange]
    serials: SerialCounts
    on_hold: bool = Field(default=False, description="The LOT's latest hold is not released")
    ncrs: list[TraceNcr] = Field(default_factory=list, description="Its NCRs, oldest first")


class TraceSerial(BaseModel):
    """`GET /api/v1/trace/serials/{serial}`: the serial and its LOT's genealogy."""

    serial_number: str
    lot_number: str
    sequence: int = Field(ge=1)
    status: str
    status_time: AwareDatetime
    allocated_at: AwareDatetime
    replacement_reason: str | None
    lot: TraceLot | None = Field(description="None while the LOT's events have not arrived")


class LotEvent(BaseModel):
    event_id: str
    type: str = Field(examples=["process.completed"])
    time: AwareDatetime
    data: dict[str, Any]


class LotEvents(BaseModel):
    """`GET /api/v1/trace/lots/{lot}/events`: the LOT's events, oldest first."""

    lot_number: str
    events: list[LotEvent]


class DefectCause(BaseModel):
    process_id: str
    check: str
    count: int = Field(ge=1)


class DefectList(BaseModel):
    """`GET /api/v1/trace/defects`: newest first, with counts by step and check."""

    items: list[DefectRecord]
    total: int = Field(ge=0)
    by_cause: list[DefectCause]
    limit: int = Field(ge=1)
    offset: int = Field(ge=0)


class WorkerRecord(BaseModel):
    work_order_id: str
    lot_number: str
    product_model: str | None
    process_id: str
    process_name: str | None
    sequence_number: int
    worker_id: str | None
    complete_worker_id: str | None
    start_time: AwareDatetime | None
    started_at: AwareDatetime | None
    complete_time: AwareDatetime | None
    result: Result | None


class WorkerActivity(BaseModel):
    """`GET /api/v1/trace/workers/{worker}`: what the worker started or completed."""

    worker_id: str
    records: list[WorkerRecord]


class MeasurementSpec(BaseModel):
    target: float | None
    lower_limit: float | None
    upper_limit: float | None
    unit: str | None


class MeasurementPoint(BaseModel):
    work_order_id: str
    lot_number: str
    process_id: str
    value: float | None
    target: float | None
    lower_limit: float | None
    upper_limit: float | None
    unit: str | None
    result: Result | None
    measured_at: AwareDatetime


class MeasurementSeries(BaseModel):
    """`GET /api/v1/trace/measurements?check=…`: the series, oldest first."""

    check: str
    spec: MeasurementSpec | None = Field(description="Of the newest point; None without one")
    points: list[MeasurementPoint]


class MeasurementCheck(BaseModel):
    check: str
    process_id: str
    count: int = Field(ge=1)


class MeasurementChecks(BaseModel):
    """`GET /api/v1/trace/measurements` without `check`: the checks that have data."""

    checks: list[MeasurementCheck]


class RecallSerial(BaseModel):
    serial_number: str
    status: str


class RecallUse(BaseModel):
    lot_number: str
    lot_status: LotStatus | None
    component_type: str
    process_id: str
    work_order_id: str
    worker_id: str | None
    used_at: AwareDatetime
    serials: list[RecallSerial]


class Recall(BaseModel):
    """`GET /api/v1/trace/components/{component_lot}`: every LOT and serial that used it."""

    component_lot: str
    lot_count: int = Field(ge=0)
    serial_count: int = Field(ge=0)
    usages: list[RecallUse]
