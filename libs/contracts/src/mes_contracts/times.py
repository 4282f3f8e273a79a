"""Times on the wire (ADR 0008): one type for every date-time request field and query
parameter, and the window a station-reported time must lie in.

`AwareTimestamp` accepts an ISO 8601 string with a UTC offset (`Z` or `±hh:mm`, between
-12:00 and +14:00) that is representable in UTC, or an aware `datetime` from Python code.
Numbers (Unix seconds), booleans, naive times and years that overflow once converted to
UTC (`9999-12-31T23:59:59-12:00`) are refused with the field named; the offset is kept
as sent.

`ReportedTimeWindow` is the plausibility rule for times stations report (starts and
completions): not more than `max_skew` ahead of the MES clock, not older than
`max_replay_age` (a station's offline queue replays late), and not before the fact it
follows (the LOT's creation, the recorded start) by more than `max_skew`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from mes_contracts.errors import ErrorCode, MesError

#: How far a station's clock may run ahead of (or behind) the MES clock.
DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300
#: How old a start or completion replayed from a station's offline queue may be.
DEFAULT_MAX_REPLAY_AGE_SECONDS = 7 * 24 * 3600
#: The UTC offsets that exist (Baker Island … Line Islands).
MIN_OFFSET, MAX_OFFSET = timedelta(hours=-12), timedelta(hours=14)

_ISO_WITH_OFFSET = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)",
    re.IGNORECASE | re.ASCII,
)
_FORMAT_HINT = "an ISO 8601 date-time with a UTC offset, e.g. 2025-11-10T09:00:00+09:00"


def _parse(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):  # a JSON number would be read as Unix seconds
        raise PydanticCustomError(
            "datetime_type", "expected {expected}", {"expected": _FORMAT_HINT}
        )
    if not _ISO_WITH_OFFSET.fullmatch(value):
        raise PydanticCustomError(
            "datetime_format", "expected {expected}", {"expected": _FORMAT_HINT}
        )
    try:
        return datetime.fromisoformat(value.upper())  # RFC 3339 allows a lower-case t/z
    except ValueError as exc:
        raise PydanticCustomError(
            "datetime_format", "not a valid date-time: {reason}", {"reason": str(exc)}
        ) from None


def _representable(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        raise PydanticCustomError(
            "datetime_naive",
            "the time has no UTC offset; expected {expected}",
            {"expected": _FORMAT_HINT},
        )
    if not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise PydanticCustomError(
            "datetime_offset",
            "UTC offset {offset} is outside -12:00…+14:00",
            {"offset": str(offset)},
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_range",
            "{value} is not representable in UTC (years 1–9999)",
            {"value": value.isoformat()},
        ) from None
    return value


#: Every date-time of a request body or query string (ADR 0008).
AwareTimestamp = Annotated[datetime, BeforeValidator(_parse), AfterValidator(_representable)]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _parse_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        # Lax pydantic reads a JSON number as Unix seconds: a date is written as text.
        raise PydanticCustomError("date_format", "expected an ISO 8601 date, e.g. 2025-11-10", {})
    return value


#: Every calendar date of a request body (`YYYY-MM-DD`; never a number).
IsoDate = Annotated[date, BeforeValidator(_parse_date)]


def _iso(value: datetime) -> str:
    return value.isoformat()


@dataclass(frozen=True)
class ReportedTimeWindow:
    """Where a time reported by a station may lie, relative to the MES clock `now`."""

    max_skew: timedelta = timedelta(seconds=DEFAULT_MAX_CLOCK_SKEW_SECONDS)
    max_replay_age: timedelta = timedelta(seconds=DEFAULT_MAX_REPLAY_AGE_SECONDS)

    def check(
        self,
        field: str,
        value: datetime,
        *,
        now: datetime,
        after: tuple[str, datetime] | None = None,
    ) -> None:
        """Raise TIME_OUT_OF_RANGE naming `field` unless `value` is plausible at `now`.

        `after` = (name, moment): the fact this time cannot precede by more than the
        clock skew, e.g. ("lot_created_at", the LOT's creation).
        """
        latest = now + self.max_skew
        oldest = now - self.max_replay_age
        problem: dict[str, Any] | None = None
        if value > latest:
            problem = {"reason": "ahead_of_mes_clock", "latest": _iso(latest)}
        elif value < oldest:
            problem = {
                "reason": "older_than_replay_window",
                "earliest": _iso(oldest),
                "max_replay_age_seconds": int(self.max_replay_age.total_seconds()),
            }
        elif after is not None and value < after[1] - self.max_skew:
            problem = {
                "reason": f"before_{after[0].removesuffix('_at')}",
                after[0]: _iso(after[1]),
                "earliest": _iso(after[1] - self.max_skew),
            }
        if problem is None:
            return
        raise MesError(
            ErrorCode.TIME_OUT_OF_RANGE,
            data={
                "field": field,
                "value": _iso(value),
                "server_time": _iso(now),
                "max_clock_skew_seconds": int(self.max_skew.total_seconds()),
                **problem,
            },
            detail=f"{field} ({problem['reason']})",
        )

    def check_after_start(
        self,
        field: str,
        value: datetime,
        *,
        recorded_start: datetime,
        recorded_start_raw: str,
        work_order_id: str,
    ) -> None:
        """Raise BEFORE_RECORDED_START unless `value` (a completion's start_time or
        complete_time) is at or after the recorded start, give or take the clock skew."""
        if value >= recorded_start - self.max_skew:
            return
        raise MesError(
            ErrorCode.BEFORE_RECORDED_START,
            data={
                "field": field,
                "value": _iso(value),
                "recorded_start_time": recorded_start_raw,
                "work_order_id": work_order_id,
                "max_clock_skew_seconds": int(self.max_skew.total_seconds()),
            },
            detail=f"{field} {_iso(value)} < {recorded_start_raw}",
        )
