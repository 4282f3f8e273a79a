"""Raw asyncpg on the hot paths (ADR 0014): the same pooled connection and transaction as
SQLAlchemy, the inbox claim and outbox insert as one statement each, the relay's batch."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest
from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD
from servicekit.db import Database, raw
from servicekit.failures import is_outage
from servicekit.outbox import OutboxRelay, notify_channel
from sqlalchemy import func, select, text

from .conftest import KitSchema


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def effect_ids(kit: KitSchema) -> set[uuid.UUID]:
    async with kit.db.transaction() as session:
        return set((await session.execute(select(kit.effects.c.event_id))).scalars())


async def test_raw_statements_share_the_unit_of_works_transaction(kit: KitSchema) -> None:
    table = f'"{kit.schema}".effects'
    first, second, doomed = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with kit.db.transaction() as session:
        conn = await raw(session)  # the first statement of the unit of work is raw
        assert conn.is_in_transaction()
        await conn.execute(f"INSERT INTO {table} (event_id) VALUES ($1)", first)
        await session.execute(kit.effects.insert().values(event_id=second))
        # SQLAlchemy and asyncpg see each other's uncommitted rows: one transaction.
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 2
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        assert (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one() == pid
    assert await effect_ids(kit) == {first, second}

    with pytest.raises(RuntimeError):
        async with kit.db.transaction() as session:
            await session.execute(kit.effects.insert().values(event_id=doomed))
            await (await raw(session)).execute(
                f"INSERT INTO {table} (event_id) VALUES ($1)", uuid.uuid4()
            )
            raise RuntimeError("the use case failed")
    assert await effect_ids(kit) == {first, second}  # both writes rolled back

    with pytest.raises(RuntimeError):
        async with kit.db.transaction() as session:  # raw only, then a failure
            await (await raw(session)).execute(
                f"INSERT INTO {table} (event_id) VALUES ($1)", doomed
            )
            raise RuntimeError("the use case failed")
    assert await effect_ids(kit) == {first, second}


async def test_raw_statement_error_rolls_back_and_the_connection_is_reused(
    pg_url: str, kit: KitSchema
) -> None:
    db = Database(pg_url, pool_size=1, max_overflow=0)
    table = f'"{kit.schema}".effects'
    kept = uuid.uuid4()
    try:
        with pytest.raises(asyncpg.PostgresError):
            async with db.transaction() as session:
                conn = await raw(session)
                await conn.execute(f"INSERT INTO {table} (event_id) VALUES ($1)", uuid.uuid4())
                await conn.execute("SELECT 1/0")
        async with db.transaction() as session:  # the same connection, a fresh transaction
            await (await raw(session)).execute(f"INSERT INTO {table} (event_id) VALUES ($1)", kept)
    finally:
        await db.dispose()
    assert await effect_ids(kit) == {kept}


async def test_connection_lost_under_raw_is_an_outage_and_the_pool_recovers(
    pg_url: str,
) -> None:
    db = Database(pg_url, pool_size=1, max_overflow=0)
    killer = await asyncpg.connect(dsn(pg_url))
    try:
        with pytest.raises(Exception) as caught:
            async with db.transaction() as session:
                conn = await raw(session)
                pid = await conn.fetchval("SELECT pg_backend_pid()")
                await killer.execute("SELECT pg_terminate_backend($1)", pid)
                await asyncio.sleep(0.2)
                await conn.fetchval("SELECT 1")
        assert is_outage(caught.value), repr(caught.value)
        async with db.transaction() as session:  # a new connection replaces the dead one
            assert await (await raw(session)).fetchval("SELECT 1") == 1
    finally:
        await killer.close()
        await db.dispose()


async def test_inbox_claim_returns_only_fresh_ids_duplicates_in_the_batch_once(
    kit: KitSchema,
) -> None:
    a, b, c = kit.event(n=1), kit.event(n=2), kit.event(n=3)
    async with kit.db.transaction() as session:
        assert await kit.inbox.claim_many(session, [a, a, b], "g1") == {a.id, b.id}
    async with kit.db.transaction() as session:
        assert await kit.inbox.claim_many(session, [b, c, a, c], "g1") == {c.id}
        assert await kit.inbox.claim_many(session, [c], "g1") == set()  # same transaction
        assert await kit.inbox.claim_many(session, [a, c], "g2") == {a.id, c.id}
        assert await kit.inbox.claim_many(session, [], "g2") == set()
    async with kit.db.transaction() as session:
        assert await kit.inbox.seen(session, c.id, "g1")
        assert not await kit.inbox.seen(session, b.id, "g2")

    with pytest.raises(RuntimeError):  # a rolled-back claim leaves the events fresh
        async with kit.db.transaction() as session:
            d = kit.event(n=4)
            assert await kit.inbox.claim_many(session, [d], "g1") == {d.id}
            raise RuntimeError("handler failed")
    async with kit.db.transaction() as session:
        assert await kit.inbox.claim_many(session, [d], "g1") == {d.id}
        rows = await session.execute(select(func.count()).select_from(kit.inbox.table))
        assert rows.scalar_one() == 6  # a, b, c (g1) + a, c (g2) + d


async def test_outbox_add_keeps_order_and_notifies_at_commit(kit: KitSchema, pg_url: str) -> None:
    listener = await asyncpg.connect(dsn(pg_url))
    heard: list[str] = []
    await listener.add_listener(notify_channel(kit.schema), lambda *args: heard.append(args[2]))
    events = [kit.event(n=i) for i in range(5)]
    try:
        async with kit.db.transaction() as session:
            await kit.outbox.add(session, *events)
            await kit.outbox.add(session)  # nothing to add: no statement
            await asyncio.sleep(0.2)
            assert heard == []  # not before the commit
        await asyncio.sleep(0.2)
        assert heard == [notify_channel(kit.schema)]  # once per transaction
        with pytest.raises(RuntimeError):
            async with kit.db.transaction() as session:
                await kit.outbox.add(session, kit.event(n="rolled back"))
                raise RuntimeError("use case failed")
        rows = await listener.fetch(
            f'SELECT event_id, stream, payload FROM "{kit.schema}".outbox ORDER BY seq'
        )
    finally:
        await listener.close()
    assert [r["event_id"] for r in rows] == [e.id for e in events]
    assert {r["stream"] for r in rows} == {kit.stream}
    assert [Envelope.from_json(r["payload"]) for r in rows] == events


async def test_outbox_cte_inserts_only_when_its_condition_holds(kit: KitSchema) -> None:
    yes, no = kit.event(n="yes"), kit.event(n="no")
    sql = f"WITH {kit.outbox.cte(2, when='$1')} SELECT 1"
    async with kit.db.transaction() as session:
        conn = await raw(session)
        await conn.execute(sql, True, *kit.outbox.params([yes]))
        await conn.execute(sql, False, *kit.outbox.params([no]))
        ids = await conn.fetch(f'SELECT event_id FROM "{kit.schema}".outbox')
    assert [r["event_id"] for r in ids] == [yes.id]


async def test_relay_batch_publishes_in_order_and_marks_once(kit: KitSchema, pg_url: str) -> None:
    events = [kit.event(n=i) for i in range(7)]
    async with kit.db.transaction() as session:
        await kit.outbox.add(session, *events)
    relay = OutboxRelay(dsn=dsn(pg_url), schema=kit.schema, redis=kit.redis, batch_size=5)
    conn = await asyncpg.connect(dsn(pg_url))
    try:
        assert await relay._any_unpublished(conn)
        assert [await relay.publish_batch(conn) for _ in range(3)] == [5, 2, 0]
        assert not await relay._any_unpublished(conn)
        marks = await conn.fetch(
            f'SELECT attempts, published_at FROM "{kit.schema}".outbox ORDER BY seq'
        )
    finally:
        await conn.close()
    assert all(m["attempts"] == 1 and m["published_at"] for m in marks)
    entries = await kit.redis.xrange(kit.stream)
    assert [Envelope.from_json(f[DATA_FIELD.encode()]).id for _, f in entries] == [
        e.id for e in events
    ]


async def test_relay_wakes_on_a_commit_made_while_it_was_publishing(
    kit: KitSchema, pg_url: str
) -> None:
    """The wake flag is cleared before a batch, not after: a commit notified during the
    batch is published at once, not after the poll interval."""
    relay = OutboxRelay(dsn=dsn(pg_url), schema=kit.schema, redis=kit.redis, poll_seconds=30)
    await relay.start()
    try:
        for i in range(20):
            async with kit.db.transaction() as session:
                await kit.outbox.add(session, kit.event(n=i))
            await asyncio.sleep(0.01 * (i % 3))
        async with asyncio.timeout(5):
            while await kit.redis.xlen(kit.stream) < 20:
                await asyncio.sleep(0.02)
    finally:
        await relay.stop()


async def test_raw_errors_answer_like_sqlalchemys(kit: KitSchema) -> None:
    """Text PostgreSQL cannot store is the caller's VALIDATION_ERROR, an outage a 503,
    whether SQLAlchemy or raw asyncpg raised it."""
    import httpx
    from fastapi import FastAPI
    from servicekit.http import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)

    @app.post("/store")
    async def store() -> dict:
        async with kit.db.transaction() as session:
            await (await raw(session)).fetchval("SELECT $1::text::jsonb", '{"a": "\\u0000"}')
        return {}

    @app.post("/down")
    async def down() -> dict:
        raise asyncpg.exceptions.AdminShutdownError("terminating connection")

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as client:
        stored = await client.post("/store")
        assert stored.status_code == 400, stored.text
        assert stored.json()["error_code"] == "VALIDATION_ERROR"
        assert (await client.post("/down")).status_code == 503
