"""The faults `./mes chaos` injects into a running stack, each noted on a timeline:
kill -9 of a service (then started again on its port), kill -9 right after a commit whose
event the outbox relay has not sent yet, kill -9 of a consumer holding delivered but
unacknowledged entries, and crash-restarts of Redis and PostgreSQL on their data."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg
import httpx
from redis.asyncio import Redis

from .chaos_checks import SCHEMA_OF_GROUP, redis_state
from .stack import Stack


@dataclass
class Timeline:
    t0: float = field(default_factory=time.monotonic)
    entries: list[tuple[float, str]] = field(default_factory=list)
    # Per fault that measures its hit: events left unpublished, entries held at the kill.
    figures: dict[str, int] = field(default_factory=dict)
    log: Callable[[str], None] = print

    def note(self, what: str) -> None:
        at = time.monotonic() - self.t0
        self.entries.append((at, what))
        self.log(f"  {at:+7.1f}s  {what}")


async def wait_ready(stack: Stack, names: list[str] | None = None, limit_s: float = 90) -> float:
    """Seconds until every named process (default: all) answers /ready with 200."""
    started = time.monotonic()
    waiting = set(names or stack.services)
    async with httpx.AsyncClient(timeout=2) as client:
        while waiting:
            for name in list(waiting):
                with contextlib.suppress(httpx.HTTPError):
                    r = await client.get(stack.services[name].url + "/ready")
                    if r.status_code == 200:
                        waiting.discard(name)
            if time.monotonic() - started > limit_s:
                raise TimeoutError(f"not ready {limit_s}s after the fault: {sorted(waiting)}")
            if waiting:
                await asyncio.sleep(0.2)
    return time.monotonic() - started


async def _respawn(stack: Stack, tl: Timeline, name: str) -> None:
    stack.respawn(name)
    took = await wait_ready(stack, [name])
    tl.note(f"{name} started again: ready in {took:.1f}s (pid {stack.services[name].process.pid})")


async def kill_service(stack: Stack, tl: Timeline, name: str, down_s: float) -> None:
    pid = stack.services[name].process.pid
    stack.kill_service(name)
    tl.note(f"kill -9 {name} (pid {pid})")
    await asyncio.sleep(down_s)
    await _respawn(stack, tl, name)


async def kill_after_commit(stack: Stack, tl: Timeline, name: str, dsn: str, tries: int = 5) -> int:
    """kill -9 the moment the service's outbox holds a committed event its relay has not
    sent (the load commits all the time). Returns how many such events the kill left."""
    schema = SCHEMA_OF_GROUP[name]
    sql = f'SELECT count(*) FROM "{schema}".outbox WHERE published_at IS NULL'  # noqa: S608
    conn = await asyncpg.connect(dsn)
    try:
        for attempt in range(1, tries + 1):
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not await conn.fetchval(sql):
                pass  # each query is a round trip: polls as fast as PostgreSQL answers
            pid = stack.services[name].process.pid
            stack.kill_service(name)
            left = await conn.fetchval(sql)
            tl.note(
                f"kill -9 {name} (pid {pid}) right after a commit, try {attempt}: "
                f"{left} committed event(s) left unpublished by its outbox relay"
            )
            await _respawn(stack, tl, name)
            if left:
                return left
        return 0
    finally:
        await conn.close()


async def _consumer_pending(redis: Redis, streams: set[str], group: str, consumer: str) -> int:
    """Entries delivered to this consumer and not acknowledged yet."""
    total = 0
    for stream in streams:
        summary = await redis.xpending(stream, group)
        for entry in summary.get("consumers") or []:
            name = entry["name"]
            if (name.decode() if isinstance(name, bytes) else name) == consumer:
                total += int(entry["pending"])
    return total


async def kill_consumer_mid_batch(
    stack: Stack, tl: Timeline, name: str, redis_url: str, backlog_s: float
) -> int:
    """Freeze the service while events pile up, let it go, and kill -9 it as soon as it
    holds delivered entries it has not acknowledged. Returns how many it held."""
    process = stack.services[name].process
    consumer = stack.consumer_of(name)
    redis = Redis.from_url(redis_url)
    try:
        streams = (await redis_state(redis)).subscriptions.get(name, set())
        os.kill(process.pid, signal.SIGSTOP)
        tl.note(f"SIGSTOP {name} (pid {process.pid}): a backlog builds for {backlog_s:g}s")
        await asyncio.sleep(backlog_s)
        # A reader blocked in XREADGROUP when it was stopped has been handed entries while
        # frozen: kill it as it is. Otherwise let it go and kill it once it holds some.
        held = await _consumer_pending(redis, streams, name, consumer)
        if not held:
            os.kill(process.pid, signal.SIGCONT)
            deadline = time.monotonic() + 10
            while not held and time.monotonic() < deadline:
                held = await _consumer_pending(redis, streams, name, consumer)
        stack.kill_service(name)
        held = await _consumer_pending(redis, streams, name, consumer)
        tl.note(f"kill -9 {name} mid-batch: it held {held} delivered, unacknowledged entries")
    finally:
        await redis.aclose()
    await _respawn(stack, tl, name)
    return held


async def restart_redis(stack: Stack, tl: Timeline, down_s: float) -> None:
    assert stack.redis is not None, "chaos needs the embedded Redis"
    pid = stack.redis.process.pid if stack.redis.process else None
    stack.redis.kill()
    tl.note(f"kill -9 Redis (pid {pid})")
    await asyncio.sleep(down_s)
    await asyncio.to_thread(stack.redis.start)
    tl.note(f"Redis started again on port {stack.redis.port}, same AOF directory")
    took = await wait_ready(stack)
    tl.note(f"every service ready {took:.1f}s after Redis came back")


async def restart_postgres(stack: Stack, tl: Timeline, down_s: float) -> None:
    assert stack.postgres is not None, "chaos needs the embedded PostgreSQL"
    await asyncio.to_thread(stack.postgres.crash)
    tl.note("PostgreSQL immediate shutdown (SIGQUIT: no checkpoint, crash recovery next)")
    await asyncio.sleep(down_s)
    await asyncio.to_thread(stack.postgres.start)
    tl.note("PostgreSQL started again on the same data directory")
    took = await wait_ready(stack)
    tl.note(f"every service ready {took:.1f}s after PostgreSQL came back")
