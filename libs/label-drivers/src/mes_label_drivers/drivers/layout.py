"""One label layout shared by the page languages (ZPL, TSPL, EZPL), in printer dots.

Designed for 203 dpi and scaled to the printer's resolution: title (the serial or LOT
number), the product name in the Hangul-capable font, caption rows, a Code 128 barcode
along the bottom and a QR code in the top-right corner.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..labels import LabelData, Media, text_lines
from .base import scaled


@dataclass(frozen=True)
class Text:
    x: int
    y: int
    size: int  # character height (and width) in dots
    value: str


@dataclass(frozen=True)
class Layout:
    title: Text
    product: Text
    rows: list[Text]
    barcode_x: int
    barcode_y: int
    barcode_height: int
    module: int  # narrow bar width in dots
    qr_x: int
    qr_y: int
    qr_magnification: int
    value: str  # what both symbols encode


def layout(label: LabelData, media: Media) -> Layout:
    def d(v: int) -> int:
        return scaled(media, v)

    margin = d(24)
    rows = [
        Text(margin, d(118 + 34 * i), d(26), f"{caption}: {value}")
        for i, (caption, value) in enumerate(text_lines(label))
    ]
    qr_mag = max(1, d(4))
    return Layout(
        title=Text(margin, margin, d(40), label.barcode),
        product=Text(margin, d(76), d(32), label.product),
        rows=rows,
        barcode_x=margin,
        barcode_y=d(230),
        barcode_height=d(100),
        module=max(1, d(2)),
        qr_x=media.width - margin - 29 * qr_mag,  # version 2-3 symbol plus quiet zone
        qr_y=margin,
        qr_magnification=qr_mag,
        value=label.barcode,
    )
