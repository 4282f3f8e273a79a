"""The shift calendar: which production day and shift a moment belongs to (ADR 0027).

The first shift of the day (D, 08:00) opens the production day; the night shift (N, 20:00)
runs past midnight and still counts for the day it began, until the next day shift opens.
The same boundary as lot-service's LOT dates (`MES_SHIFT_DAY_START`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Shift:
    code: str
    start: time


@dataclass(frozen=True)
class ShiftSlot:
    """A moment's production day and shift."""

    day: date
    shift: str


@dataclass(frozen=True)
class ShiftCalendar:
    timezone: ZoneInfo
    shifts: tuple[Shift, ...] = (Shift("D", time(8, 0)), Shift("N", time(20, 0)))

    def __post_init__(self) -> None:
        starts = [s.start for s in self.shifts]
        if not starts or starts != sorted(starts) or len(set(starts)) != len(starts):
            raise ValueError("shifts must be given in order of their start times")
        if len({s.code for s in self.shifts}) != len(self.shifts):
            raise ValueError("shift codes must be unique")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.shifts)

    def slot(self, moment: datetime) -> ShiftSlot:
        """The production day and shift `moment` (timezone-aware) counts for."""
        local = moment.astimezone(self.timezone)
        clock = local.time()
        if clock < self.shifts[0].start:  # after midnight, before the first shift
            return ShiftSlot(local.date() - timedelta(days=1), self.shifts[-1].code)
        current = [s for s in self.shifts if s.start <= clock][-1]
        return ShiftSlot(local.date(), current.code)

    def production_day(self, moment: datetime) -> date:
        return self.slot(moment).day

    def today(self, now: datetime | None = None) -> date:
        return self.production_day(now or datetime.now(UTC))

    def window(self, day: date, shift: str | None = None) -> tuple[datetime, datetime]:
        """[start, end) of the production day, or of one of its shifts, as aware UTC times."""
        if shift is None:
            first = self.shifts[0].start
            return self._at(day, first), self._at(day + timedelta(days=1), first)
        index = self.codes.index(shift)  # ValueError for an unknown shift
        start = self._at(day, self.shifts[index].start)
        if index + 1 < len(self.shifts):
            return start, self._at(day, self.shifts[index + 1].start)
        return start, self._at(day + timedelta(days=1), self.shifts[0].start)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, self.timezone).astimezone(UTC)
