"""A consumer replica that dies (SIGKILL) in the middle of handling its first event,
after reading it from the stream and before committing or acknowledging it.

Run as: python crashing_consumer.py <pg_url> <redis_url> <schema> <stream> <group>
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from mes_contracts.envelope import Envelope
from redis.asyncio import Redis
from servicekit.db import Database, schema_metadata
from servicekit.inbox import Inbox, inbox_table
from servicekit.streams import EventConsumers
from sqlalchemy import BigInteger, Column, Identity, String, Table, Uuid
from sqlalchemy.ext.asyncio import AsyncConnection


async def main(pg_url: str, redis_url: str, schema: str, stream: str, group: str) -> None:
    metadata = schema_metadata(schema)
    effects = Table(
        "effects",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("note", String(200)),
    )
    db = Database(pg_url, pool_size=1)
    consumers = EventConsumers(
        db=db,
        inbox=Inbox(inbox_table(metadata)),
        group=group,
        consumer="doomed-replica",
    )

    async def handle(session: AsyncConnection, event: Envelope) -> None:
        await session.execute(effects.insert().values(event_id=event.id, note="doomed"))
        print("handling, about to die", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    consumers.add(stream, handle)
    await consumers.start(Redis.from_url(redis_url))
    await asyncio.sleep(30)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
