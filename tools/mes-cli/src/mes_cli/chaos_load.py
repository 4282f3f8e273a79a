"""Load for `./mes chaos`: LOTs created and walked through the 8 steps over the gateway,
every request retried until the MES answers it (the way a careful client would), and every
outcome counted; the chaos checks then compare what the MES accepted with every read model.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from .demo import KST, step_bodies

STEPS = 8
# Answers that say "not now": the outage, not the request. Anything else is retried too
# (e.g. LOT_NOT_FOUND while process-service's consumer is down), but counted apart.
OUTAGE_STATUS = frozenset({0, 429, 500, 502, 503, 504})
REQUEST_PATIENCE_S = 120.0  # one request is retried this long before it is given up


@dataclass
class Tally:
    """What the clients saw: per kind (lot, start, complete), per answer."""

    accepted: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # (kind, status or error code)
    retried: Counter = field(default_factory=Counter)
    recovered: Counter = field(default_factory=Counter)  # a retry found the first try applied
    ambiguous: Counter = field(default_factory=Counter)  # LOT creations never answered
    abandoned: Counter = field(default_factory=Counter)
    lots: list[str] = field(default_factory=list)  # LOTs whose creation was answered 201
    started: dict[tuple[str, str], str] = field(default_factory=dict)  # → work order id
    completed: set[tuple[str, str]] = field(default_factory=set)

    def outage_refusals(self) -> int:
        return sum(n for (_, why), n in self.refused.items() if why in OUTAGE_STATUS)


class Session:
    """A signed-in user of the public API that signs in again when its token is refused
    (a gateway restart keeps the keys, but tokens expire in long runs)."""

    def __init__(self, client: httpx.AsyncClient, username: str, password: str) -> None:
        self.client, self.username, self.password = client, username, password
        self.token: str | None = None

    async def login(self, patience: float = REQUEST_PATIENCE_S) -> None:
        deadline = time.monotonic() + patience
        while True:
            with contextlib.suppress(httpx.HTTPError):
                r = await self.client.post(
                    "/api/v1/auth/login",
                    json={"username": self.username, "password": self.password},
                )
                if r.status_code == 200:
                    self.token = r.json()["data"]["access_token"]
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"cannot sign in as {self.username}")
            await asyncio.sleep(0.5)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """The answer, or None when the gateway could not be reached."""
        for _ in range(2):
            if self.token is None:
                await self.login()
            headers = {"Authorization": f"Bearer {self.token}"}
            try:
                r = await self.client.request(method, path, headers=headers, **kwargs)
            except httpx.HTTPError:
                return None
            if r.status_code != 401:
                return r
            self.token = None
        return r


def error_code(r: httpx.Response | None) -> int | str:
    if r is None:
        return 0
    with contextlib.suppress(ValueError, AttributeError):
        code = r.json().get("error_code")
        if code and r.status_code not in OUTAGE_STATUS:
            return str(code)
    return r.status_code


async def create_lot(session: Session, tally: Tally, quantity: int) -> str | None:
    """One POST /lots, never retried (a retry would make a second LOT): an unanswered
    request is counted as ambiguous; the checks find out whether it was applied."""
    body = {"product_model": "WF", "shift": "D", "target_quantity": quantity}
    r = await session.request("POST", "/api/v1/lots", json=body)
    if r is not None and r.status_code == 201:
        lot = r.json()["data"]["lot_number"]
        tally.accepted["lot"] += 1
        tally.lots.append(lot)
        return lot
    why = error_code(r)
    tally.refused[("lot", why)] += 1
    if why in (0, 502, 503, 504):  # the request may have reached lot-service
        tally.ambiguous["lot"] += 1
    return None


async def send_until_answered(
    session: Session, tally: Tally, kind: str, path: str, body: dict
) -> dict | None:
    """POST until the MES answers 200 (or, for a retried start, DUPLICATE_START: the
    first try was applied but its answer lost). None when given up."""
    deadline = time.monotonic() + REQUEST_PATIENCE_S
    tries = 0
    while True:
        tries += 1
        r = await session.request("POST", path, json=body)
        if r is not None and r.status_code == 200:
            tally.accepted[kind] += 1
            data = r.json()["data"]
            if data.get("already_recorded"):
                tally.recovered[kind] += 1
            return data
        why = error_code(r)
        if why == "DUPLICATE_START" and tries > 1:
            tally.accepted[kind] += 1
            tally.recovered[kind] += 1
            return {}
        tally.refused[(kind, why)] += 1
        if time.monotonic() > deadline:
            tally.abandoned[kind] += 1
            return None
        tally.retried[kind] += 1
        await asyncio.sleep(min(0.1 * 2**tries, 2.0))


async def walk_lot(session: Session, tally: Tally, lot: str, stop: asyncio.Event) -> None:
    """All 8 steps of one LOT, start then complete each (stops between steps)."""
    at = datetime.now(KST).replace(microsecond=0)
    for step in range(1, STEPS + 1):
        if stop.is_set():
            return
        start, complete = step_bodies(lot, step, at)
        data = await send_until_answered(session, tally, "start", "/api/v1/process/start", start)
        if data is None:
            return
        tally.started[(lot, start["process_id"])] = data.get("work_order_id", "")
        if await send_until_answered(
            session, tally, "complete", "/api/v1/process/complete", complete
        ):
            tally.completed.add((lot, start["process_id"]))
        else:
            return


async def production(
    gateway: str, tally: Tally, stop: asyncio.Event, *, workers: int, quantity: int
) -> None:
    """`workers` clients, each creating a LOT and walking it, until `stop`."""
    limits = httpx.Limits(max_connections=workers * 2, max_keepalive_connections=workers * 2)
    async with httpx.AsyncClient(base_url=gateway, timeout=15, limits=limits) as client:
        manager = Session(client, "manager", "demo-manager-1234")
        worker = Session(client, "w001", "demo-worker-1234")
        await manager.login()
        await worker.login()

        async def one_worker() -> None:
            while not stop.is_set():
                lot = await create_lot(manager, tally, quantity)
                if lot is None:
                    await asyncio.sleep(0.5)
                    continue
                await walk_lot(worker, tally, lot, stop)

        await asyncio.gather(*(one_worker() for _ in range(workers)))


async def lot_burst(gateway: str, tally: Tally, count: int, quantity: int) -> list[asyncio.Task]:
    """`count` LOT creations at once (to have commits in flight when a service dies)."""
    client = httpx.AsyncClient(base_url=gateway, timeout=15)
    manager = Session(client, "manager", "demo-manager-1234")
    await manager.login()
    tasks = [asyncio.create_task(create_lot(manager, tally, quantity)) for _ in range(count)]

    async def close_after() -> None:
        await asyncio.gather(*tasks, return_exceptions=True)
        await client.aclose()

    return [*tasks, asyncio.create_task(close_after())]
