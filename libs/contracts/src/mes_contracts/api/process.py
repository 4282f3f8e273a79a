"""Process start (착공, SPEC §6) and completion (완공, SPEC §7) DTOs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from mes_contracts.enums import LotStatus, ProcessLevel, ProcessStatus, Result
from mes_contracts.identifiers import (
    FirmwareVersion,
    LotNumber,
    Md5Hex,
    ProcessId,
    ProductModelCode,
    WorkerId,
)
from mes_contracts.process_data import validate_process_data
from mes_contracts.quality import Defect, ProcessOutcome
from mes_contracts.times import AwareTimestamp

ProcessName = Annotated[
    str, Field(min_length=1, max_length=100, description="Process name (Korean)")
]


class ProcessStartRequest(BaseModel):
    """`POST /api/v1/process/start` body (seed 002 §3.4.1)."""

    model_config = ConfigDict(extra="forbid")

    lot_number: LotNumber = Field(description="Scanned LOT barcode", examples=["WF-KR-251110D-001"])
    process_id: ProcessId = Field(examples=["PROC-001"])
    process_name: ProcessName = Field(
        description="The routing's name of process_id, Korean or English (case and spaces "
        "ignored); the answer carries the routing's Korean name"
    )
    worker_id: WorkerId = Field(examples=["W001"])
    start_time: AwareTimestamp = Field(
        description="ISO 8601 with offset (naive or numbers are refused); within the MES "
        "clock's window (ADR 0008)"
    )
    station_id: str | None = Field(default=None, max_length=64, description="Workstation id")


class FirmwareInfo(BaseModel):
    """The released firmware a PROC-004 start hands out (seed 002 §3.4.4)."""

    version: FirmwareVersion = Field(examples=["v1.2.3"])
    filename: str = Field(max_length=255, examples=["firmware_v1.2.3.bin"])
    file_size: int = Field(ge=0)
    md5_hash: Md5Hex
    download_url: str = Field(examples=["/api/v1/firmware/download/v1.2.3"])


class ProcessStartData(BaseModel):
    """`data` of a successful start."""

    lot_number: LotNumber
    process_id: ProcessId
    process_name: str
    worker_id: WorkerId
    start_time: AwareDatetime
    work_order_id: str = Field(examples=["WO-20251110-001"])
    sequence_number: int = Field(ge=1, description="Position of the step in the routing")
    firmware_info: FirmwareInfo | None = Field(default=None, description="PROC-004 only")


class ProcessCompleteRequest(BaseModel):
    """A completion file's body (seed 002 §3.4.2), posted to `/api/v1/process/complete`.

    Unknown top-level keys are kept. `process_data` is checked per process by
    `validate_process_data` (see `outcome()`), not here, so its errors carry their
    own codes.
    """

    model_config = ConfigDict(extra="allow")

    lot_number: LotNumber
    process_id: ProcessId
    process_name: ProcessName = Field(description="As for the start: the routing's name")
    worker_id: WorkerId
    start_time: AwareTimestamp = Field(
        description="Start as the station saw it: not before the recorded start (ADR 0008)"
    )
    complete_time: AwareTimestamp = Field(
        description="Not before start_time; within the MES clock's window (ADR 0008)"
    )
    process_data: dict[str, Any]

    @field_validator("complete_time")
    @classmethod
    def _not_before_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start_time")
        if start is not None and value < start:
            raise PydanticCustomError(
                "complete_before_start",
                "complete_time {complete_time} is before start_time {start_time}",
                {"complete_time": value.isoformat(), "start_time": start.isoformat()},
            )
        return value

    def outcome(self) -> ProcessOutcome:
        """Validate and judge `process_data` (raises MesError, see process_data)."""
        return validate_process_data(self.process_id, self.process_data, lot_number=self.lot_number)


class ProcessCompleteData(BaseModel):
    """`data` of a successful completion. A re-post of the same file answers success
    with `already_recorded: true` and the first recording's values."""

    lot_number: LotNumber
    process_id: ProcessId
    work_order_id: str
    worker_id: WorkerId | None = Field(default=None, description="Who completed it")
    start_time: str | None = Field(
        default=None, description="The completion file's start_time, as the station sent it"
    )
    complete_time: str | None = Field(
        default=None, description="The completion file's complete_time, as the station sent it"
    )
    result: Result
    defects: list[Defect] = Field(default_factory=list)
    already_recorded: bool = False
    recorded_at: AwareDatetime
    ncr_number: str | None = Field(
        default=None,
        description="Present when this FAIL put the LOT on hold: the NCR opened (ADR 0023)",
    )


class RoutingStepRead(BaseModel):
    """`GET /api/v1/process/routing`: one step of a product model's routing."""

    product_model: ProductModelCode
    process_id: ProcessId
    sequence: int = Field(ge=1)
    name_ko: str
    name_en: str
    level: ProcessLevel
    requires_firmware: bool
    hold_on_fail: bool = Field(description="A FAIL puts the LOT on hold and opens an NCR")
    rework_limit: int = Field(ge=0, description="REWORK dispositions that may target the step")
    takt_seconds: int | None = Field(
        default=None, ge=1, description="Normal time at the step; the stalled-LOT alert's base"
    )


class ProcessAttempt(BaseModel):
    """One start (and its completion, if any) of a step; times are the station's strings."""

    work_order_id: str
    attempt: int = Field(ge=1)
    worker_id: WorkerId | None
    complete_worker_id: WorkerId | None
    start_time: str | None
    complete_time: str | None
    result: Result | None
    process_data: dict[str, Any] | None
    defects: list[dict[str, Any]]


class ProcessStepHistory(BaseModel):
    process_id: ProcessId
    sequence: int = Field(ge=1)
    name_ko: str
    name_en: str | None
    status: ProcessStatus
    result: Result | None
    attempts: list[ProcessAttempt]


class LotHold(BaseModel):
    """A LOT's hold (ADR 0023): OPEN until its NCR's disposition, REWORK until the rework
    of `rework_from` … `process_id` passes."""

    ncr_number: str
    process_id: ProcessId = Field(description="The failed step")
    phase: Literal["OPEN", "REWORK"]
    rework_from: ProcessId | None = None


class LotProcessHistory(BaseModel):
    """`GET /api/v1/process/lots/{lot}`: every step of the LOT's routing with its attempts."""

    lot_number: LotNumber
    status: LotStatus
    processes: list[ProcessStepHistory]
    hold: LotHold | None = Field(default=None, description="None: the LOT is not on hold")
