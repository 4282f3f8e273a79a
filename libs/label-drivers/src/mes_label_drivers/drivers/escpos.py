"""ESC/POS (receipt-style printers used for labels): text, Code 128, QR and `DLE EOT n`.

ESC/POS has no page layout: the label is printed line by line, then cut. Hangul: Korean
models print KS X 1001 double-byte text in "Kanji" mode (`FS &` … `FS .`) with the
bytes in CP949; a character CP949 cannot encode is refused as INVALID_LABEL_DATA.
"""

from __future__ import annotations

from mes_contracts.enums import PrinterLanguage

from ..labels import LabelData, Media, invalid, text_lines
from .base import MalformedStatus, PrinterState, StatusReport

ESC, GS, FS, DLE, EOT, LF = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04", b"\n"


def _qr(value: bytes) -> bytes:
    def fn(*body: int, data: bytes = b"") -> bytes:
        size = len(body) + len(data)
        return GS + b"(k" + bytes([size % 256, size // 256, *body]) + data

    return (
        fn(49, 65, 50, 0)  # model 2
        + fn(49, 67, 6)  # module size 6
        + fn(49, 69, 49)  # error correction M
        + fn(49, 80, 48, data=value)  # store the data
        + fn(49, 81, 48)  # print it
    )


def _text(value: str) -> bytes:
    if value.isascii():
        return value.encode("ascii")
    try:
        encoded = value.encode("cp949")
    except UnicodeEncodeError as exc:
        raise invalid("product_model", "not printable in KS X 1001 (CP949)") from exc
    return FS + b"&" + encoded + FS + b"."


class EscPosDriver:
    language = PrinterLanguage.ESCPOS
    # Real-time status: printer (1), offline cause (2), roll paper sensor (4).
    status_request = DLE + EOT + b"\x01" + DLE + EOT + b"\x02" + DLE + EOT + b"\x04"

    def __init__(self, hangul_font: str = "") -> None:
        self.hangul_font = hangul_font  # ESC/POS Korean models carry the font themselves

    def render(self, label: LabelData, media: Media) -> bytes:
        value = label.barcode.encode("ascii")
        out = [
            ESC + b"@",  # initialise
            GS + b"!\x11" + label.barcode.encode("ascii") + GS + b"!\x00" + LF,
            _text(label.product) + LF,
            *(f"{caption}: {text}".encode("ascii") + LF for caption, text in text_lines(label)),
            GS + b"h" + bytes([80]) + GS + b"w\x02" + GS + b"H\x02",  # height, width, HRI below
            GS + b"k" + bytes([73, len(value) + 2]) + b"{B" + value + LF,  # Code 128, set B
            _qr(value) + LF,
            LF * 3 + GS + b"V" + bytes([66, 0]),  # feed and cut
        ]
        return b"".join(out)

    def reply_complete(self, buffer: bytes) -> bool:
        return len(buffer) >= 3

    def parse_status(self, reply: bytes) -> StatusReport:
        if len(reply) != 3 or any(b & 0x93 != 0x12 for b in reply):
            raise MalformedStatus(f"DLE EOT answers three status bytes, got {reply!r}")
        printer, offline, paper = reply
        detail = f"DLE EOT 1/2/4 = {reply.hex(' ')}"
        if paper & 0x60 or offline & 0x20:
            return StatusReport(PrinterState.PAPER_OUT, detail)
        if offline & 0x04:
            return StatusReport(PrinterState.HEAD_OPEN, detail)  # cover open
        if offline & 0x40 or printer & 0x08:
            return StatusReport(PrinterState.PAUSED, detail)  # error or offline
        return StatusReport(PrinterState.READY)


def status_bytes(state: PrinterState) -> bytes:
    """What an ESC/POS printer in `state` answers to the three DLE EOT queries."""
    printer, offline, paper = 0x12, 0x12, 0x12
    if state is PrinterState.PAPER_OUT:
        printer, offline, paper = 0x1A, 0x32, 0x72
    elif state is PrinterState.HEAD_OPEN:
        printer, offline = 0x1A, 0x16
    elif state is not PrinterState.READY:
        printer, offline = 0x1A, 0x52
    return bytes([printer, offline, paper])
