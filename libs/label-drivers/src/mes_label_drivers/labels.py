"""What a label shows, independent of the printer language (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from mes_contracts.enums import LabelType
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.identifiers import is_lot_number, is_serial_number, serial_lot_number
from mes_contracts.limits import MAX_TARGET_QUANTITY

# Characters that are command prefixes or delimiters in ZPL (^ ~), TSPL/EZPL (" , \) or
# control codes: refused in free text so that data can never become a printer command.
_UNSAFE = re.compile(r'[\^~"\\\x00-\x1f\x7f]')
# Invisible or unassigned code points (format controls such as bidi overrides, surrogates,
# private use, line/paragraph separators): never printable, whatever a font claims.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
#: Code points the label font draws (see `preview.font_charset`).
Charset = frozenset[int]


@dataclass(frozen=True)
class LabelData:
    label_type: LabelType
    lot_number: str
    product: str
    created_date: date
    serial_number: str | None = None
    target_quantity: int | None = None

    @property
    def barcode(self) -> str:
        """What the Code 128 and QR symbols encode: the serial, or the LOT number."""
        return self.serial_number or self.lot_number

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["label_type"] = self.label_type.value
        data["created_date"] = self.created_date.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabelData:
        return cls(
            label_type=LabelType(data["label_type"]),
            lot_number=data["lot_number"],
            product=data["product"],
            created_date=date.fromisoformat(data["created_date"]),
            serial_number=data.get("serial_number"),
            target_quantity=data.get("target_quantity"),
        )


def invalid(field: str, problem: str, **extra: Any) -> MesError:
    return MesError(
        ErrorCode.INVALID_LABEL_DATA,
        data={"field": field, "problem": problem, **extra},
        detail=f"{field}: {problem}",
    )


def storable(value: Any) -> Any:
    """A text as PostgreSQL stores it (no NUL, no lone surrogate), to keep refused label
    data visible on its failed job; other values unchanged."""
    if not isinstance(value, str):
        return value
    return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\ufffd")


def unprintable(text: str, charset: Charset) -> list[str]:
    """Characters of `text` no label can show: outside the label font, or invisible."""
    bad = {c for c in text if ord(c) not in charset or unicodedata.category(c) in _INVISIBLE}
    return sorted(bad)


def validate(label: LabelData, charset: Charset) -> LabelData:
    """Raise INVALID_LABEL_DATA unless every field is printable in every language. The one
    check of label data: print and reprint requests, previews and event-driven jobs (and
    every render) go through it, so what the preview refuses never reaches a printer.
    `charset` is the label font's (the font the preview draws with)."""
    if not is_lot_number(label.lot_number):
        raise invalid("lot_number", "not a LOT number", value=label.lot_number)
    if not label.product.strip() or len(label.product) > 64:
        raise invalid("product_model", "1 to 64 characters")
    if _UNSAFE.search(label.product):
        raise invalid("product_model", 'contains a printer control character (^ ~ " \\)')
    if missing := unprintable(label.product, charset):
        raise invalid(
            "product_model",
            "characters no label font can print",
            characters=[f"U+{ord(c):04X}" for c in missing][:20],
        )
    if label.label_type is LabelType.SERIAL:
        if not label.serial_number or not is_serial_number(label.serial_number):
            raise invalid("serial_number", "not a serial number", value=label.serial_number)
        if serial_lot_number(label.serial_number) != label.lot_number:
            raise invalid("serial_number", "does not belong to the LOT", value=label.serial_number)
    elif label.target_quantity is None or not 1 <= label.target_quantity <= MAX_TARGET_QUANTITY:
        raise invalid("target_quantity", f"1 to {MAX_TARGET_QUANTITY}")
    return label


@dataclass(frozen=True)
class Media:
    """Printer resolution and label size; positions are computed in dots from these."""

    dpi: int = 203
    width_mm: int = 100
    height_mm: int = 50

    def dots(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    @property
    def width(self) -> int:
        return self.dots(self.width_mm)

    @property
    def height(self) -> int:
        return self.dots(self.height_mm)


def text_lines(label: LabelData) -> list[tuple[str, str]]:
    """(caption, value) rows under the title and product, the same in every language.
    The title is the barcode value (serial or LOT number)."""
    if label.label_type is LabelType.SERIAL:
        return [("LOT", label.lot_number), ("DATE", label.created_date.isoformat())]
    return [("DATE", label.created_date.isoformat()), ("QTY", str(label.target_quantity))]
