"""Zebra ZPL II (ZT410 / ZT230): labels and the `~HS` host status.

Hangul: `^CI28` switches field data to UTF-8 and `^CWJ,<font>` maps font letter J to a
TrueType font held by the printer (default `E:NANUMGOTHIC.TTF`, downloaded once with
Zebra Setup Utilities or `~DY`); the product name is printed with `^AJN`. IDs and captions
are ASCII in the resident scalable font 0, so they print even without the Hangul font.
"""

from __future__ import annotations

from mes_contracts.enums import PrinterLanguage

from ..labels import LabelData, Media
from .base import MalformedStatus, PrinterState, StatusReport
from .layout import layout

STX, ETX = b"\x02", b"\x03"


class ZplDriver:
    language = PrinterLanguage.ZPL
    status_request = b"~HS"

    def __init__(self, hangul_font: str = "E:NANUMGOTHIC.TTF") -> None:
        self.hangul_font = hangul_font

    def render(self, label: LabelData, media: Media) -> bytes:
        lay = layout(label, media)
        t, p = lay.title, lay.product
        lines = [
            "^XA",
            "^CI28",
            f"^CWJ,{self.hangul_font}",
            f"^PW{media.width}",
            f"^LL{media.height}",
            "^LH0,0",
            f"^FO{t.x},{t.y}^A0N,{t.size},{t.size}^FD{t.value}^FS",
            f"^FO{p.x},{p.y}^AJN,{p.size},{p.size}^FD{p.value}^FS",
            *(f"^FO{r.x},{r.y}^A0N,{r.size},{r.size}^FD{r.value}^FS" for r in lay.rows),
            f"^FO{lay.barcode_x},{lay.barcode_y}^BY{lay.module}"
            f"^BCN,{lay.barcode_height},Y,N,N^FD{lay.value}^FS",
            f"^FO{lay.qr_x},{lay.qr_y}^BQN,2,{lay.qr_magnification}^FDMA,{lay.value}^FS",
            "^XZ",
        ]
        return ("\n".join(lines) + "\n").encode("utf-8")

    def reply_complete(self, buffer: bytes) -> bool:
        return buffer.count(ETX) >= 3

    def parse_status(self, reply: bytes) -> StatusReport:
        strings = parse_host_status(reply)
        s1, s2 = strings[0], strings[1]
        flags = {
            PrinterState.PAPER_OUT: s1[1],
            PrinterState.HEAD_OPEN: s2[2],
            PrinterState.RIBBON_OUT: s2[3],
            PrinterState.BUFFER_FULL: s1[5],
            PrinterState.PAUSED: s1[2],
        }
        for state, flag in flags.items():  # most actionable first
            if flag == "1":
                return StatusReport(state, f"~HS {','.join(s1)} / {','.join(s2)}")
        return StatusReport(PrinterState.READY)


def parse_host_status(reply: bytes) -> list[list[str]]:
    """The three `~HS` strings (STX … ETX CR LF each), split into their fields."""
    strings: list[list[str]] = []
    for chunk in reply.split(ETX)[:3]:
        start = chunk.rfind(STX)
        if start < 0:
            raise MalformedStatus(f"~HS string without STX: {chunk!r}")
        strings.append(chunk[start + 1 :].decode("ascii", "replace").split(","))
    if len(strings) < 3 or len(strings[0]) < 12 or len(strings[1]) < 11:
        raise MalformedStatus(f"~HS answer too short: {reply!r}")
    return strings


def host_status_answer(
    *,
    paper_out: bool = False,
    paused: bool = False,
    head_up: bool = False,
    ribbon_out: bool = False,
    buffer_full: bool = False,
) -> bytes:
    """A ZT-series `~HS` answer with these flags (what the emulator sends)."""
    formats = 12 if buffer_full else 0
    s1 = f"030,{paper_out:d},{paused:d},1245,{formats:03d},{buffer_full:d},0,0,000,0,0,0"
    s2 = f"000,0,{head_up:d},{ribbon_out:d},1,2,6,0,00000000,1,000"
    s3 = "1234,0"
    return b"".join(STX + s.encode() + ETX + b"\r\n" for s in (s1, s2, s3))
