"""Events produced by lot-service: LOTs and serial numbers."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mes_contracts.enums import LotStatus, SerialAllocationReason, SerialStatus, Shift
from mes_contracts.identifiers import (
    FactoryCode,
    LotNumber,
    ProcessId,
    ProductModelCode,
    SerialNumber,
)
from mes_contracts.payloads._base import EventPayload


class LotCreated(EventPayload):
    """A production manager created a LOT (FR-LOT-001). Triggers the LOT label."""

    event_type = "lot.created"

    lot_number: LotNumber = Field(examples=["WF-KR-251110D-001"])
    product_model: ProductModelCode = Field(description="Product model code", examples=["WF"])
    factory: FactoryCode = Field(description="Factory code", examples=["KR"])
    production_date: date = Field(description="Factory-local production date of the shift")
    shift: Shift
    sequence: int = Field(ge=1, le=999, description="Per-date LOT sequence (001…)")
    target_quantity: int = Field(ge=1, le=9999, description="Units planned (default 100)")
    status: LotStatus = Field(default=LotStatus.CREATED)
    created_at: AwareDatetime
    created_by: str = Field(description="User id of the creator")


class LotStatusChanged(EventPayload):
    """A LOT changed status; every transition is recorded with who and when."""

    event_type = "lot.status_changed"

    lot_number: LotNumber
    from_status: LotStatus
    to_status: LotStatus
    changed_at: AwareDatetime
    changed_by: str = Field(description='User/worker id, or "system" for automatic changes')
    reason: str | None = Field(default=None, max_length=500)
    process_id: ProcessId | None = Field(
        default=None, description="Process whose start/completion caused the change, if any"
    )


class AllocatedSerial(BaseModel):
    model_config = ConfigDict(extra="ignore")

    serial_number: SerialNumber = Field(examples=["WF-KR-251110D-001-0001"])
    sequence: int = Field(ge=1, le=9999)


class SerialsAllocated(EventPayload):
    """Serial numbers were issued for a LOT (at PROC-007 start, or a replacement).

    Serials are never reissued; label-service prints one SERIAL label per serial.
    """

    event_type = "serials.allocated"

    lot_number: LotNumber
    product_model: ProductModelCode
    serials: list[AllocatedSerial] = Field(min_length=1)
    reason: SerialAllocationReason
    replacement_reason: str | None = Field(default=None, max_length=500)
    allocated_at: AwareDatetime
    allocated_by: str | None = Field(default=None, description="Worker/user who triggered it")
    created_date: date | None = Field(
        default=None, description="Date printed on the serial labels (defaults to allocated_at)"
    )


class SerialStatusChanged(EventPayload):
    """A unit changed status (CREATED, IN_PROGRESS, PASSED, FAILED)."""

    event_type = "serial.status_changed"

    serial_number: SerialNumber
    lot_number: LotNumber
    from_status: SerialStatus | None = Field(default=None, description="None when first set")
    to_status: SerialStatus
    changed_at: AwareDatetime
    process_id: ProcessId | None = None
    reason: str | None = Field(default=None, max_length=500)

    def event_subject(self) -> str | None:
        return self.serial_number
