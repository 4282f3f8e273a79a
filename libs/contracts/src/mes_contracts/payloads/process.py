"""Events produced by process-service: process starts (착공) and completions (완공)."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field

from mes_contracts.enums import Result
from mes_contracts.identifiers import LotNumber, NcrNumber, ProcessId, ProductModelCode, WorkerId
from mes_contracts.limits import MAX_REASON_LENGTH, MAX_TAKT_SECONDS
from mes_contracts.payloads._base import EventPayload
from mes_contracts.quality import ComponentLot, Defect, Measurement


class _ProcessFacts(EventPayload):
    work_order_id: str = Field(
        max_length=64,
        description="Id of this start (one per attempt)",
        examples=["WO-20251110-001"],
    )
    lot_number: LotNumber
    product_model: ProductModelCode
    process_id: ProcessId
    process_name: str = Field(max_length=100, description="Process name (Korean)")
    sequence_number: int = Field(ge=1, description="Position of the step in the routing")
    worker_id: WorkerId
    station_id: str | None = Field(default=None, max_length=64, description="Workstation id")
    start_time: AwareDatetime = Field(
        description="The work order's start as its start reported it (a completion carries "
        "this recorded start, not its file's, see reported_start_time)"
    )


class ProcessStarted(_ProcessFacts):
    """A worker started a process for a LOT (FR-PROC-001)."""

    event_type = "process.started"

    recorded_at: AwareDatetime = Field(description="When the server accepted the start")


class ProcessCompleted(_ProcessFacts):
    """A completion file was accepted (FR-PROC-002). FAIL results are defects, not errors."""

    event_type = "process.completed"

    started_at: AwareDatetime | None = Field(
        default=None,
        description="When the server accepted the start (the start's recorded_at); orders attempts",
    )
    reported_start_time: AwareDatetime | None = Field(
        default=None, description="start_time as the completion file reported it"
    )
    complete_time: AwareDatetime = Field(description="Completion as reported by the station")
    result: Result = Field(description="FAIL if any check failed (see defects)")
    process_data: dict[str, Any] = Field(description="Station data exactly as received")
    defects: list[Defect] = Field(default_factory=list, description="One per failed check")
    measurements: list[Measurement] = Field(
        default_factory=list, description="Numeric measurements with their spec"
    )
    component_lots: list[ComponentLot] = Field(
        default_factory=list, description="Component LOTs used (`*_lot` keys of process_data)"
    )
    is_last_process: bool = Field(description="True for the last step of the routing")
    recorded_at: AwareDatetime = Field(description="When the server accepted the completion")


class RoutingStepInfo(EventPayload):
    process_id: ProcessId
    sequence: int = Field(ge=1)
    name_ko: str = Field(max_length=100)
    name_en: str = Field(max_length=100)
    level: str = Field(default="LOT", max_length=16, description="LOT or SERIAL")
    requires_firmware: bool = False
    hold_on_fail: bool = Field(default=True, description="A FAIL puts the LOT on hold")
    rework_limit: int = Field(default=2, ge=0, le=99, description="REWORK dispositions allowed")
    takt_seconds: int | None = Field(
        default=None, ge=1, le=MAX_TAKT_SECONDS, description="Normal time at the step (a LOT)"
    )


class RoutingUpdated(EventPayload):
    """The routing of a product model, whole (process-service owns it; others keep a copy)."""

    event_type = "routing.updated"

    product_model: ProductModelCode
    steps: list[RoutingStepInfo] = Field(min_length=1, description="In order")
    updated_at: AwareDatetime

    def event_subject(self) -> str | None:
        return self.product_model


class LotCloseAccepted(EventPayload):
    """process-service accepted a LOT's close under the LOT's lock: no step was in progress,
    or a manager forced it with a reason (ADR 0025). lot-service then marks the LOT CLOSED
    (`lot.status_changed`); no start is accepted from here on."""

    event_type = "lot.close_accepted"

    lot_number: LotNumber
    accepted_at: AwareDatetime = Field(description="When the close was accepted")
    closed_by: str = Field(description="User id of the manager who closed the LOT")
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)
    forced: bool = Field(default=False, description="Closed with steps still in progress")
    open_steps: list[ProcessId] = Field(
        default_factory=list, description="Steps in progress at a forced close (completable)"
    )
    open_ncrs: list[NcrNumber] = Field(
        default_factory=list, description="NCRs still open at a forced close (still disposable)"
    )
