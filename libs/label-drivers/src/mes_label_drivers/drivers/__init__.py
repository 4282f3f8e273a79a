"""Printer drivers: pure functions from label data to bytes and from answers to states."""

from __future__ import annotations

from mes_contracts.enums import PrinterLanguage

from .base import (
    STATE_ERRORS,
    Driver,
    MalformedStatus,
    PrinterState,
    StatusReport,
)
from .escpos import EscPosDriver
from .ezpl import EzplDriver
from .tspl import TsplDriver
from .zpl import ZplDriver

_DRIVERS = {
    PrinterLanguage.ZPL: ZplDriver,
    PrinterLanguage.TSPL: TsplDriver,
    PrinterLanguage.EZPL: EzplDriver,
    PrinterLanguage.ESCPOS: EscPosDriver,
}


def driver_for(
    language: PrinterLanguage | str, hangul_fonts: dict[str, str] | None = None
) -> Driver:
    """The driver of `language`, with the Hangul font name configured for it."""
    lang = PrinterLanguage(language)
    font = (hangul_fonts or {}).get(lang.value)
    return _DRIVERS[lang](font) if font else _DRIVERS[lang]()


__all__ = [
    "STATE_ERRORS",
    "Driver",
    "EscPosDriver",
    "EzplDriver",
    "MalformedStatus",
    "PrinterState",
    "StatusReport",
    "TsplDriver",
    "ZplDriver",
    "driver_for",
]
