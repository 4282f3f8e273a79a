"""Closed vocabularies shared by events, REST DTOs and services.

All are `StrEnum`s, so a member compares equal to its wire string
(`LotStatus.CREATED == "CREATED"`) and serialises as that string.
"""

from __future__ import annotations

from enum import StrEnum

from mes_contracts.roles import Role


class LotStatus(StrEnum):
    """LOT life cycle (FR-LOT-003): CREATED → IN_PROGRESS → COMPLETED → CLOSED."""

    CREATED = "CREATED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CLOSED = "CLOSED"


#: Allowed LOT status transitions. A manager may close a LOT from any open state
#: (e.g. a LOT abandoned half-way); nothing leaves CLOSED.
LOT_TRANSITIONS: dict[LotStatus, frozenset[LotStatus]] = {
    LotStatus.CREATED: frozenset({LotStatus.IN_PROGRESS, LotStatus.CLOSED}),
    LotStatus.IN_PROGRESS: frozenset({LotStatus.COMPLETED, LotStatus.CLOSED}),
    LotStatus.COMPLETED: frozenset({LotStatus.CLOSED}),
    LotStatus.CLOSED: frozenset(),
}


def lot_transition_allowed(from_status: LotStatus | str, to_status: LotStatus | str) -> bool:
    """True if `from_status → to_status` is a legal LOT transition."""
    return LotStatus(to_status) in LOT_TRANSITIONS[LotStatus(from_status)]


class SerialStatus(StrEnum):
    """Serial (unit) status (SPEC §5)."""

    CREATED = "CREATED"
    IN_PROGRESS = "IN_PROGRESS"
    PASSED = "PASSED"
    FAILED = "FAILED"


class NcrStatus(StrEnum):
    """Non-conformance report: OPEN until a manager gives its disposition."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class Disposition(StrEnum):
    """What a manager decided for a non-conformance (issue 19)."""

    REWORK = "REWORK"  # repeat the failed step, or go back to an earlier one
    USE_AS_IS = "USE_AS_IS"  # a deviation, with a mandatory reason
    SCRAP = "SCRAP"  # units scrapped by count or by serial


class ReleaseCause(StrEnum):
    """Why a LOT's hold ended."""

    REWORK_PASSED = "REWORK_PASSED"
    USE_AS_IS = "USE_AS_IS"
    SCRAP = "SCRAP"


class ProcessStatus(StrEnum):
    """State of one routing step for one LOT."""

    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class Result(StrEnum):
    """Verdict of a process completion or of one check."""

    PASS = "PASS"  # noqa: S105 - a verdict, not a password
    FAIL = "FAIL"


class Shift(StrEnum):
    """Production shift: D = day, N = night."""

    D = "D"
    N = "N"


class ProcessLevel(StrEnum):
    """Whether a routing step is worked per LOT or per serial (unit)."""

    LOT = "LOT"
    SERIAL = "SERIAL"


class LabelType(StrEnum):
    LOT = "LOT"
    SERIAL = "SERIAL"


class SerialAllocationReason(StrEnum):
    """Why serials were allocated: the PROC-007 start, or a replacement unit."""

    PROC_007_START = "PROC-007_START"
    REPLACEMENT = "REPLACEMENT"


class FirmwareMetaStatus(StrEnum):
    """`status` of the workstation's `firmware_meta.json` (seed 002 §3.4.4)."""

    READY = "READY"
    UPLOADING = "UPLOADING"
    UPLOADED = "UPLOADED"
    ERROR = "ERROR"


class FirmwareState(StrEnum):
    """Server-side state of one firmware version."""

    UPLOADED = "UPLOADED"  # stored, not yet released
    RELEASED = "RELEASED"  # the one version handed to PROC-004 starts
    SUPERSEDED = "SUPERSEDED"  # was released, replaced by a newer release
    WITHDRAWN = "WITHDRAWN"  # rolled back; never handed out again unless re-released


class PrinterLanguage(StrEnum):
    ZPL = "ZPL"  # Zebra ZT410 / ZT230
    TSPL = "TSPL"  # TSC TTP-244 Pro / TTP-345
    EZPL = "EZPL"  # Godex G500 / G530
    ESCPOS = "ESCPOS"


class PrinterTransport(StrEnum):
    TCP = "TCP"  # raw socket, usually port 9100
    SERIAL = "SERIAL"  # RS-232 / USB-serial


class PrinterPurpose(StrEnum):
    """Which labels a printer is used for by default."""

    LOT = "LOT"
    SERIAL = "SERIAL"
    ANY = "ANY"


__all__ = [
    "LOT_TRANSITIONS",
    "Disposition",
    "FirmwareMetaStatus",
    "FirmwareState",
    "LabelType",
    "LotStatus",
    "NcrStatus",
    "PrinterLanguage",
    "PrinterPurpose",
    "PrinterTransport",
    "ProcessLevel",
    "ProcessStatus",
    "ReleaseCause",
    "Result",
    "Role",
    "SerialAllocationReason",
    "SerialStatus",
    "Shift",
    "lot_transition_allowed",
]
