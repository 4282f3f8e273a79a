"""What every printer driver provides: label bytes, a status query and its parser."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from mes_contracts.enums import PrinterLanguage
from mes_contracts.errors import ErrorCode

from ..labels import LabelData, Media


class PrinterState(StrEnum):
    READY = "ready"
    PAPER_OUT = "paper_out"
    HEAD_OPEN = "head_open"
    RIBBON_OUT = "ribbon_out"
    PAUSED = "paused"
    BUFFER_FULL = "buffer_full"
    NOT_RESPONDING = "not_responding"  # connected, but no (valid) status answer in time
    NOT_CONNECTED = "not_connected"  # nothing listening / cable or power off


STATE_ERRORS: dict[PrinterState, ErrorCode] = {
    PrinterState.PAPER_OUT: ErrorCode.PRINTER_OUT_OF_PAPER,
    PrinterState.HEAD_OPEN: ErrorCode.PRINTER_HEAD_OPEN,
    PrinterState.RIBBON_OUT: ErrorCode.PRINTER_RIBBON_OUT,
    PrinterState.PAUSED: ErrorCode.PRINTER_PAUSED,
    PrinterState.BUFFER_FULL: ErrorCode.PRINTER_BUFFER_FULL,
    PrinterState.NOT_RESPONDING: ErrorCode.PRINTER_NOT_RESPONDING,
    PrinterState.NOT_CONNECTED: ErrorCode.PRINTER_NOT_CONNECTED,
}


@dataclass(frozen=True)
class StatusReport:
    state: PrinterState
    detail: str = ""


class MalformedStatus(ValueError):
    """The printer answered, but not in its language's status format."""


class Driver(Protocol):
    language: PrinterLanguage
    #: Bytes that ask the printer for its status.
    status_request: bytes

    def render(self, label: LabelData, media: Media) -> bytes:
        """The complete print job for one label (pure)."""
        ...

    def reply_complete(self, buffer: bytes) -> bool:
        """True once `buffer` holds the whole status answer."""
        ...

    def parse_status(self, reply: bytes) -> StatusReport:
        """The state in `reply`; raises MalformedStatus."""
        ...


def scaled(media: Media, dots_at_203: int) -> int:
    """A layout distance designed at 203 dpi, at the printer's resolution."""
    return round(dots_at_203 * media.dpi / 203)
