"""A throwaway service schema (outbox, inbox, effects) on the session's real servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from mes_contracts.envelope import Envelope
from redis.asyncio import Redis
from servicekit.db import Database, schema_metadata
from servicekit.inbox import Inbox, inbox_table
from servicekit.outbox import Outbox, outbox_table
from sqlalchemy import (
    BigInteger,
    Column,
    Identity,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass
class KitSchema:
    schema: str
    metadata: MetaData
    db: Database
    outbox: Outbox
    inbox: Inbox
    effects: Table
    redis: Redis
    stream: str

    def event(self, **data: object) -> Envelope:
        return Envelope(type=self.stream, source="kit-test", data=dict(data))

    async def apply(self, session: AsyncConnection, event: Envelope) -> None:
        """The handler under test: one effect row per application."""
        await session.execute(self.effects.insert().values(event_id=event.id, note=str(event.data)))

    async def effect_counts(self) -> dict[uuid.UUID, int]:
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(self.effects.c.event_id, func.count()).group_by(self.effects.c.event_id)
            )
            return {r[0]: r[1] for r in rows}


@pytest.fixture
async def kit(pg_url: str, redis_url: str) -> AsyncIterator[KitSchema]:
    schema = f"kit_{uuid.uuid4().hex[:8]}"
    metadata = schema_metadata(schema)
    outbox = Outbox(outbox_table(metadata))
    inbox = Inbox(inbox_table(metadata))
    effects = Table(
        "effects",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("note", String(200)),
    )
    db = Database(pg_url, pool_size=5)
    async with db.engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    redis = Redis.from_url(redis_url)
    yield KitSchema(schema, metadata, db, outbox, inbox, effects, redis, f"test.{schema}")
    await redis.aclose()
    async with db.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await db.dispose()
