"""Drivers are pure: label bytes and status answers, checked byte for byte."""

from __future__ import annotations

from datetime import date

import pytest
from label_service.emulator import EmulatedPrinter
from label_service.preview import font_charset
from mes_contracts.enums import LabelType
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.reference_data import reference_data_dir
from mes_label_drivers.drivers import PrinterState, driver_for
from mes_label_drivers.drivers.zpl import host_status_answer
from mes_label_drivers.labels import LabelData, Media, storable, unprintable, validate

pytestmark = pytest.mark.unit

SERIAL = LabelData(
    LabelType.SERIAL, "WF-KR-251110D-001", "Withforce", date(2025, 1, 10), "WF-KR-251110D-001-0001"
)
LOT = LabelData(
    LabelType.LOT, "WF-KR-251110D-001", "Withforce", date(2025, 1, 10), target_quantity=100
)

GOLDEN_SERIAL_ZPL = (
    "^XA\n"
    "^CI28\n"
    "^CWJ,E:NANUMGOTHIC.TTF\n"
    "^PW799\n"
    "^LL400\n"
    "^LH0,0\n"
    "^FO24,24^A0N,40,40^FDWF-KR-251110D-001-0001^FS\n"
    "^FO24,76^AJN,32,32^FDWithforce^FS\n"
    "^FO24,118^A0N,26,26^FDLOT: WF-KR-251110D-001^FS\n"
    "^FO24,152^A0N,26,26^FDDATE: 2025-01-10^FS\n"
    "^FO24,230^BY2^BCN,100,Y,N,N^FDWF-KR-251110D-001-0001^FS\n"
    "^FO659,24^BQN,2,4^FDMA,WF-KR-251110D-001-0001^FS\n"
    "^XZ\n"
)

REFERENCE = {
    "ready": PrinterState.READY,
    "paper-out": PrinterState.PAPER_OUT,
    "head-open": PrinterState.HEAD_OPEN,
    "ribbon-out": PrinterState.RIBBON_OUT,
    "paused": PrinterState.PAUSED,
    "buffer-full": PrinterState.BUFFER_FULL,
}


def test_serial_label_zpl_is_the_golden_string() -> None:
    assert driver_for("ZPL").render(SERIAL, Media(203, 100, 50)).decode() == GOLDEN_SERIAL_ZPL


def test_zpl_prints_korean_as_utf8_in_the_hangul_font() -> None:
    label = LabelData(
        LabelType.LOT, "WF-KR-251110D-002", "위드포스 로봇", date(2025, 1, 10), target_quantity=50
    )
    zpl = driver_for("ZPL").render(label, Media())
    assert b"^CI28\n^CWJ,E:NANUMGOTHIC.TTF\n" in zpl
    assert "^AJN,32,32^FD위드포스 로봇^FS".encode() in zpl
    assert b"^FDQTY: 50^FS" in zpl and b"^BCN,100,Y,N,N^FDWF-KR-251110D-002^FS" in zpl


@pytest.mark.parametrize("name,state", REFERENCE.items())
def test_zebra_host_status_reference_answers(name: str, state: PrinterState) -> None:
    reference = (reference_data_dir() / "printers" / f"zebra-HS-{name}.bin").read_bytes()
    driver = driver_for("ZPL")
    assert driver.reply_complete(reference)
    assert driver.parse_status(reference).state is state
    # The emulator answers exactly the bytes the real printer sent.
    assert EmulatedPrinter("ZPL", state).feed(b"~HS") == reference
    flags = {
        "paper-out": "paper_out",
        "head-open": "head_up",
        "ribbon-out": "ribbon_out",
        "paused": "paused",
        "buffer-full": "buffer_full",
    }
    assert host_status_answer(**({flags[name]: True} if name in flags else {})) == reference


# What each status protocol can tell apart (TSPL has no buffer-full bit; ESC/POS DLE EOT
# only knows paper, cover and "error/offline").
EXPRESSIBLE = {
    "TSPL": {
        PrinterState.READY,
        PrinterState.PAPER_OUT,
        PrinterState.HEAD_OPEN,
        PrinterState.RIBBON_OUT,
        PrinterState.PAUSED,
    },
    "EZPL": set(REFERENCE.values()),
    "ESCPOS": {
        PrinterState.READY,
        PrinterState.PAPER_OUT,
        PrinterState.HEAD_OPEN,
        PrinterState.PAUSED,
    },
}


