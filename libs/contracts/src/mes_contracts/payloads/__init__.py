"""Event payload models, one module per producing domain."""

from mes_contracts.payloads._base import EventPayload
from mes_contracts.payloads.admin import (
    PrinterRegistered,
    PrinterUpdated,
    UserCreated,
    UserDeactivated,
    UserUpdated,
)
from mes_contracts.payloads.alert import (
    AlertAcknowledged,
    AlertRaised,
    AlertResolved,
    PrinterStatusChanged,
)
from mes_contracts.payloads.firmware import (
    FirmwareDownloaded,
    FirmwareReleased,
    FirmwareRolledBack,
    FirmwareUploaded,
)
from mes_contracts.payloads.label import (
    FailedLabel,
    LabelFailed,
    LabelFailedV1,
    LabelPrinted,
    LabelsFailed,
    LabelsPrinted,
    PrintedLabel,
)
from mes_contracts.payloads.lot import (
    AllocatedSerial,
    LotCreated,
    LotStatusChanged,
    SerialsAllocated,
    SerialsStatusChanged,
    SerialStatusChange,
    SerialStatusChanged,
)
from mes_contracts.payloads.process import (
    ProcessCompleted,
    ProcessStarted,
    RoutingStepInfo,
    RoutingUpdated,
)

#: Every payload model, in catalogue order; the retired per-unit types last (ADR 0012).
ALL_PAYLOADS: tuple[type[EventPayload], ...] = (
    LotCreated,
    LotStatusChanged,
    SerialsAllocated,
    SerialsStatusChanged,
    ProcessStarted,
    ProcessCompleted,
    RoutingUpdated,
    LabelsPrinted,
    LabelsFailed,
    FirmwareUploaded,
    FirmwareReleased,
    FirmwareRolledBack,
    FirmwareDownloaded,
    UserCreated,
    UserUpdated,
    UserDeactivated,
    PrinterRegistered,
    PrinterUpdated,
    PrinterStatusChanged,
    AlertRaised,
    AlertAcknowledged,
    AlertResolved,
    SerialStatusChanged,
    LabelPrinted,
    LabelFailedV1,
    LabelFailed,
)

__all__ = [
    "ALL_PAYLOADS",
    "AlertAcknowledged",
    "AlertRaised",
    "AlertResolved",
    "AllocatedSerial",
    "EventPayload",
    "FailedLabel",
    "FirmwareDownloaded",
    "FirmwareReleased",
    "FirmwareRolledBack",
    "FirmwareUploaded",
    "LabelFailed",
    "LabelFailedV1",
    "LabelPrinted",
    "LabelsFailed",
    "LabelsPrinted",
    "LotCreated",
    "LotStatusChanged",
    "PrintedLabel",
    "PrinterRegistered",
    "PrinterStatusChanged",
    "PrinterUpdated",
    "ProcessCompleted",
    "ProcessStarted",
    "RoutingStepInfo",
    "RoutingUpdated",
    "SerialStatusChange",
    "SerialStatusChanged",
    "SerialsAllocated",
    "SerialsStatusChanged",
    "UserCreated",
    "UserDeactivated",
    "UserUpdated",
]
