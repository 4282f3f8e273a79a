"""Idempotent inbox: an event's effects and its id commit together, so it applies once."""

from __future__ import annotations

from uuid import UUID

from mes_contracts.envelope import Envelope
from sqlalchemy import Column, DateTime, MetaData, String, Table, Uuid, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection


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
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


class Inbox:
    def __init__(self, table: Table) -> None:
        self.table = table

    async def claim_many(
        self, session: AsyncConnection, events: list[Envelope], consumer: str
    ) -> set[UUID]:
        """Ids of the events `consumer` sees for the first time, claimed in one statement."""
        unique = {event.id: event.type for event in events}
        stmt = (
            insert(self.table)
            .values(
                [
                    {"event_id": event_id, "consumer": consumer, "event_type": event_type}
                    for event_id, event_type in unique.items()
                ]
            )
            .on_conflict_do_nothing()
            .returning(self.table.c.event_id)
        )
        return set((await session.execute(stmt)).scalars())

    async def seen(self, session: AsyncConnection, event_id: UUID, consumer: str) -> bool:
        """Whether `consumer` has applied the event already."""
        stmt = select(self.table.c.event_id).where(
            self.table.c.event_id == event_id, self.table.c.consumer == consumer
        )
        return (await session.execute(stmt)).first() is not None
