"""The event backbone against real PostgreSQL and Redis: nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD, dead_letter_stream
from servicekit.outbox import OutboxRelay
from servicekit.streams import EventConsumers
from sqlalchemy.ext.asyncio import AsyncConnection

from .conftest import KitSchema


async def wait_until(probe: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await probe():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@asynccontextmanager
async def consumer(
    kit: KitSchema,
    redis_url: str,
    *,
    name: str,
    handler: Callable[[AsyncConnection, Envelope], Awaitable[None]] | None = None,
    group: str = "kit-consumer",
    min_idle_ms: int = 300,
    max_deliveries: int = 5,
) -> AsyncIterator[EventConsumers]:
    consumers = EventConsumers(
        db=kit.db,
        inbox=kit.inbox,
        group=group,
        consumer=name,
        min_idle_ms=min_idle_ms,
        reclaim_interval_ms=100,
        max_deliveries=max_deliveries,
        block_ms=100,
    )
    consumers.add(kit.stream, handler or kit.apply)
    await consumers.start(kit.redis)
    try:
        yield consumers
    finally:
        await consumers.stop()


async def commit_events(kit: KitSchema, *events: Envelope) -> None:
    async with kit.db.transaction() as session:
        await kit.outbox.add(session, *events)


async def pending(kit: KitSchema, group: str = "kit-consumer") -> int:
    return (await kit.redis.xpending(kit.stream, group))["pending"]


class RelayDyingAfterPublish(OutboxRelay):
    """Publishes to Redis, then 'crashes' before recording that it did (the commit)."""

    async def _send(self, rows: list[asyncpg.Record]) -> None:
        await super()._send(rows)
        raise ConnectionError("relay killed between XADD and marking the rows sent")


async def test_relay_stopped_between_commit_and_publish(
    kit: KitSchema, pg_url: str, redis_url: str
):
    event = kit.event(step="committed while the relay was down")
    await commit_events(kit, event)  # state change + outbox row committed; no relay running
    assert await kit.redis.exists(kit.stream) == 0

    # The relay comes up, publishes, and dies before marking the row: the row stays unsent.
    dying = RelayDyingAfterPublish(dsn=dsn(pg_url), schema=kit.schema, redis=kit.redis)
    conn = await asyncpg.connect(dsn(pg_url))
    try:
        with pytest.raises(ConnectionError):
            await dying.publish_batch(conn)
        unsent = await conn.fetchval(
            f'SELECT count(*) FROM "{kit.schema}".outbox WHERE published_at IS NULL'
        )
    finally:
        await conn.close()
    assert unsent == 1
    assert await kit.redis.xlen(kit.stream) == 1

    # After the restart the relay publishes it again; the consumer applies it once.
    relay = OutboxRelay(dsn=dsn(pg_url), schema=kit.schema, redis=kit.redis, poll_seconds=0.1)
    await relay.start()
    try:
        async with consumer(kit, redis_url, name="c1"):
            await wait_until(lambda: _has_effect(kit, event))
            await wait_until(lambda: _pending_is_zero(kit))
    finally:
        await relay.stop()
    assert await kit.redis.xlen(kit.stream) == 2  # delivered twice…
    assert (await kit.effect_counts()) == {event.id: 1}  # …applied once


async def _killed_while_handling(
    kit: KitSchema, event: Envelope, pg_url: str, redis_url: str
) -> subprocess.CompletedProcess[str]:
    """Publish `event` and let a consumer ("doomed-replica" of group kit-consumer) read it
    and SIGKILL itself while handling it (crashing_consumer.py)."""
    await kit.redis.xgroup_create(kit.stream, "kit-consumer", id="0", mkstream=True)
    await kit.redis.xadd(kit.stream, {DATA_FIELD: event.to_json()})
    return subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("crashing_consumer.py")),
            pg_url,
            redis_url,
            kit.schema,
            kit.stream,
            "kit-consumer",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_consumer_killed_before_ack_is_reclaimed_by_another_replica(
    kit: KitSchema, pg_url: str, redis_url: str
):
    event = kit.event(step="the replica handling this is killed")
    doomed = await _killed_while_handling(kit, event, pg_url, redis_url)
    assert doomed.returncode == -9, doomed.stderr  # SIGKILL mid-handling
    assert "about to die" in doomed.stdout
    info = await kit.redis.xpending_range(kit.stream, "kit-consumer", "-", "+", 10)
    assert [p["consumer"] for p in info] == [b"doomed-replica"]  # read, never acknowledged
    assert await kit.effect_counts() == {}  # its transaction died with it

    async with consumer(kit, redis_url, name="survivor", min_idle_ms=200):
        await wait_until(lambda: _has_effect(kit, event))
        await wait_until(lambda: _pending_is_zero(kit))
    assert await kit.effect_counts() == {event.id: 1}


async def test_a_consumer_restarted_under_its_name_takes_up_its_pending_entries_at_once(
    kit: KitSchema, pg_url: str, redis_url: str
):
    """The launcher restarts a crashed process under the same consumer name: what the dead
    run had read and not acknowledged is applied at start, not after min_idle_ms."""
    event = kit.event(step="read by the run that was killed")
    later = kit.event(step="published after the crash")
    doomed = await _killed_while_handling(kit, event, pg_url, redis_url)
    assert doomed.returncode == -9, doomed.stderr
    await kit.redis.xadd(kit.stream, {DATA_FIELD: later.to_json()})

    # An hour of min_idle: only the replay of its own history can apply the first event.
    async with consumer(kit, redis_url, name="doomed-replica", min_idle_ms=3_600_000):
        await wait_until(lambda: _has_effect(kit, event))
        await wait_until(lambda: _has_effect(kit, later))
        await wait_until(lambda: _pending_is_zero(kit))
    assert await kit.effect_counts() == {event.id: 1, later.id: 1}


async def test_duplicate_delivery_is_applied_once(kit: KitSchema, redis_url: str):
    event = kit.event(step="sent twice")
    other = kit.event(step="sent once")
    for e in (event, event, other, event):
        await kit.redis.xadd(kit.stream, {DATA_FIELD: e.to_json()})
    async with consumer(kit, redis_url, name="c1"):
        await wait_until(lambda: _has_effect(kit, other))
        await wait_until(lambda: _pending_is_zero(kit))
    assert await kit.effect_counts() == {event.id: 1, other.id: 1}


async def test_event_published_before_the_group_existed_is_consumed(kit: KitSchema, redis_url: str):
    early = kit.event(step="published before any consumer group")
    await kit.redis.xadd(kit.stream, {DATA_FIELD: early.to_json()})
    assert await kit.redis.xinfo_groups(kit.stream) == []
    async with consumer(kit, redis_url, name="late-comer"):
        late = kit.event(step="published after")
        await kit.redis.xadd(kit.stream, {DATA_FIELD: late.to_json()})
        await wait_until(lambda: _has_effect(kit, early))
        await wait_until(lambda: _has_effect(kit, late))
    assert await kit.effect_counts() == {early.id: 1, late.id: 1}


async def test_poison_message_goes_to_dead_letter_while_others_flow(kit: KitSchema, redis_url: str):
    attempts: dict[str, int] = {}

    async def handler(session: AsyncConnection, event: Envelope) -> None:
        attempts[str(event.id)] = attempts.get(str(event.id), 0) + 1
        if event.data.get("poison"):
            raise ValueError("this event can never be applied")
        await kit.apply(session, event)

    poison = kit.event(poison=True)
    good = [kit.event(n=i) for i in range(5)]
    for e in (good[0], poison, *good[1:]):
        await kit.redis.xadd(kit.stream, {DATA_FIELD: e.to_json()})
    async with consumer(
        kit, redis_url, name="c1", handler=handler, min_idle_ms=150, max_deliveries=3
    ):
        await wait_until(lambda: _all_applied(kit, good))
        await wait_until(lambda: _dead_lettered(kit, 1))
        await wait_until(lambda: _pending_is_zero(kit))
    # 3 deliveries (no quick in-process retries: the reclaimer's min_idle is shorter than
    # they would take); when the poison arrived in a batch with others, that batch's
    # attempt (rolled back, then retried one by one) counts once more.
    assert attempts[str(poison.id)] in (3, 4)
    assert await kit.effect_counts() == {e.id: 1 for e in good}
    [(_, fields)] = await kit.redis.xrange(dead_letter_stream(kit.stream))
    assert Envelope.from_json(fields[DATA_FIELD.encode()]).id == poison.id
    assert fields[b"dlq_deliveries"] == b"3"
    assert b"can never be applied" in fields[b"dlq_error"]


async def _has_effect(kit: KitSchema, event: Envelope) -> bool:
    return event.id in await kit.effect_counts()


async def _all_applied(kit: KitSchema, events: list[Envelope]) -> bool:
    counts = await kit.effect_counts()
    return all(e.id in counts for e in events)


async def _pending_is_zero(kit: KitSchema) -> bool:
    return await pending(kit) == 0


async def _dead_lettered(kit: KitSchema, n: int) -> bool:
    return await kit.redis.xlen(dead_letter_stream(kit.stream)) == n


async def test_outage_never_spends_the_retry_budget(kit: KitSchema, redis_url: str):
    """An event that fails only because the database is away is retried, not dead-lettered."""
    attempts: dict[str, int] = {}

    async def handler(session: AsyncConnection, event: Envelope) -> None:
        attempts[str(event.id)] = attempts.get(str(event.id), 0) + 1
        if attempts[str(event.id)] <= 5:  # more failures than max_deliveries allows
            raise ConnectionRefusedError("database restarting")
        await kit.apply(session, event)

    event = kit.event(n=1)
    await kit.redis.xadd(kit.stream, {DATA_FIELD: event.to_json()})
    async with consumer(
        kit, redis_url, name="c1", handler=handler, min_idle_ms=100, max_deliveries=3
    ):
        await wait_until(lambda: _has_effect(kit, event))
        await wait_until(lambda: _pending_is_zero(kit))
    assert attempts[str(event.id)] == 6
    assert await kit.effect_counts() == {event.id: 1}
    assert await kit.redis.xlen(dead_letter_stream(kit.stream)) == 0
