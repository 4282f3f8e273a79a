"""PNG preview of a label, rendered offline with zplkit from the label's ZPL form.

zplkit has no Hangul glyphs and needs every `^CW` font it meets, so the preview prepends
a `~DY` download of the printer font name with a TrueType subset of a Hangul font made
for exactly the characters on the label (fontTools; CFF outlines are converted to the
quadratic TrueType outlines zplkit reads). Default font: Noto Sans KR (SIL OFL) from
`pylopdf-fonts-ko`; `MES_LABEL_PREVIEW_FONT` points at another TTF/OTF.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import zplkit
import zplkit.rendering
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable
from mes_label_drivers.drivers.zpl import ZplDriver
from mes_label_drivers.labels import Charset, LabelData, Media

_LIMITS = zplkit.rendering.Limits(input_bytes=8 << 20, font_bytes=8 << 20)


def default_font() -> Path:
    import pylopdf_fonts_ko

    return pylopdf_fonts_ko.sans_path()


@lru_cache(maxsize=4)
def font_charset(path: str | None = None) -> Charset:
    """Every code point the label font has a glyph for: what `labels.validate` accepts in
    free text (`None` = the bundled Noto Sans KR). The preview draws with this font, so a
    label that passes validation also previews."""
    font = TTFont(path or str(default_font()), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def _to_truetype(font: TTFont) -> None:
    """Replace CFF outlines by quadratic `glyf` outlines (fontTools' otf2ttf recipe)."""
    glyph_set, order = font.getGlyphSet(), font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion, maxp.numGlyphs, maxp.maxZones = 0x00010000, len(order), 1
    for attr in [
        "maxPoints",
        "maxContours",
        "maxCompositePoints",
        "maxCompositeContours",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ]:
        setattr(maxp, attr, 0)
    for table in ("CFF ", "VORG"):
        if table in font:
            del font[table]
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


@lru_cache(maxsize=256)
def font_subset(path: str, text: str) -> bytes:
    """A small TrueType font holding just `text`'s characters."""
    font = TTFont(path, lazy=True)
    options = subset.Options(notdef_outline=True, layout_features=[], hinting=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if "CFF " in font:
        _to_truetype(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_download(printer_font: str, ttf: bytes) -> bytes:
    """`~DY` that stores `ttf` under the printer font name (e.g. E:NANUMGOTHIC.TTF)."""
    device, _, name = printer_font.partition(":")
    stem = name.rsplit(".", 1)[0]
    return f"~DY{device}:{stem},A,T,{len(ttf)},,".encode() + ttf.hex().upper().encode() + b"\n"


@lru_cache(maxsize=256)
def _render(zpl: bytes, font: bytes, dpi: int) -> bytes:
    document = zplkit.render(font + zpl, zplkit.Options(dpi=dpi), limits=_LIMITS)
    return document.labels[0].png()


def render_png(
    label: LabelData, media: Media, printer_font: str, font_path: Path | None = None
) -> bytes:
    """PNG of the label as a ZPL printer of this resolution and size would print it."""
    zpl = ZplDriver(printer_font).render(label, media)
    text = "".join(sorted(set(label.product + " 0123456789")))
    ttf = font_subset(str(font_path or default_font()), text)
    return _render(zpl, font_download(printer_font, ttf), media.dpi)
