"""LOT rules with no I/O: production date, status transitions (numbers are formatted by
`mes_contracts.identifiers`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class LotStatus(StrEnum):
    CREATED = "CREATED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    CLOSED = "CLOSED"


ALLOWED_TRANSITIONS: dict[LotStatus, frozenset[LotStatus]] = {
    LotStatus.CREATED: frozenset({LotStatus.IN_PROGRESS, LotStatus.CLOSED}),
    LotStatus.IN_PROGRESS: frozenset({LotStatus.COMPLETED, LotStatus.CLOSED}),
    LotStatus.COMPLETED: frozenset({LotStatus.CLOSED}),
    LotStatus.CLOSED: frozenset(),
}


def can_transition(current: LotStatus, target: LotStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


@dataclass(frozen=True)
class ShiftCalendar:
    """The factory's clock: which production date a LOT created now belongs to. Only the
    day shift's start is a boundary (SPEC §4): the LOT's shift comes with the request, and a
    night LOT belongs to the previous date until the day shift begins."""

    timezone: ZoneInfo
    day_start: time = time(8, 0)

    def production_date(self, now: datetime, shift: str) -> date:
        local = now.astimezone(self.timezone)
        # A night shift runs past midnight; until the next day shift begins, it still
        # belongs to the date it started on.
        if shift == "N" and local.time() < self.day_start:
            return local.date() - timedelta(days=1)
        return local.date()