@pytest.mark.parametrize(
    "language,state",
    # sorted: parallel test workers must collect the same ids in the same order
    [(lang, st) for lang, states in EXPRESSIBLE.items() for st in sorted(states)],
)
def test_other_languages_status_round_trip(language: str, state: PrinterState) -> None:
    driver = driver_for(language)
    answer = EmulatedPrinter(language, state).feed(driver.status_request)
    assert driver.reply_complete(answer)
    assert driver.parse_status(answer).state is state


def test_garbage_or_silence_is_not_ready() -> None:
    zpl = driver_for("ZPL")
    assert not zpl.reply_complete(b"\x02030,0,0")  # still waiting: a timeout decides
    assert EmulatedPrinter("ZPL", "paper_out", silent_faults=True).feed(b"~HS") == b""
    with pytest.raises(ValueError):
        driver_for("TSPL").parse_status(b"\x00\x00")


@pytest.mark.parametrize(
    "language,markers",
    [
        (
            "TSPL",
            [
                b'BARCODE 24,230,"128",100,1,0,2,2,"WF-KR-251110D-001-0001"',
                b"QRCODE 659,24,M",
                b"CODEPAGE UTF-8",
                b'"NANUMGOTHIC.TTF"',
                b"PRINT 1,1\r\n",
            ],
        ),
        (
            "EZPL",
            [
                b"BQ,24,230,2,4,100,0,1,WF-KR-251110D-001-0001",
                b"W659,24,2,2,M,8,4,22,0",
                b"ATA,24,76,32,32,0,0E,0,0,",
                b"^L\r\n",
                b"\r\nE\r\n",
            ],
        ),
        (
            "ESCPOS",
            [
                b"\x1dkI\x18{BWF-KR-251110D-001-0001",
                b"\x1d(k\x19\x001P0WF-KR",
                b"\x1c&\xc0\xa7\xb5\xe5\xc6\xf7\xbd\xba\x1c.",
                b"\x1dVB\x00",
            ],
        ),
    ],
)
def test_other_languages_render_barcode_qr_and_hangul(language: str, markers: list[bytes]) -> None:
    label = LabelData(
        LabelType.SERIAL, SERIAL.lot_number, "위드포스", SERIAL.created_date, SERIAL.serial_number
    )
    content = driver_for(language).render(label, Media())
    for marker in markers:
        assert marker in content, marker
    device = EmulatedPrinter(language)
    device.feed(content + content)
    assert len(device.labels) == 2  # the emulator splits labels as the printer would


@pytest.mark.parametrize(
    "change",
    [
        {"product": "With^XZforce"},
        {"product": 'say "hi"'},
        {"product": ""},
        {"serial_number": "WF-KR-251110D-002-0001"},  # another LOT's serial
        {"lot_number": "WF-KR-1"},
        {"product": "Withforce \U0001f916"},  # an emoji: no label font has it
        {"product": "\ufffd"},
        {"product": "With\u202eforce"},  # a bidi override would reorder what is printed
        {"product": "With\u200bforce"},  # invisible
        {"product": "With\ud800force"},  # a lone surrogate
        {"product": "With\ue000force"},  # private use
    ],
)
def test_bad_label_data_is_refused(change: dict) -> None:
    label = LabelData(**{**SERIAL.__dict__, **change})
    with pytest.raises(MesError) as caught:
        validate(label, font_charset())
    assert caught.value.code is ErrorCode.INVALID_LABEL_DATA


@pytest.mark.parametrize("product", ["Withforce", "위드포스 로봇", "café Ωmega Ж №1 ①", "漢字"])
def test_text_the_label_font_draws_is_printable(product: str) -> None:
    label = LabelData(**{**SERIAL.__dict__, "product": product})
    assert validate(label, font_charset()) is label
    assert unprintable(product, font_charset()) == []


def test_unprintable_names_each_character_once_and_refused_text_is_storable() -> None:
    assert unprintable("a\U0001f916b\U0001f916\u200b", font_charset()) == ["\u200b", "\U0001f916"]
    assert storable("a\ud800b\x00c") == "a?b\ufffdc" and storable(5) == 5


def test_escpos_refuses_text_outside_cp949() -> None:
    label = LabelData(**{**LOT.__dict__, "product": "robot \u0e01"})  # Thai: not in KS X 1001
    with pytest.raises(MesError) as caught:
        driver_for("ESCPOS").render(label, Media())
    assert caught.value.code is ErrorCode.INVALID_LABEL_DATA
