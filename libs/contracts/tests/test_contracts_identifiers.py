"""LOT and serial numbering (SPEC §4, §5; mes_contracts.identifiers), table-driven."""

from __future__ import annotations

from datetime import date

import pytest
from mes_contracts import identifiers as ids

pytestmark = pytest.mark.unit

DAY = date(2025, 11, 10)
LOT = "WF-KR-251110D-001"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("WF", "KR", DAY, "D", 1), "WF-KR-251110D-001"),
        (("WF", "KR", DAY, "N", 1), "WF-KR-251110N-001"),
        (("WF", "KR", DAY, "D", 10), "WF-KR-251110D-010"),
        (("WF", "KR", DAY, "D", 999), "WF-KR-251110D-999"),
        (("WF", "VN", date(2026, 1, 2), "D", 42), "WF-VN-260102D-042"),
        (("ABCD1234", "KR", DAY, "D", 7), "ABCD1234-KR-251110D-007"),  # 8 characters
        (("W", "KR", date(2000, 2, 29), "N", 5), "W-KR-000229N-005"),
    ],
)
def test_lot_numbers(parts: tuple, expected: str) -> None:
    assert ids.format_lot_number(*parts) == expected
    assert ids.parse_lot_number(expected) == parts  # and back
    assert ids.is_lot_number(expected)


@pytest.mark.parametrize(
    "parts",
    [
        ("WF", "KR", DAY, "D", 0),  # sequences start at 1
        ("WF", "KR", DAY, "D", 1000),  # three digits a day
        ("WF", "KR", DAY, "D", -1),
        ("WF", "KR", DAY, "X", 1),  # D or N only
        ("WF", "KR", DAY, "d", 1),
        ("WF", "kr", DAY, "D", 1),
        ("WF", "KOR", DAY, "D", 1),
        ("ABCDE1234", "KR", DAY, "D", 1),  # 9 characters
        ("wf", "KR", DAY, "D", 1),
        ("W-F", "KR", DAY, "D", 1),
        ("", "KR", DAY, "D", 1),
    ],
)
def test_lot_numbers_out_of_range_or_malformed_are_refused(parts: tuple) -> None:
    with pytest.raises(ValueError):
        ids.format_lot_number(*parts)


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [(1, f"{LOT}-0001"), (10, f"{LOT}-0010"), (100, f"{LOT}-0100"), (9999, f"{LOT}-9999")],
)
def test_serial_numbers(sequence: int, expected: str) -> None:
    assert ids.format_serial_number(LOT, sequence) == expected
    assert ids.is_serial_number(expected) and not ids.is_lot_number(expected)
    assert ids.serial_lot_number(expected) == LOT


@pytest.mark.parametrize(
    ("lot", "sequence"),
    [(LOT, 0), (LOT, 10000), (LOT, -5), ("WF-KR-251110D-01", 1), ("not a lot", 1)],
)
def test_serial_numbers_out_of_range_or_of_no_lot_are_refused(lot: str, sequence: int) -> None:
    with pytest.raises(ValueError):
        ids.format_serial_number(lot, sequence)


@pytest.mark.parametrize(
    "text",
    [
        LOT + "\n",  # Python's `$` would let this through; fullmatch does not
        " " + LOT,
        "WF-KR-251110D-1",
        "WF-KR-251110D-0001",
        "WF-KR-25111D-001",
        "WF-KR-251110-001",
        "WF_KR_251110D_001",
        "WF-KR-２５１１１０D-001",  # full-width digits
        "WF-KR-٢٥١١١٠D-001",  # Arabic-Indic digits (`\\d` would take them)
        "",
    ],
)
def test_not_lot_numbers(text: str) -> None:
    assert not ids.is_lot_number(text)
    assert not ids.is_serial_number(text + "-0001")
    with pytest.raises(ValueError):
        ids.parse_lot_number(text)


@pytest.mark.parametrize(
    "text", [LOT, f"{LOT}-001", f"{LOT}-00001", f"{LOT}-0001\n", f"{LOT}--0001"]
)
def test_not_serial_numbers(text: str) -> None:
    assert not ids.is_serial_number(text)
    with pytest.raises(ValueError):
        ids.serial_lot_number(text)


@pytest.mark.parametrize("day", ["251301", "251132", "250229", "000000"])
def test_a_lot_number_with_an_impossible_date_does_not_parse(day: str) -> None:
    text = f"WF-KR-{day}D-001"
    assert ids.is_lot_number(text)  # the shape is right …
    with pytest.raises(ValueError):
        ids.parse_lot_number(text)  # … the date is not


def test_lot_numbers_sort_in_creation_order_within_a_day() -> None:
    numbers = [ids.format_lot_number("WF", "KR", DAY, "D", n) for n in (1, 2, 9, 10, 99, 100)]
    assert sorted(numbers) == numbers
    serials = [ids.format_serial_number(LOT, n) for n in (1, 9, 10, 999, 1000, 9999)]
    assert sorted(serials) == serials
