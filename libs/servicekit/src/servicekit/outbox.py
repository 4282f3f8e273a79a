"""Transactional outbox: the event row commits with the state change; a relay publishes it.

A crash between commit and XADD only delays an event: the row stays unpublished and the
next relay pass (in this or another replica, thanks to FOR UPDATE SKIP LOCKED) sends it.
Consumers deduplicate on the envelope id, so a row published twice is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

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
    func,
    insert,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

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
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
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
    """Writes events into this service's outbox inside the caller's transaction."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._notify = text(f"SELECT pg_notify('{notify_channel(table.schema)}', '')")

    async def add(self, session: AsyncConnection, *events: Envelope) -> None:
        if not events:
            return
        await session.execute(
            insert(self.table),
            [{"event_id": e.id, "stream": e.type, "payload": e.to_json()} for e in events],
        )
        # Delivered at commit, so the relay wakes as soon as the row is visible.
        await session.execute(self._notify)


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
        self.paused = False  # tests pause the relay to simulate a crash window

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.schema}")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def wake(self) -> None:
        self._wake.set()

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
                while not self._stopping:
                    if not self.paused:
                        sent = await self.publish_batch(conn)
                        if sent == self.batch_size:
                            continue  # more waiting: drain without sleeping
                        now = datetime.now(UTC)
                        if now - last_prune > timedelta(hours=1):
                            await self._prune(conn)
                            last_prune = now
                    self._wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
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

    async def publish_batch(self, conn: asyncpg.Connection) -> int:
        """Publish one batch; rows stay locked (SKIP LOCKED) so replicas never double-send."""
        table = f'"{self.schema}".outbox'
        async with conn.transaction():
            rows = await conn.fetch(
                f"SELECT seq, stream, payload, created_at FROM {table} "  # noqa: S608 - schema is ours
                "WHERE published_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
                self.batch_size,
            )
            if not rows:
                OUTBOX_UNPUBLISHED.labels(self.schema).set(0)
                return 0
            async with self.redis.pipeline(transaction=False) as pipe:
                for row in rows:
                    pipe.xadd(
                        row["stream"],
                        {DATA_FIELD: row["payload"]},
                        maxlen=self.stream_maxlen,
                        approximate=True,
                    )
                await pipe.execute()
            await self._mark_published(conn, [r["seq"] for r in rows])
        now = datetime.now(UTC)
        OUTBOX_PUBLISHED.labels(self.schema).inc(len(rows))
        OUTBOX_LAG.labels(self.schema).observe((now - rows[0]["created_at"]).total_seconds())
        return len(rows)

    async def _mark_published(self, conn: asyncpg.Connection, seqs: list[int]) -> None:
        await conn.execute(
            f'UPDATE "{self.schema}".outbox SET published_at = now(), attempts = attempts + 1 '  # noqa: S608
            "WHERE seq = ANY($1::bigint[])",
            seqs,
        )

    async def _prune(self, conn: asyncpg.Connection) -> None:
        await conn.execute(
            f'DELETE FROM "{self.schema}".outbox '  # noqa: S608
            "WHERE published_at IS NOT NULL AND published_at < now() - $1::interval",
            self.retention,
        )
