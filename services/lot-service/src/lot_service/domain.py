"""LOT rules with no I/O: the production date (status transitions are
`mes_contracts.enums.lot_transition_allowed`, numbers `mes_contracts.identifiers`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


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
