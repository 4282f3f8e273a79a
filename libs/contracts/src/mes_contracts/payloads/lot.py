"""Events produced by lot-service: LOTs and serial numbers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mes_contracts.enums import LotStatus, SerialAllocationReason, SerialStatus, Shift
from mes_contracts.identifiers import (
    FactoryCode,
    LotNumber,
    ProcessId,
    ProductModelCode,
    SerialNumber,
)
from mes_contracts.limits import (
    MAX_LOT_SEQUENCE,
    MAX_REASON_LENGTH,
    MAX_SERIAL_SEQUENCE,
    MAX_TARGET_QUANTITY,
)
from mes_contracts.payloads._base import EventPayload

Reason = Annotated[
    str | None,
    Field(max_length=MAX_REASON_LENGTH, description="Free-text reason given by the user"),
]


class LotCreated(EventPayload):
    """A production manager created a LOT (FR-LOT-001). Triggers the LOT label."""

    event_type = "lot.created"

    lot_number: LotNumber = Field(examples=["WF-KR-251110D-001"])
    product_model: ProductModelCode
    factory: FactoryCode
    production_date: date = Field(description="Factory-local production date of the shift")
    shift: Shift = Field(description="D = day shift, N = night shift")
    sequence: int = Field(ge=1, le=MAX_LOT_SEQUENCE, description="Per-date LOT sequence (001…)")
    target_quantity: int = Field(
        ge=1, le=MAX_TARGET_QUANTITY, description="Units planned (default 100)"
    )
    status: LotStatus = Field(default=LotStatus.CREATED, description="Always CREATED")
    created_at: AwareDatetime = Field(description="When the LOT was created")
    created_by: str = Field(description="User id of the creator")


class LotStatusChanged(EventPayload):
    """A LOT changed status; every transition is recorded with who and when."""

    event_type = "lot.status_changed"

    lot_number: LotNumber
    from_status: LotStatus = Field(description="Status before the change")
    to_status: LotStatus = Field(description="Status after the change")
    changed_at: AwareDatetime = Field(description="When the change happened")
    changed_by: str = Field(description='User/worker id, or "system" for automatic changes')
    reason: Reason = None
    process_id: ProcessId | None = Field(
        default=None, description="Process whose start/completion caused the change, if any"
    )


class AllocatedSerial(BaseModel):
    """One serial number issued to a LOT."""

    model_config = ConfigDict(extra="ignore")

    serial_number: SerialNumber = Field(examples=["WF-KR-251110D-001-0001"])
    sequence: int = Field(
        ge=1, le=MAX_SERIAL_SEQUENCE, description="Position within the LOT (0001…)"
    )


class SerialsAllocated(EventPayload):
    """Serial numbers were issued for a LOT (at PROC-007 start, or a replacement).

    Serials are never reissued; label-service prints one SERIAL label per serial.
    """

    event_type = "serials.allocated"

    lot_number: LotNumber
    product_model: ProductModelCode
    serials: list[AllocatedSerial] = Field(min_length=1, description="The new serials, in order")
    reason: SerialAllocationReason = Field(
        description="PROC-007_START (the LOT's serials) or REPLACEMENT (extra unit)"
    )
    replacement_reason: str | None = Field(
        default=None,
        max_length=MAX_REASON_LENGTH,
        description="Why a replacement serial was needed",
    )
    allocated_at: AwareDatetime = Field(description="When the serials were issued")
    allocated_by: str | None = Field(default=None, description="Worker/user who triggered it")
    created_date: date | None = Field(
        default=None, description="Date printed on the serial labels (defaults to allocated_at)"
    )
    station_id: str | None = Field(
        default=None,
        max_length=64,
        description="Station of the start that allocated them (PROC-007_START): their labels "
        "print at its serial printer; null when that start named none, and for replacements "
        "(which print where their LOT's serials did)",
    )


class SerialStatusChange(BaseModel):
    """One unit's change within a `serials.status_changed` event."""

    model_config = ConfigDict(extra="ignore")

    serial_number: SerialNumber = Field(examples=["WF-KR-251110D-001-0001"])
    from_status: SerialStatus | None = Field(default=None, description="None when first set")
    to_status: SerialStatus = Field(description="Status after the change")


class SerialsStatusChanged(EventPayload):
    """Units of one LOT changed status together (CREATED, IN_PROGRESS, PASSED, FAILED):
    the LOT's serials moving on at a step (PROC-007 passed → IN_PROGRESS, the last step
    passed → PASSED), or a person marking one unit. One event per fact, every serial
    listed with its own from/to status.
    """

    event_type = "serials.status_changed"

    lot_number: LotNumber
    serials: list[SerialStatusChange] = Field(
        min_length=1, description="Every unit that changed, in serial order"
    )
    changed_at: AwareDatetime = Field(description="When the change happened")
    process_id: ProcessId | None = Field(default=None, description="Process that caused it")
    reason: Reason = None


class SerialStatusChanged(EventPayload):
    """RETIRED (read-only): one unit changed status. Replaced by `serials.status_changed`
    (ADR 0012); producers no longer publish it, consumers still read old entries."""

    event_type = "serial.status_changed"

    serial_number: SerialNumber
    lot_number: LotNumber
    from_status: SerialStatus | None = Field(default=None, description="None when first set")
    to_status: SerialStatus = Field(description="Status after the change")
    changed_at: AwareDatetime = Field(description="When the change happened")
    process_id: ProcessId | None = Field(default=None, description="Process that caused it")
    reason: Reason = None

    def event_subject(self) -> str | None:
        return self.serial_number
