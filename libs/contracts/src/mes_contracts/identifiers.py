"""Identifier formats: the one place their regular expressions live.

Patterns use `[0-9]` rather than `\\d` (which also matches non-ASCII digits) and are
anchored with `^…$`. Pydantic evaluates them with a Rust regex engine, where `$` means
end of text; in Python use `re.fullmatch` (or the `is_*` helpers), because Python's `$`
also matches before a trailing newline.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, NamedTuple

from pydantic import AfterValidator, Field, StringConstraints

from mes_contracts.limits import (
    LOT_SEQUENCE_DIGITS,
    MAX_LOT_SEQUENCE,
    MAX_SERIAL_SEQUENCE,
    SERIAL_SEQUENCE_DIGITS,
)

PRODUCT_MODEL_RE = r"^[A-Z0-9]{1,8}$"
FACTORY_CODE_RE = r"^[A-Z]{2}$"
_LOT_BODY = rf"[A-Z0-9]{{1,8}}-[A-Z]{{2}}-[0-9]{{6}}[DN]-[0-9]{{{LOT_SEQUENCE_DIGITS}}}"
LOT_NUMBER_RE = rf"^{_LOT_BODY}$"
SERIAL_RE = rf"^{_LOT_BODY}-[0-9]{{{SERIAL_SEQUENCE_DIGITS}}}$"
PROCESS_ID_RE = r"^PROC-[0-9]{3}$"
WORKER_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
PRINTER_ID_RE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
FIRMWARE_VERSION_RE = r"^v[0-9]+\.[0-9]+\.[0-9]+$"
MD5_RE = r"^[0-9a-fA-F]{32}$"
SHA256_RE = r"^[0-9a-fA-F]{64}$"
#: `{LOT}_{PROC-NNN}_{YYYYMMDDhhmmss}.json` (seed 002 §3.4.2); extension case-insensitive.
COMPLETION_FILENAME_RE = (
    rf"^(?P<lot_number>{_LOT_BODY})_(?P<process_id>PROC-[0-9]{{3}})"
    r"_(?P<timestamp>[0-9]{14})\.[Jj][Ss][Oo][Nn]$"
)

MAX_LOT_NUMBER_LENGTH = 64
MAX_WORKER_ID_LENGTH = 32

_LOT = re.compile(LOT_NUMBER_RE)
_SERIAL = re.compile(SERIAL_RE)
_VERSION = re.compile(FIRMWARE_VERSION_RE)
_PROCESS = re.compile(PROCESS_ID_RE)
_COMPLETION = re.compile(COMPLETION_FILENAME_RE)

LotNumber = Annotated[
    str,
    StringConstraints(max_length=MAX_LOT_NUMBER_LENGTH, pattern=LOT_NUMBER_RE),
    Field(description="LOT number {product}-{factory}-{YYMMDD}{D|N}-{seq:03d}"),
]
SerialNumber = Annotated[
    str,
    StringConstraints(max_length=MAX_LOT_NUMBER_LENGTH, pattern=SERIAL_RE),
    Field(description="Serial number {LOT}-{seq:04d}"),
]
NCR_NUMBER_RE = r"^NCR-\d{6}-\d{3,6}$"
NcrNumber = Annotated[
    str,
    StringConstraints(max_length=32, pattern=NCR_NUMBER_RE),
    Field(description="Non-conformance report NCR-YYMMDD-NNN (factory-local date)"),
]


def format_ncr_number(day: date, seq: int) -> str:
    """`NCR-YYMMDD-NNN`: the factory-local date of the failure and that day's sequence."""
    return f"NCR-{day:%y%m%d}-{seq:03d}"


ProcessId = Annotated[
    str,
    StringConstraints(max_length=16, pattern=PROCESS_ID_RE),
    Field(description="Routing step id, e.g. PROC-003"),
]
WorkerId = Annotated[
    str,
    StringConstraints(max_length=MAX_WORKER_ID_LENGTH, pattern=WORKER_ID_RE),
    Field(description="Shop-floor worker id, e.g. W001"),
]
PrinterId = Annotated[
    str,
    StringConstraints(max_length=64, pattern=PRINTER_ID_RE),
    Field(description="Label printer id, e.g. PRINTER-07"),
]
ProductModelCode = Annotated[
    str,
    StringConstraints(max_length=8, pattern=PRODUCT_MODEL_RE),
    Field(description="Product model code, e.g. WF"),
]
FactoryCode = Annotated[
    str,
    StringConstraints(max_length=2, pattern=FACTORY_CODE_RE),
    Field(description="Factory code, e.g. KR"),
]
FirmwareVersion = Annotated[
    str,
    StringConstraints(max_length=32, pattern=FIRMWARE_VERSION_RE),
    Field(description="Firmware version vX.Y.Z"),
]
Md5Hex = Annotated[
    str,
    StringConstraints(max_length=32, pattern=MD5_RE),
    AfterValidator(str.lower),
    Field(description="MD5 checksum, hex (stored lower-case)"),
]
Sha256Hex = Annotated[
    str,
    StringConstraints(max_length=64, pattern=SHA256_RE),
    AfterValidator(str.lower),
    Field(description="SHA-256 checksum, hex (stored lower-case)"),
]


