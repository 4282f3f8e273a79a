"""REST DTOs (SPEC §6–§9). Identifier regexes live in `mes_contracts.identifiers` and are
re-exported here."""

from mes_contracts.api.admin import (
    LoginRequest,
    LogoutRequest,
    ReanchorRequest,
    RefreshRequest,
    UserCreate,
    UserUpdate,
)
from mes_contracts.api.common import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page
from mes_contracts.api.firmware import (
    FirmwareMeta,
    FirmwareRead,
    FirmwareReleaseRequest,
    FirmwareRollbackRequest,
)
from mes_contracts.api.label import (
    JobResult,
    LabelPrintRequest,
    LotLabelRequest,
    ReprintRequest,
    SerialLabelRequest,
)
from mes_contracts.api.lot import (
    DEFAULT_TARGET_QUANTITY,
    MAX_TARGET_QUANTITY,
    LotCloseData,
    LotCloseRequest,
    LotCreateRequest,
    LotProcessRead,
    LotRead,
    LotSerials,
    LotStatusHistoryEntry,
    ProductModelRead,
    SerialRead,
    SerialReplacementRequest,
    SerialStatusChangeRequest,
)
from mes_contracts.api.ncr import NcrDispositionRequest, NcrRead
from mes_contracts.api.printers import PrinterBody, PrinterPatch
from mes_contracts.api.process import (
    FirmwareInfo,
    LotProcessHistory,
    ProcessCompleteData,
    ProcessCompleteRequest,
    ProcessStartData,
    ProcessStartRequest,
    RoutingStepRead,
)
from mes_contracts.errors import ErrorBody, SuccessBody
from mes_contracts.identifiers import (
    COMPLETION_FILENAME_RE,
    FIRMWARE_VERSION_RE,
    LOT_NUMBER_RE,
    PROCESS_ID_RE,
    SERIAL_RE,
    WORKER_ID_RE,
)

__all__ = [
    "COMPLETION_FILENAME_RE",
    "DEFAULT_PAGE_LIMIT",
    "DEFAULT_TARGET_QUANTITY",
    "FIRMWARE_VERSION_RE",
    "LOT_NUMBER_RE",
    "MAX_PAGE_LIMIT",
    "MAX_TARGET_QUANTITY",
    "PROCESS_ID_RE",
    "SERIAL_RE",
    "WORKER_ID_RE",
    "ErrorBody",
    "FirmwareInfo",
    "FirmwareMeta",
    "FirmwareRead",
    "FirmwareReleaseRequest",
    "FirmwareRollbackRequest",
    "JobResult",
    "LabelPrintRequest",
    "LoginRequest",
    "LogoutRequest",
    "LotCloseData",
    "LotCloseRequest",
    "LotCreateRequest",
    "LotLabelRequest",
    "LotProcessHistory",
    "LotProcessRead",
    "LotRead",
    "LotSerials",
    "LotStatusHistoryEntry",
    "NcrDispositionRequest",
    "NcrRead",
    "Page",
    "PrinterBody",
    "PrinterPatch",
    "ProcessCompleteData",
    "ProcessCompleteRequest",
    "ProcessStartData",
    "ProcessStartRequest",
    "ProductModelRead",
    "ReanchorRequest",
    "RefreshRequest",
    "ReprintRequest",
    "RoutingStepRead",
    "SerialLabelRequest",
    "SerialRead",
    "SerialReplacementRequest",
    "SerialStatusChangeRequest",
    "SuccessBody",
    "UserCreate",
    "UserUpdate",
]
