"""The production day of the shift calendar (ADR 0027): a night shift after midnight counts
for the day it began, at the edges of the clock (Asia/Seoul has no DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from trace_service.kpis.calendar import Shift, ShiftCalendar, ShiftSlot

pytestmark = pytest.mark.unit

KST = ZoneInfo("Asia/Seoul")
CAL = ShiftCalendar(KST)


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ((8, 0), ShiftSlot(date(2026, 12, 4), "D")),  # the day shift opens the day
        ((19, 59), ShiftSlot(date(2026, 12, 4), "D")),
        ((20, 0), ShiftSlot(date(2026, 12, 4), "N")),
        ((23, 59), ShiftSlot(date(2026, 12, 4), "N")),
    ],
)
def test_the_day_and_the_evening_belong_to_the_date(clock, expected):
    assert CAL.slot(datetime(2026, 12, 4, *clock, tzinfo=KST)) == expected


@pytest.mark.parametrize("clock", [(0, 0), (0, 1), (3, 30), (7, 59)])
def test_after_midnight_the_night_shift_counts_for_the_day_it_began(clock):
    moment = datetime(2026, 12, 5, *clock, tzinfo=KST)
    assert CAL.slot(moment) == ShiftSlot(date(2026, 12, 4), "N")
    assert CAL.production_day(moment) == date(2026, 12, 4)


def test_the_zone_decides_not_the_utc_date():
    # 2026-12-04 23:30 UTC is 08:30 on the 5th in Seoul: the 5th's day shift.
    assert CAL.slot(datetime(2026, 12, 4, 23, 30, tzinfo=UTC)) == ShiftSlot(date(2026, 12, 5), "D")
    # 2026-12-04 22:59 UTC is 07:59 on the 5th in Seoul: still the 4th's night.
    assert CAL.production_day(datetime(2026, 12, 4, 22, 59, tzinfo=UTC)) == date(2026, 12, 4)


def test_windows_are_24_hours_from_the_first_shift_and_shifts_tile_them():
    day = date(2026, 12, 4)
    start, end = CAL.window(day)
    assert start == datetime(2026, 12, 4, 8, 0, tzinfo=KST)
    assert end == datetime(2026, 12, 5, 8, 0, tzinfo=KST)
    d_start, d_end = CAL.window(day, "D")
    n_start, n_end = CAL.window(day, "N")
    assert (d_start, d_end, n_start, n_end) == (
        start,
        datetime(2026, 12, 4, 20, 0, tzinfo=KST),
        datetime(2026, 12, 4, 20, 0, tzinfo=KST),
        end,
    )
    assert start.tzinfo == UTC
    # Every moment of the window belongs to the day, and the end to the next one.
    assert CAL.production_day(end - _us()) == day
    assert CAL.production_day(end) == date(2026, 12, 5)


def _us():
    from datetime import timedelta

    return timedelta(microseconds=1)


def test_configurable_shift_starts():
    cal = ShiftCalendar(KST, (Shift("D", time(6, 0)), Shift("N", time(18, 0))))
    assert cal.slot(datetime(2026, 12, 5, 6, 30, tzinfo=KST)) == ShiftSlot(date(2026, 12, 5), "D")
    assert cal.slot(datetime(2026, 12, 5, 5, 59, tzinfo=KST)) == ShiftSlot(date(2026, 12, 4), "N")
    assert cal.today(datetime(2026, 12, 5, 5, 0, tzinfo=KST)) == date(2026, 12, 4)


def test_shifts_out_of_order_or_unknown_are_refused():
    with pytest.raises(ValueError):
        ShiftCalendar(KST, (Shift("N", time(20, 0)), Shift("D", time(8, 0))))
    with pytest.raises(ValueError):
        CAL.window(date(2026, 12, 4), "X")
