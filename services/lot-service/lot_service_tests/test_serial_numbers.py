"""Lot-service numbers its LOTs and serials with the contract's checked formatters."""

from __future__ import annotations

from datetime import date

import pytest
from lot_service import service
from mes_contracts import identifiers
from mes_contracts.limits import MAX_SERIAL_SEQUENCE

pytestmark = pytest.mark.unit

LOT = "WF-KR-251110D-001"


def test_lot_service_formats_with_the_contracts_checked_formatters() -> None:
    assert service.format_serial_number is identifiers.format_serial_number
    assert service.format_lot_number is identifiers.format_lot_number


@pytest.mark.parametrize(
    ("sequence", "serial"),
    [(1, f"{LOT}-0001"), (42, f"{LOT}-0042"), (MAX_SERIAL_SEQUENCE, f"{LOT}-9999")],
)
def test_serials_have_four_digits(sequence: int, serial: str) -> None:
    assert service.format_serial_number(LOT, sequence) == serial
    assert identifiers.serial_lot_number(serial) == LOT


@pytest.mark.parametrize(
    ("lot", "sequence"),
    [
        (LOT, 0),
        (LOT, MAX_SERIAL_SEQUENCE + 1),  # five digits would not parse back
        ("WF-KR-251110X-001", 1),  # not a LOT number
        (f"{LOT}\n", 1),
    ],
)
def test_an_unformattable_serial_is_refused(lot: str, sequence: int) -> None:
    with pytest.raises(ValueError):
        service.format_serial_number(lot, sequence)


def test_lot_numbers_are_checked_too() -> None:
    assert service.format_lot_number("WF", "KR", date(2025, 11, 10), "N", 7) == (
        "WF-KR-251110N-007"
    )
    with pytest.raises(ValueError):
        service.format_lot_number("WF", "KR", date(2025, 11, 10), "D", 1000)
    with pytest.raises(ValueError):
        service.format_lot_number("wf", "KR", date(2025, 11, 10), "D", 1)
