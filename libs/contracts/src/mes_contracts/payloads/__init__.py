"""Event payload models, one module per producing domain."""

from mes_contracts.payloads._base import EventPayload
from mes_contracts.payloads.admin import (
    PrinterRegistered,
    PrinterUpdated,
    UserCreated,
    UserDeactivated,
    UserUpdated,
)
from mes_contracts.payloads.firmware import (
    FirmwareDownloaded,
    FirmwareReleased,
    FirmwareRolledBack,
    FirmwareUploaded,
)
from mes_contracts.payloads.label import LabelFailed, LabelFailedV1, LabelPrinted
from mes_contracts.payloads.lot import (
    AllocatedSerial,
    LotCreated,
    LotStatusChanged,
    SerialsAllocated,
    SerialStatusChanged,
)
from mes_contracts.payloads.process import (
    ProcessCompleted,
    ProcessStarted,
    RoutingStepInfo,
    RoutingUpdated,
)

#: Every payload model, in catalogue order.
ALL_PAYLOADS: tuple[type[EventPayload], ...] = (
    LotCreated,
    LotStatusChanged,
    SerialsAllocated,
    SerialStatusChanged,
    ProcessStarted,
    ProcessCompleted,
    RoutingUpdated,
    LabelPrinted,
    LabelFailedV1,
    LabelFailed,
    FirmwareUploaded,
    FirmwareReleased,
    FirmwareRolledBack,
    FirmwareDownloaded,
    UserCreated,
    UserUpdated,
    UserDeactivated,
    PrinterRegistered,
    PrinterUpdated,
)

__all__ = [
    "ALL_PAYLOADS",
    "AllocatedSerial",
    "EventPayload",
    "FirmwareDownloaded",
    "FirmwareReleased",
    "FirmwareRolledBack",
    "FirmwareUploaded",
    "LabelFailed",
    "LabelFailedV1",
    "LabelPrinted",
    "LotCreated",
    "LotStatusChanged",
    "PrinterRegistered",
    "PrinterUpdated",
    "ProcessCompleted",
    "ProcessStarted",
    "RoutingStepInfo",
    "RoutingUpdated",
    "SerialStatusChanged",
    "SerialsAllocated",
    "UserCreated",
    "UserDeactivated",
    "UserUpdated",
]
