"""The routings in memory: every start and completion needs its LOT's routing, which
changes only when process-service seeds it (ADR 0014).

An entry is dropped when this process writes the routing (after the commit), when a
`routing.updated` event arrives (its own, or another replica's: one replica of the group
receives each event) and after `ttl` seconds, the bound on how stale a replica that did not
receive the event can be. A miss reads the table (the source of truth, not the event).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from .domain import Step

Loader = Callable[[AsyncConnection, str], Awaitable[list[Step]]]


class RoutingCache:
    def __init__(self, load: Loader, *, ttl: float = 60.0) -> None:
        self._load = load
        self.ttl = ttl
        self._entries: dict[str, tuple[float, list[Step]]] = {}

    async def steps(self, session: AsyncConnection, product_model: str) -> list[Step]:
        """The product model's steps in order (empty: it has no routing)."""
        entry = self._entries.get(product_model)
        now = time.monotonic()
        if entry is not None and now - entry[0] < self.ttl:
            return entry[1]
        steps = await self._load(session, product_model)
        if steps:  # a routing still missing is not remembered
            self._entries[product_model] = (now, steps)
        return steps

    def invalidate(self, product_model: str | None = None) -> None:
        """Forget one product model's routing (all, with None)."""
        if product_model is None:
            self._entries.clear()
        else:
            self._entries.pop(product_model, None)