def is_lot_number(value: str) -> bool:
    return len(value) <= MAX_LOT_NUMBER_LENGTH and _LOT.fullmatch(value) is not None


def is_serial_number(value: str) -> bool:
    return len(value) <= MAX_LOT_NUMBER_LENGTH and _SERIAL.fullmatch(value) is not None


def is_firmware_version(value: str) -> bool:
    return len(value) <= 32 and _VERSION.fullmatch(value) is not None


def is_process_id(value: str) -> bool:
    return _PROCESS.fullmatch(value) is not None


def format_lot_number(
    product_model: str, factory: str, production_date: date, shift: str, sequence: int
) -> str:
    """`WF-KR-251110D-001` from its parts (SPEC §4); raises ValueError if out of range."""
    if not 1 <= sequence <= MAX_LOT_SEQUENCE:
        raise ValueError(f"LOT sequence {sequence} outside 1..{MAX_LOT_SEQUENCE}")
    seq = f"{sequence:0{LOT_SEQUENCE_DIGITS}d}"
    lot = f"{product_model}-{factory}-{production_date:%y%m%d}{shift}-{seq}"
    if not is_lot_number(lot):
        raise ValueError(f"not a valid LOT number: {lot!r}")
    return lot


def format_serial_number(lot_number: str, sequence: int) -> str:
    """`WF-KR-251110D-001-0001` (SPEC §5); raises ValueError if out of range."""
    if not 1 <= sequence <= MAX_SERIAL_SEQUENCE:
        raise ValueError(f"serial sequence {sequence} outside 1..{MAX_SERIAL_SEQUENCE}")
    serial = f"{lot_number}-{sequence:0{SERIAL_SEQUENCE_DIGITS}d}"
    if not is_serial_number(serial):
        raise ValueError(f"not a valid serial number: {serial!r}")
    return serial


class LotNumberParts(NamedTuple):
    product_model: str
    factory: str
    production_date: date
    shift: str
    sequence: int


def parse_lot_number(value: str) -> LotNumberParts:
    """Split a LOT number; raises ValueError if malformed or its date is impossible."""
    if not is_lot_number(value):
        raise ValueError(f"not a valid LOT number: {value!r}")
    product, factory, day_shift, seq = value.split("-")
    day = datetime.strptime(day_shift[:6], "%y%m%d").date()
    return LotNumberParts(product, factory, day, day_shift[6], int(seq))


def serial_lot_number(serial_number: str) -> str:
    """The LOT part of a serial number."""
    if not is_serial_number(serial_number):
        raise ValueError(f"not a valid serial number: {serial_number!r}")
    return serial_number.rsplit("-", 1)[0]


class CompletionFileName(NamedTuple):
    lot_number: str
    process_id: str
    timestamp: datetime  # naive: the station's local wall-clock time


def parse_completion_filename(name: str) -> CompletionFileName:
    """Parse `{LOT}_{PROC-NNN}_{YYYYMMDDhhmmss}.json`; raises ValueError if it is not one."""
    match = _COMPLETION.fullmatch(name)
    if match is None:
        raise ValueError(
            f"not a completion file name ({{LOT}}_{{PROC}}_{{YYYYMMDDhhmmss}}.json): {name!r}"
        )
    stamp = datetime.strptime(match["timestamp"], "%Y%m%d%H%M%S")
    return CompletionFileName(match["lot_number"], match["process_id"], stamp)


def firmware_filename(version: str) -> str:
    """`firmware_v1.2.3.bin` — the name used in downloads and on the workstation."""
    return f"firmware_{version}.bin"


def firmware_download_path(version: str) -> str:
    """Gateway path of the download endpoint (SPEC §9)."""
    return f"/api/v1/firmware/download/{version}"
