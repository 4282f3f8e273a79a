"""One reader per consumer group: every stream in one blocking read, applied in the order
Redis assigned the entries, an event that depends on another stream's event applied within
the second (not after the reclaimer's min_idle), and an idle group costing no polling."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from mes_cli.infra import EmbeddedRedis
from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD
from redis.asyncio import Redis
from servicekit.streams import EventConsumers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import KitSchema
from .test_backbone import wait_until


def two_streams(kit: KitSchema) -> tuple[str, str]:
    return f"{kit.stream}.first", f"{kit.stream}.second"


def make_consumers(kit: KitSchema, **options: int) -> EventConsumers:
    return EventConsumers(
        db=kit.db,
        inbox=kit.inbox,
        group="kit-multi",
        consumer="reader-1",
        **{"min_idle_ms": 60_000, "reclaim_interval_ms": 60_000, "block_ms": 200, **options},
    )


async def test_entries_of_several_streams_are_applied_in_redis_order(kit: KitSchema) -> None:
    first, second = two_streams(kit)
    seen: list[str] = []

    async def record(session: AsyncConnection, event: Envelope) -> None:
        seen.append(event.data["name"])
        await kit.apply(session, event)

    names = ["a1", "b1", "a2", "b2", "a3"]
    for name in names:  # interleaved across the two streams, published before the reader
        stream = first if name.startswith("a") else second
        await kit.redis.xadd(
            stream, {DATA_FIELD: Envelope(type=stream, source="t", data={"name": name}).to_json()}
        )
    consumers = make_consumers(kit)
    consumers.add(first, record)
    consumers.add(second, record)
    await consumers.start(kit.redis)
    try:
        await wait_until(lambda: _count(kit, 5))
    finally:
        await consumers.stop()
    assert seen == names
    for stream in (first, second):
        assert (await kit.redis.xpending(stream, "kit-multi"))["pending"] == 0


async def test_an_event_arriving_before_what_it_needs_is_applied_within_a_second(
    kit: KitSchema,
) -> None:
    """A completion read before its start (another stream) is not left for the reclaimer."""
    starts, completions = two_streams(kit)
    started: set[str] = set()

    async def on_start(session: AsyncConnection, event: Envelope) -> None:
        started.add(event.data["wo"])
        await kit.apply(session, event)

    async def on_complete(session: AsyncConnection, event: Envelope) -> None:
        if event.data["wo"] not in started:
            raise LookupError("start not seen yet")
        await kit.apply(session, event)

    consumers = make_consumers(kit)  # the reclaimer would wait a minute
    consumers.add(starts, on_start)
    consumers.add(completions, on_complete)
    await consumers.start(kit.redis)
    try:
        completion = Envelope(type=completions, source="t", data={"wo": "WO-1"})
        await kit.redis.xadd(completions, {DATA_FIELD: completion.to_json()})
        await asyncio.sleep(0.05)
        await kit.redis.xadd(
            starts, {DATA_FIELD: Envelope(type=starts, source="t", data={"wo": "WO-1"}).to_json()}
        )
        began = time.monotonic()
        await wait_until(lambda: _count(kit, 2), timeout=5)
        took = time.monotonic() - began
    finally:
        await consumers.stop()
    assert took < 2.0, f"the completion waited {took:.1f}s"
    assert (await kit.redis.xpending(completions, "kit-multi"))["pending"] == 0


async def test_an_idle_group_blocks_instead_of_polling(kit: KitSchema, tmp_path: Path) -> None:
    """Over two blocking periods of quiet, a group of 10 streams makes a handful of Redis
    calls (the periods are short here; in production they are seconds). On a Redis of its
    own: the session's Redis also serves whatever else the session has started."""
    server = EmbeddedRedis(tmp_path).start()
    redis = Redis.from_url(server.url)
    consumers = make_consumers(kit, block_ms=250, reclaim_interval_ms=250)
    for i in range(10):
        consumers.add(f"{kit.stream}.s{i}", kit.apply)
    try:
        await consumers.start(redis)
        try:
            before = await _commands_processed(redis)
            await asyncio.sleep(0.5)
            calls = await _commands_processed(redis) - before
        finally:
            await consumers.stop()
    finally:
        await redis.aclose()
        server.stop()
    # 2 blocking reads + 2 sweeps (a pipeline of 10 XAUTOCLAIMs each) + the INFO calls.
    assert calls <= 30, calls


async def _count(kit: KitSchema, n: int) -> bool:
    async with kit.db.transaction() as session:
        rows = (await session.execute(select(kit.effects.c.id))).all()
    return len(rows) >= n


async def _commands_processed(redis: Redis) -> int:
    info = await redis.info("stats")
    return int(info["total_commands_processed"])
