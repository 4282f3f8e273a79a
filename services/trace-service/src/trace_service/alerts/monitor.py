"""Polled rules: dead letters and consumer lag (Redis), label jobs waiting too long,
today's defect rate per process, and LOT steps stalled past their takt."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mes_contracts import events as ev
from mes_contracts.wire import dead_letter_stream
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from servicekit.logging import get_logger
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ..models import process_records as pr
from . import rules
from .centre import AlertCentre
from .handlers import forget_printed_jobs, waiting_too_long
from .stalled import open_steps

log = get_logger(__name__)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


async def dead_letters(redis: Redis, streams: list[str]) -> dict[str, int]:
    async with redis.pipeline(transaction=False) as pipe:
        for stream in streams:
            pipe.xlen(dead_letter_stream(stream))
        lengths = await pipe.execute()
    return {s: int(n) for s, n in zip(streams, lengths, strict=True) if n}


async def backlogs(
    redis: Redis, streams: list[str], cap: int = 100_000
) -> dict[tuple[str, str], int]:
    """(stream, group) → entries not yet read plus read but not acknowledged. Redis 7
    tells the unread count (`lag`); before 7 (or when it cannot tell) the entries after
    the group's last delivered id are counted, up to `cap`."""
    async with redis.pipeline(transaction=False) as pipe:
        for stream in streams:
            pipe.xinfo_groups(stream)
        replies = await pipe.execute(raise_on_error=False)
    found: dict[tuple[str, str], int] = {}
    unknown: list[tuple[str, str, str]] = []
    for stream, groups in zip(streams, replies, strict=True):
        if isinstance(groups, ResponseError):  # no such stream yet
            continue
        for g in groups:
            name = _text(g["name"])
            found[(stream, name)] = int(g.get("pending") or 0)
            if g.get("lag") is not None:
                found[(stream, name)] += int(g["lag"])
            else:
                unknown.append((stream, name, _text(g["last-delivered-id"])))
    if unknown:
        async with redis.pipeline(transaction=False) as pipe:
            for stream, _, last in unknown:
                pipe.xrange(stream, min="(" + last, max="+", count=cap)
            unread = await pipe.execute()
        for (stream, name, _), entries in zip(unknown, unread, strict=True):
            found[(stream, name)] += len(entries)
    return found


async def defects_today(session: AsyncConnection, day: date) -> dict[str, tuple[int, int]]:
    """Process → (completed, failed) on the factory date `day`."""
    stmt = (
        select(pr.c.process_id, func.count(), func.count().filter(pr.c.result == "FAIL"))
        .where(pr.c.complete_day == day)
        .group_by(pr.c.process_id)
    )
    return {p: (n, failed) for p, n, failed in (await session.execute(stmt)).all()}


class Monitor:
    def __init__(self, centre: AlertCentre, tz: ZoneInfo) -> None:
        self.centre = centre
        self.settings = centre.settings
        self.tz = tz
        self.streams = list(ev.ALL_STREAMS)

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # keep watching; the next tick retries
                log.exception("alert monitor tick failed")
            await asyncio.sleep(self.settings.alert_poll_seconds)

    async def tick(self) -> None:
        rt = self.centre.rt
        assert rt.redis is not None and rt.db is not None
        s = self.settings
        dlq = rules.dead_letter_alerts(await dead_letters(rt.redis, self.streams))
        threshold = s.alert_consumer_lag_threshold
        lag = rules.consumer_lag_alerts(
            await backlogs(rt.redis, self.streams, cap=threshold + 1), threshold
        )
        async with rt.db.transaction() as session:
            await self.centre.reconcile(session, rules.DEAD_LETTER_SCOPE, dlq)
            await self.centre.reconcile(session, rules.CONSUMER_LAG_SCOPE, lag)
            waiting = await waiting_too_long(session, s.alert_label_queued_minutes)
            queued = rules.label_queued_alerts(waiting, s.alert_label_queued_minutes)
            await self.centre.reconcile(session, rules.LABEL_QUEUED_SCOPE, queued)
            today = await defects_today(session, datetime.now(self.tz).date())
            defects = rules.defect_rate_alerts(
                today, s.alert_defect_rate_threshold, s.alert_defect_rate_min_completed
            )
            await self.centre.reconcile(session, rules.DEFECT_RATE_SCOPE, defects)
            await self.stalled(session)
            await forget_printed_jobs(session)

    async def stalled(self, session: AsyncConnection) -> None:
        """Steps idle past their takt multiple (ADR 0024); raised once, resolved when the
        step completes or its LOT closes."""
        scope = rules.LOT_STALLED_SCOPE
        already = await self.centre.open_keys(session, scope)
        specs = rules.lot_stalled_alerts(
            await open_steps(session),
            self.settings.alert_stalled_takt_multiple,
            datetime.now(UTC),
            already,
        )
        await self.centre.reconcile(session, scope, specs)
