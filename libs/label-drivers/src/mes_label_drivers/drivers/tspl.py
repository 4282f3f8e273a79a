"""TSC TSPL/TSPL2 (TTP-244 Pro / TTP-345): labels and the `<ESC>!?` status byte.

Hangul: `CODEPAGE UTF-8` plus a TrueType font stored in the printer (default
`NANUMGOTHIC.TTF`, downloaded with TSC's Diagnostic Tool); for TrueType fonts TEXT's
multipliers are point sizes. IDs and captions use the resident font "3".
"""

from __future__ import annotations

from mes_contracts.enums import PrinterLanguage

from ..labels import LabelData, Media
from .base import MalformedStatus, PrinterState, StatusReport
from .layout import layout

# <ESC>!? answers one byte; bit → condition (TSPL2 programming manual).
_BITS = [
    (0x04, PrinterState.PAPER_OUT),  # out of paper
    (0x02, PrinterState.PAPER_OUT),  # paper jam
    (0x01, PrinterState.HEAD_OPEN),  # head opened
    (0x40, PrinterState.HEAD_OPEN),  # cover opened
    (0x08, PrinterState.RIBBON_OUT),
    (0x10, PrinterState.PAUSED),
    (0x80, PrinterState.PAUSED),  # other error: the printer will not print
]


class TsplDriver:
    language = PrinterLanguage.TSPL
    status_request = b"\x1b!?"

    def __init__(self, hangul_font: str = "NANUMGOTHIC.TTF") -> None:
        self.hangul_font = hangul_font

    def render(self, label: LabelData, media: Media) -> bytes:
        lay = layout(label, media)
        t, p = lay.title, lay.product
        points = max(6, round(p.size * 72 / media.dpi))
        lines = [
            f"SIZE {media.width_mm} mm,{media.height_mm} mm",
            "GAP 3 mm,0 mm",
            "DIRECTION 1",
            "CODEPAGE UTF-8",
            "CLS",
            f'TEXT {t.x},{t.y},"3",0,1,1,"{t.value}"',
            f'TEXT {p.x},{p.y},"{self.hangul_font}",0,{points},{points},"{p.value}"',
            *(f'TEXT {r.x},{r.y},"2",0,1,1,"{r.value}"' for r in lay.rows),
            f'BARCODE {lay.barcode_x},{lay.barcode_y},"128",{lay.barcode_height},1,0,'
            f'{lay.module},{lay.module},"{lay.value}"',
            f'QRCODE {lay.qr_x},{lay.qr_y},M,{lay.qr_magnification},A,0,"{lay.value}"',
            "PRINT 1,1",
        ]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")

    def reply_complete(self, buffer: bytes) -> bool:
        return len(buffer) >= 1

    def parse_status(self, reply: bytes) -> StatusReport:
        if len(reply) != 1:
            raise MalformedStatus(f"<ESC>!? answers one byte, got {reply!r}")
        byte = reply[0]
        for bit, state in _BITS:
            if byte & bit:
                return StatusReport(state, f"status byte 0x{byte:02X}")
        return StatusReport(PrinterState.READY)  # 0x00 idle, 0x20 printing


def status_byte(state: PrinterState) -> bytes:
    """What a TSPL printer in `state` answers to `<ESC>!?` (for the emulator)."""
    for bit, s in _BITS:
        if s is state:
            return bytes([bit])
    return b"\x00"
