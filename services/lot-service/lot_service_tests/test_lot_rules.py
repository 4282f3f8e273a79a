"""The shift calendar (which production date a new LOT gets, SPEC §4) and the LOT status
transitions, as plain functions.

The rule as built: the requester names the shift (D or N); the date is the factory's local
date, except that a night-shift LOT created before the day shift begins (08:00) belongs to
the day before. The night shift's start (20:00) decides nothing: a D LOT created at 21:00
is dated today, as is an N LOT created at 19:00."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from lot_service.domain import ShiftCalendar
from lot_service.settings import LotSettings
from mes_contracts.enums import LOT_TRANSITIONS, LotStatus, lot_transition_allowed

pytestmark = pytest.mark.unit

KST = ZoneInfo("Asia/Seoul")
CALENDAR = ShiftCalendar(KST)
TODAY = date(2025, 11, 10)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)
US = timedelta(microseconds=1)


def kst(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), KST)


@pytest.mark.parametrize(
    ("now", "shift", "expected"),
    [
        # around the day shift's start, 08:00 KST
        (kst(TODAY, 8) - US, "N", YESTERDAY),
        (kst(TODAY, 8), "N", TODAY),
        (kst(TODAY, 8) - US, "D", TODAY),
        (kst(TODAY, 8), "D", TODAY),
        # around the night shift's start, 20:00 KST: nothing changes there
        (kst(TODAY, 20) - US, "D", TODAY),
        (kst(TODAY, 20), "D", TODAY),
        (kst(TODAY, 20) - US, "N", TODAY),
        (kst(TODAY, 20), "N", TODAY),
        # around midnight: a night shift keeps the date it started on
        (kst(TOMORROW, 0) - US, "N", TODAY),
        (kst(TOMORROW, 0), "N", TODAY),
        (kst(TOMORROW, 3), "N", TODAY),
        (kst(TOMORROW, 0) - US, "D", TODAY),
        (kst(TOMORROW, 0), "D", TOMORROW),
        # year and month ends
        (kst(date(2026, 1, 1), 2), "N", date(2025, 12, 31)),
        (kst(date(2024, 3, 1), 7, 59, 59), "N", date(2024, 2, 29)),
    ],
)
def test_production_date_in_kst(now: datetime, shift: str, expected: date) -> None:
    assert CALENDAR.production_date(now, shift) == expected


@pytest.mark.parametrize(
    ("now", "shift", "expected"),
    [
        # the same instants given in UTC (KST = UTC+9, no daylight saving)
        (datetime(2025, 11, 9, 22, 59, 59, tzinfo=UTC), "N", YESTERDAY),  # 07:59:59 KST
        (datetime(2025, 11, 9, 23, 0, tzinfo=UTC), "N", TODAY),  # 08:00 KST
        (datetime(2025, 11, 9, 15, 0, tzinfo=UTC), "D", TODAY),  # 00:00 KST
        (datetime(2025, 11, 9, 14, 59, 59, tzinfo=UTC), "D", YESTERDAY),  # 23:59:59 KST
        (datetime(2025, 11, 10, 1, 0, tzinfo=timezone(timedelta(hours=-7))), "D", TODAY),
    ],
)
def test_the_instant_counts_not_the_offset_it_is_written_in(
    now: datetime, shift: str, expected: date
) -> None:
    assert CALENDAR.production_date(now, shift) == expected


def test_the_boundary_and_the_zone_are_configurable() -> None:
    early = ShiftCalendar(KST, day_start=time(6, 0))
    assert early.production_date(kst(TODAY, 6) - US, "N") == YESTERDAY
    assert early.production_date(kst(TODAY, 6), "N") == TODAY
    berlin = ShiftCalendar(ZoneInfo("Europe/Berlin"))
    # 2025-11-10 07:30 in Berlin is 15:30 KST: a night LOT there is still yesterday's
    assert berlin.production_date(kst(TODAY, 15, 30), "N") == YESTERDAY


@pytest.mark.parametrize(
    ("env", "day_start", "zone"),
    [
        ({}, time(8, 0), "Asia/Seoul"),
        ({"MES_SHIFT_DAY_START": "06:30"}, time(6, 30), "Asia/Seoul"),
        ({"MES_FACTORY_TIMEZONE": "Europe/Berlin"}, time(8, 0), "Europe/Berlin"),
    ],
)
def test_settings_build_the_calendar(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], day_start: time, zone: str
) -> None:
    for name in ("MES_SHIFT_DAY_START", "MES_FACTORY_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    calendar = LotSettings().calendar()
    assert (calendar.day_start, calendar.timezone) == (day_start, ZoneInfo(zone))


S = LotStatus
TRANSITIONS = {
    (S.CREATED, S.IN_PROGRESS),
    (S.CREATED, S.CLOSED),
    (S.IN_PROGRESS, S.COMPLETED),
    (S.IN_PROGRESS, S.CLOSED),
    (S.COMPLETED, S.CLOSED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_status_transitions(current: LotStatus, target: LotStatus) -> None:
    """SPEC §4: CREATED → IN_PROGRESS → COMPLETED → CLOSED, closed early by a manager;
    never backwards, never to itself, nothing after CLOSED."""
    assert lot_transition_allowed(current, target) is ((current, target) in TRANSITIONS)


def test_every_status_has_its_transitions() -> None:
    assert set(LOT_TRANSITIONS) == set(S)
