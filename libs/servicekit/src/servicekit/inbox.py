"""Idempotent inbox: an event's effects and its id commit together, so it applies once."""

from __future__ import annotations

from uuid import UUID

from mes_contracts.envelope import Envelope
from sqlalchemy import Column, MetaData, String, Table, Uuid
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import now_column, raw


def inbox_table(metadata: MetaData) -> Table:
    """The service's inbox table (defined once per schema metadata)."""
    existing = metadata.tables.get(f"{metadata.schema}.inbox")
    if existing is not None:
        return existing
    return Table(
        "inbox",
        metadata,
        Column("event_id", Uuid, primary_key=True),
        Column("consumer", String(100), primary_key=True),
        Column("event_type", String(100), nullable=False),
        now_column("received_at"),
    )


class Inbox:
    """Claims run as one prepared statement on raw asyncpg (ADR 0014): a batch of any size
    is the same SQL text, so it is parsed once per connection, not compiled per batch size."""

    def __init__(self, table: Table) -> None:
        self.table = table
        inbox = f'"{table.schema}".inbox'
        self._claim = (
            f"INSERT INTO {inbox} (event_id, consumer, event_type) "  # noqa: S608 - our schema
            "SELECT u.event_id, $2, u.event_type FROM unnest($1::uuid[], $3::text[]) "
            "AS u(event_id, event_type) ON CONFLICT DO NOTHING RETURNING event_id"
        )
        self._seen = f"SELECT 1 FROM {inbox} WHERE event_id = $1 AND consumer = $2"  # noqa: S608

    async def claim_many(
        self, session: AsyncConnection, events: list[Envelope], consumer: str
    ) -> set[UUID]:
        """Ids of the events `consumer` sees for the first time, claimed in one statement
        (an id twice in the batch is claimed once)."""
        unique = {event.id: event.type for event in events}
        if not unique:
            return set()
        rows = await (await raw(session)).fetch(
            self._claim, list(unique), consumer, list(unique.values())
        )
        return {row[0] for row in rows}

    async def seen(self, session: AsyncConnection, event_id: UUID, consumer: str) -> bool:
        """Whether `consumer` has applied the event already."""
        return await (await raw(session)).fetchval(self._seen, event_id, consumer) is not None
