"""Transactional outbox: the event row commits with the state change; a relay publishes it.

A crash between commit and XADD only delays an event: the row stays unpublished and the
next relay pass (in this or another replica, thanks to FOR UPDATE SKIP LOCKED) sends it.
Consumers deduplicate on the envelope id, so a row published twice is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD
from redis.asyncio import Redis
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import now_column, raw
from .logging import get_logger
from .metrics import OUTBOX_LAG, OUTBOX_PUBLISHED, OUTBOX_UNPUBLISHED

log = get_logger(__name__)


def outbox_table(metadata: MetaData) -> Table:
    """The service's outbox table (defined once per schema metadata)."""
    existing = metadata.tables.get(f"{metadata.schema}.outbox")
    if existing is not None:
        return existing
    return Table(
        "outbox",
        metadata,
        Column("seq", BigInteger, Identity(always=True), primary_key=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("stream", String(100), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        now_column("created_at"),
        Column("published_at", DateTime(timezone=True)),
        Column("attempts", BigInteger, nullable=False, server_default="0"),
        Index(
            "ix_outbox_unpublished",
            "seq",
            postgresql_where=text("published_at IS NULL"),
        ),
    )


def notify_channel(schema: str) -> str:
    return f"mes_outbox_{schema}"


class Outbox:
    """Writes events into this service's outbox inside the caller's transaction.

    One statement per call (raw asyncpg, ADR 0014): the rows go in through `unnest` of three
    arrays, and each inserted row's RETURNING notifies the relay (PostgreSQL delivers a
    transaction's identical notifications once, at commit, when the rows are visible).
    A use case that writes its own rows can insert its events in the same statement:
    `cte()` is the part to put in its WITH, `params()` the arrays to pass.
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self.schema = table.schema
        self._add = self.insert(1)

    def insert(self, first: int, *, when: str | None = None) -> str:
        """The INSERT, reading its arrays from parameters `$first`..`$first+2` (sequence
        numbers in the order given); with `when` (an SQL condition) only if it holds."""
        condition = f" WHERE {when}" if when else ""
        return (
            f'INSERT INTO "{self.schema}".outbox (event_id, stream, payload) '  # noqa: S608 - our schema
            "SELECT u.event_id, u.stream, u.payload FROM unnest("
            f"${first}::uuid[], ${first + 1}::text[], ${first + 2}::bytea[]"
            f") WITH ORDINALITY AS u(event_id, stream, payload, n){condition} ORDER BY u.n "
            f"RETURNING pg_notify('{notify_channel(self.schema)}', '')"
        )

    def cte(self, first: int, *, when: str | None = None, name: str = "outbox_rows") -> str:
        """`name AS (INSERT …)` for a caller's WITH, e.g. `when="EXISTS (SELECT FROM rec)"`.
        A data-modifying CTE always runs, whether or not the statement selects from it."""
        return f"{name} AS ({self.insert(first, when=when)})"

    @staticmethod
    def params(events: tuple[Envelope, ...] | list[Envelope]) -> list[list[Any]]:
        return [[e.id for e in events], [e.type for e in events], [e.to_json() for e in events]]

    async def add(self, session: AsyncConnection, *events: Envelope) -> None:
        if not events:
            return
        await (await raw(session)).execute(self._add, *self.params(events))


class OutboxRelay:
    """Publishes unpublished outbox rows to Redis Streams, in commit order per service."""

    def __init__(
        self,
        *,
        dsn: str,
        schema: str,
        redis: Redis,
        poll_seconds: float = 1.0,
        batch_size: int = 500,
        stream_maxlen: int | None = None,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.dsn = dsn
        self.schema = schema
        self.redis = redis
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.stream_maxlen = stream_maxlen
        self.retention = retention
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        table = f'"{schema}".outbox'
        self._probe_sql = f"SELECT 1 FROM {table} WHERE published_at IS NULL LIMIT 1"  # noqa: S608
        self._take_sql = (
            f"UPDATE {table} o SET published_at = now(), attempts = o.attempts + 1 "  # noqa: S608
            f"FROM (SELECT seq FROM {table} WHERE published_at IS NULL "
            "ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED) batch "
            "WHERE o.seq = batch.seq RETURNING o.seq, o.stream, o.payload, o.created_at"
        )

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.schema}")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        while not self._stopping:
            try:
                conn = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("outbox relay cannot connect", error=str(exc))
                await asyncio.sleep(self.poll_seconds)
                continue
            try:
                await conn.add_listener(notify_channel(self.schema), self._on_notify)
                last_prune = datetime.min.replace(tzinfo=UTC)
                notified = True  # rows may have been left by a previous run
                while not self._stopping:
                    # Cleared before the batch: a commit notified meanwhile wakes the wait.
                    self._wake.clear()
                    if notified or await self._any_unpublished(conn):
                        sent = await self.publish_batch(conn)
                        if sent == self.batch_size:
                            continue  # more waiting: drain without sleeping
                        now = datetime.now(UTC)
                        if now - last_prune > timedelta(hours=1):
                            await self._prune(conn)
                            last_prune = now
                    notified = False
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                        notified = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep relaying after Redis or DB hiccups
                log.warning("outbox relay error, retrying", error=str(exc))
                await asyncio.sleep(self.poll_seconds)
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()

    def _on_notify(self, *_args: object) -> None:
        self._wake.set()

    async def _any_unpublished(self, conn: asyncpg.Connection) -> bool:
        """The poll between notifications: one indexed probe, no transaction."""
        found = await conn.fetchval(self._probe_sql)
        if not found:
            OUTBOX_UNPUBLISHED.labels(self.schema).set(0)
        return bool(found)

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        """Publish one batch: the rows are taken and marked in one statement (FOR UPDATE SKIP
        LOCKED, so replicas never double-send), XADDed, and the mark commits only after the
        XADDs succeeded; a failure or crash in between leaves them unpublished."""
        async with conn.transaction():
            rows = sorted(await conn.fetch(self._take_sql, self.batch_size), key=lambda r: r["seq"])
            if not rows:
                OUTBOX_UNPUBLISHED.labels(self.schema).set(0)
                return 0
            await self._send(rows)
        now = datetime.now(UTC)
        OUTBOX_PUBLISHED.labels(self.schema).inc(len(rows))
        OUTBOX_LAG.labels(self.schema).observe((now - rows[0]["created_at"]).total_seconds())
        return len(rows)

    async def _send(self, rows: list[asyncpg.Record]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for row in rows:
                pipe.xadd(
                    row["stream"],
                    {DATA_FIELD: row["payload"]},
                    maxlen=self.stream_maxlen,
                    approximate=True,
                )
            await pipe.execute()

    async def _prune(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            f'DELETE FROM "{self.schema}".outbox '  # noqa: S608
            "WHERE published_at IS NOT NULL AND published_at < now() - $1::interval",
            self.retention,
        )
