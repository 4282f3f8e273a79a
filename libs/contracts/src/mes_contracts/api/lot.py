"""LOT and serial DTOs (SPEC §4–§5, FR-LOT-*, FR-SN-*, FR-DASH-002)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from mes_contracts.api.process import LotHold
from mes_contracts.enums import LotStatus, ProcessStatus, Result, SerialStatus, Shift
from mes_contracts.identifiers import (
    FactoryCode,
    LotNumber,
    ProcessId,
    ProductModelCode,
    WorkerId,
)
from mes_contracts.limits import (
    DEFAULT_TARGET_QUANTITY,
    MAX_REASON_LENGTH,
    MAX_TARGET_QUANTITY,
    MIN_REASON_LENGTH,
)


class LotCreateRequest(BaseModel):
    """`POST /api/v1/lots` (production manager). The production date is the factory's
    (shift-aware) local date: it cannot be chosen."""

    model_config = ConfigDict(extra="forbid")

    product_model: ProductModelCode = "WF"
    target_quantity: StrictInt = Field(
        default=DEFAULT_TARGET_QUANTITY, ge=1, le=MAX_TARGET_QUANTITY
    )
    shift: Shift


class LotCloseRequest(BaseModel):
    """Close a LOT (manager); the reason is kept in the status history. A LOT with a step
    in progress closes only with `force` and a reason (ADR 0025)."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)
    force: StrictBool = Field(
        default=False, description="Close although a step is in progress (reason required)"
    )


class LotCloseData(BaseModel):
    """`POST /api/v1/lots/{lot}/close`: the close as accepted. The LOT reads CLOSED at
    `GET /api/v1/lots/{lot}` a moment later (lot-service applies `lot.close_accepted`)."""

    lot_number: LotNumber
    status: LotStatus = LotStatus.CLOSED
    accepted_at: AwareDatetime
    closed_by: str
    reason: str | None = None
    forced: bool = False
    open_steps: list[ProcessId] = Field(default_factory=list)
    open_ncrs: list[str] = Field(default_factory=list)


class SerialReplacementRequest(BaseModel):
    """`POST /api/v1/lots/{lot}/serials`: one extra serial for a damaged or lost unit."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=MIN_REASON_LENGTH, max_length=MAX_REASON_LENGTH)


class SerialStatusChangeRequest(BaseModel):
    """`PATCH /api/v1/serials/{serial}`: a manager or quality manager marks one unit."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["IN_PROGRESS", "PASSED", "FAILED"]
    reason: str = Field(min_length=MIN_REASON_LENGTH, max_length=MAX_REASON_LENGTH)


class LotProcessRead(BaseModel):
    """One routing step of a LOT and where it stands (`GET /api/v1/lots/{lot}`)."""

    process_id: ProcessId
    sequence: int = Field(ge=1)
    name_ko: str
    name_en: str | None = Field(description="None while the routing's copy is not known yet")
    status: ProcessStatus = ProcessStatus.NOT_STARTED
    worker_id: WorkerId | None = None
    start_time: AwareDatetime | None = None
    complete_time: AwareDatetime | None = None
    result: Result | None = None
    work_order_id: str | None = None


class LotStatusHistoryEntry(BaseModel):
    from_status: LotStatus | None = Field(description="None for the creation")
    to_status: LotStatus
    changed_at: AwareDatetime
    changed_by: str
    reason: str | None = None


class LotRead(BaseModel):
    """A LOT (`POST /api/v1/lots`, list items); `GET /api/v1/lots/{lot}` adds its process
    progress, status history and serial count (TC-LOT-006)."""

    lot_number: LotNumber
    product_model: ProductModelCode
    factory: FactoryCode
    production_date: date
    shift: Shift
    sequence: int = Field(ge=1)
    target_quantity: int = Field(ge=1)
    scrapped_quantity: int = Field(
        default=0, ge=0, description="Units scrapped by NCR dispositions (ADR 0023)"
    )
    good_quantity: int | None = Field(
        default=None, ge=0, description="target_quantity - scrapped_quantity"
    )
    status: LotStatus
    on_hold: bool = Field(
        default=False,
        description="Held by an NCR (ADR 0023), in its OPEN or REWORK phase; list filter",
    )
    hold: LotHold | None = Field(
        default=None, description="The hold: its NCR, failed step, phase and rework_from"
    )
    created_at: AwareDatetime
    created_by: str
    processes: list[LotProcessRead] = Field(default_factory=list, description="Detail only")
    progress_percent: int = Field(
        default=0, ge=0, le=100, description="Detail only: completed steps of the routing"
    )
    status_history: list[LotStatusHistoryEntry] = Field(
        default_factory=list, description="Detail only"
    )
    serial_count: int = Field(default=0, ge=0, description="Detail only")


class ProductModelRead(BaseModel):
    """`GET /api/v1/products`: a product model LOTs can be created for."""

    code: ProductModelCode
    name: str
    factory: FactoryCode
    created_at: AwareDatetime


class SerialRead(BaseModel):
    """A serial as lot-service keeps it (`GET/PATCH /api/v1/serials/{serial}`)."""

    serial_number: str
    lot_number: LotNumber
    sequence: int = Field(ge=1)
    status: SerialStatus
    created_at: AwareDatetime
    created_by: str
    replacement_reason: str | None = Field(description="Set on a replacement serial")
    status_reason: str | None = Field(description="Why a manager last changed the status")


class LotSerials(BaseModel):
    """`GET /api/v1/lots/{lot}/serials`: every serial of the LOT (not paged)."""

    items: list[SerialRead]
    total: int = Field(ge=0)
