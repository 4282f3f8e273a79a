"""Which missing LOT is worth waiting for (read-your-writes, ADR 0013): only one that
could have been created a moment ago, so a lookup of garbage or of an old LOT that never
existed answers LOT_NOT_FOUND at once."""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest
from process_service.lot_arrivals import LotArrivals, may_be_arriving

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("lot_number", "expected"),
    [
        ("WF-KR-261203D-001", True),  # today
        ("WF-KR-261202N-017", True),  # last night's shift, after midnight
        ("WF-KR-261204D-001", True),  # a clock a little ahead
        ("WF-KR-261201D-001", False),
        ("WF-KR-000101D-999", False),  # 2000-01-01
        ("WF-KR-261231D-001", False),
        ("WF-KR-261303D-001", False),  # month 13
        ("' OR 1=1 --", False),
        ("", False),
        ("wf-kr-261203d-001", False),
    ],
)
def test_only_a_lot_numbered_for_about_today_may_still_arrive(
    lot_number: str, expected: bool
) -> None:
    assert may_be_arriving(lot_number, TODAY) is expected


def test_a_lot_that_cannot_be_arriving_is_not_waited_for() -> None:
    asked: list[str] = []

    async def exists(lot_number: str) -> bool:
        asked.append(lot_number)
        return False

    arrivals = LotArrivals(exists, timeout=5.0)
    began = time.monotonic()
    assert asyncio.run(arrivals.wait("WF-KR-000101D-999")) is False
    assert time.monotonic() - began < 1.0 and asked == []
