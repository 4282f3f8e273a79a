"""Read your own writes across services (ADR 0013): a LOT that lot-service has just
created reaches process-service only with its `lot.created` event, a few milliseconds
after the client got its 201. A request that misses the LOT waits briefly for it instead
of answering LOT_NOT_FOUND at once.

The wait is woken by this process's consumer right after it committed the LOT, and it
also re-reads the table (cheaply, backing off) because with several replicas another
replica's consumer may be the one that applies the event. A LOT that really does not
exist is still LOT_NOT_FOUND, after the timeout. No other service's data is read.

Only a LOT that could have just been created is waited for: lot-service numbers a LOT with
the production day it is created on (it cannot be chosen), so a malformed number, or one
dated other than around today, is answered at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, tzinfo
from typing import TypeVar

from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.identifiers import parse_lot_number

T = TypeVar("T")
FIRST_POLL_SECONDS = 0.02
MAX_POLL_SECONDS = 0.2
#: Days either side of the factory's local date a just-created LOT may carry (the night
#: shift's production day began yesterday; a day more for clocks that disagree).
ARRIVAL_DAYS = 1


def may_be_arriving(lot_number: str, today: date) -> bool:
    """Whether `lot_number` could name a LOT created a moment ago (pure rule)."""
    try:
        produced = parse_lot_number(lot_number).production_date
    except ValueError:
        return False
    return abs((produced - today).days) <= ARRIVAL_DAYS


class LotArrivals:
    def __init__(
        self,
        exists: Callable[[str], Awaitable[bool]],
        *,
        timeout: float,
        factory_timezone: tzinfo | None = None,
        max_waiters: int = 1000,
    ) -> None:
        self.exists = exists
        self.timeout = timeout
        self.factory_timezone = factory_timezone
        self.max_waiters = max_waiters  # beyond this many, a miss answers at once
        self._waiting: dict[str, set[asyncio.Event]] = {}
        self._count = 0

    @classmethod
    def disabled(cls) -> LotArrivals:
        async def never(_lot_number: str) -> bool:
            return False

        return cls(never, timeout=0)

    async def retry_on_miss(self, lot_number: str, use_case: Callable[[], Awaitable[T]]) -> T:
        """Run `use_case` (in its own transaction); if it misses the LOT, wait for the LOT
        and run it once more. LOT_NOT_FOUND only when the LOT did not come in time."""
        try:
            return await use_case()
        except MesError as exc:
            if exc.code is not ErrorCode.LOT_NOT_FOUND or not await self.wait(lot_number):
                raise
        return await use_case()

    def notify(self, lot_number: str) -> None:
        """The LOT is committed in our table (called after the consumer's commit)."""
        for event in self._waiting.get(lot_number, ()):
            event.set()

    async def wait(self, lot_number: str) -> bool:
        """True as soon as the LOT is in our table; False once the timeout has passed."""
        if self.timeout <= 0 or self._count >= self.max_waiters:
            return False
        today = datetime.now(self.factory_timezone).date()
        if not may_be_arriving(lot_number, today):
            return False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        event = asyncio.Event()
        self._waiting.setdefault(lot_number, set()).add(event)
        self._count += 1
        try:
            interval = FIRST_POLL_SECONDS
            while True:
                event.clear()
                if await self.exists(lot_number):
                    return True
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                try:
                    await asyncio.wait_for(event.wait(), min(interval, remaining))
                except TimeoutError:
                    interval = min(interval * 2, MAX_POLL_SECONDS)
        finally:
            self._count -= 1
            waiters = self._waiting[lot_number]
            waiters.discard(event)
            if not waiters:
                del self._waiting[lot_number]

    @property
    def waiting(self) -> int:
        return self._count
