"""Godex EZPL (G500 / G530): labels and `~S,CHECK` (answers a two-digit code).

Hangul: `ATt,…` prints with a TrueType font downloaded to slot t (default `A`); the font
style `E` makes the data UTF-8. IDs and captions use the built-in TrueType font (`AT,`).
`~S,CHECK` only answers after `^XSET,IMMEDIATE,1`, so the status request sends both.
"""

from __future__ import annotations

import re

from mes_contracts.enums import PrinterLanguage

from ..labels import LabelData, Media
from .base import MalformedStatus, PrinterState, StatusReport
from .layout import layout

CODES: dict[str, PrinterState] = {
    "00": PrinterState.READY,
    "01": PrinterState.PAPER_OUT,  # media empty or jam
    "02": PrinterState.PAPER_OUT,
    "03": PrinterState.RIBBON_OUT,
    "04": PrinterState.HEAD_OPEN,  # print head up
    "06": PrinterState.BUFFER_FULL,  # file system full
    "20": PrinterState.PAUSED,
    "50": PrinterState.READY,  # printing
    "60": PrinterState.READY,  # data in process
}
_CODE = re.compile(rb"([0-9]{2})")


class EzplDriver:
    language = PrinterLanguage.EZPL
    status_request = b"^XSET,IMMEDIATE,1\r\n~S,CHECK\r\n"

    def __init__(self, hangul_font: str = "A") -> None:
        self.hangul_font = hangul_font

    def render(self, label: LabelData, media: Media) -> bytes:
        lay = layout(label, media)
        t, p = lay.title, lay.product
        qr = lay.value.encode("ascii")
        lines = [
            f"^Q{media.height_mm},3",
            f"^W{media.width_mm}",
            "^H10",
            "^P1",
            "^S4",
            "^E18",
            "^L",
            f"AT,{t.x},{t.y},{t.size},{t.size},0,0,0,0,{t.value}",
            f"AT{self.hangul_font},{p.x},{p.y},{p.size},{p.size},0,0E,0,0,{p.value}",
            *(f"AT,{r.x},{r.y},{r.size},{r.size},0,0,0,0,{r.value}" for r in lay.rows),
            f"BQ,{lay.barcode_x},{lay.barcode_y},{lay.module},{lay.module * 2},"
            f"{lay.barcode_height},0,1,{lay.value}",
            f"W{lay.qr_x},{lay.qr_y},2,2,M,8,{lay.qr_magnification},{len(qr)},0",
            lay.value,
            "E",
        ]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")

    def reply_complete(self, buffer: bytes) -> bool:
        return _CODE.search(buffer) is not None

    def parse_status(self, reply: bytes) -> StatusReport:
        match = _CODE.search(reply)
        if match is None:
            raise MalformedStatus(f"~S,CHECK answer without a code: {reply!r}")
        code = match.group(1).decode()
        # Anything else (rewinder full, cutter jam, setting mode…) stops printing.
        return StatusReport(CODES.get(code, PrinterState.PAUSED), f"~S,CHECK {code}")


def check_code(state: PrinterState) -> bytes:
    """What a Godex printer in `state` answers to `~S,CHECK` (for the emulator)."""
    code = next((c for c, s in CODES.items() if s is state), "00")
    return code.encode() + b"\r\n"
