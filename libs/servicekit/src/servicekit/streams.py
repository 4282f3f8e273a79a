"""Redis Streams consumption on FastStream, made safe.

For each stream a service consumes, `EventConsumers` registers two FastStream
subscribers on the same consumer group:
- a live subscriber (XREADGROUP >) for new entries,
- a reclaimer (XAUTOCLAIM) that takes over entries left pending by a crashed or failing
  consumer once they have been idle for `min_idle_ms`.
Groups are created at `0`, so events published before the group existed are consumed.
New entries are read in batches and applied inside one DB transaction together with their
inbox rows (keyed on the envelope id), acknowledged only after commit; if a batch fails, its
events are applied one by one so a bad event holds back no other. An entry that fails `max_deliveries`
times, or cannot be parsed at all, is moved to `<stream>.dlq` and acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from faststream import AckPolicy
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.message import RedisBatchStreamMessage, RedisStreamMessage
from faststream.redis.parser import MessageFormat
from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD, dead_letter_entry, dead_letter_stream
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from sqlalchemy.ext.asyncio import AsyncConnection

from .db import Database
from .failures import is_outage
from .inbox import Inbox
from .logging import get_logger
from .metrics import EVENT_LAG, EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, STREAM_PENDING
from .tracing import context_from_traceparent, tracer

log = get_logger(__name__)

EventHandler = Callable[[AsyncConnection, Envelope], Awaitable[None]]


class EnvelopeFormat(MessageFormat):
    """Wire format: one field `__data__` holding the envelope's JSON, readable by anyone."""

    @classmethod
    async def encode(cls, *, message: Any, **_: Any) -> bytes:  # type: ignore[override]
        if isinstance(message, Envelope):
            return message.to_json()
        if isinstance(message, bytes):
            return message
        return Envelope.model_validate(message).to_json()

    @classmethod
    def parse(cls, data: bytes) -> tuple[bytes, dict[str, Any]]:
        return data, {"content-type": "application/json"}


def make_broker(redis_url: str) -> RedisBroker:
    # FastStream logs per message; route it through our JSON logging at DEBUG level.
    return RedisBroker(
        redis_url,
        message_format=EnvelopeFormat,
        logger=logging.getLogger("faststream"),
        log_level=logging.DEBUG,
    )


@dataclass(frozen=True)
class Subscription:
    stream: str
    handler: EventHandler


class EventConsumers:
    """Registers handlers for streams under one consumer group (one per service)."""

    def __init__(
        self,
        *,
        broker: RedisBroker,
        db: Database,
        inbox: Inbox,
        group: str,
        consumer: str,
        min_idle_ms: int = 30_000,
        reclaim_interval_ms: int = 1_000,
        max_deliveries: int = 5,
        block_ms: int = 1_000,
        batch_size: int = 100,
    ) -> None:
        self.broker = broker
        self.db = db
        self.inbox = inbox
        self.group = group
        self.consumer = consumer
        self.min_idle_ms = min_idle_ms
        self.reclaim_interval_ms = reclaim_interval_ms
        self.max_deliveries = max_deliveries
        self.block_ms = block_ms
        self.batch_size = batch_size
        self.subscriptions: dict[str, Subscription] = {}
        self._gauge_task: asyncio.Task[None] | None = None

    @property
    def streams(self) -> list[str]:
        return list(self.subscriptions)

    def on(self, stream: str) -> Callable[[EventHandler], EventHandler]:
        """Decorator: `@consumers.on("lot.created") async def h(session, event): ...`."""

        def register(handler: EventHandler) -> EventHandler:
            self.add(stream, handler)
            return handler

        return register

    def add(self, stream: str, handler: EventHandler) -> None:
        if stream in self.subscriptions:
            raise ValueError(f"{stream} already has a handler in group {self.group}")
        sub = Subscription(stream, handler)
        self.subscriptions[stream] = sub
        # Groups are created at 0 by ensure_groups() before the broker starts; FastStream
        # then finds them existing and reads new entries with `>`. (Passing last_id="0"
        # would make it read only this consumer's own pending list, forever.)
        # New entries are read in batches: whatever has arrived, up to batch_size, is applied
        # in one transaction (one entry when the line is quiet, more when it is busy).
        live = StreamSub(
            stream,
            group=self.group,
            consumer=self.consumer,
            polling_interval=self.block_ms,
            batch=True,
            max_records=self.batch_size,
        )
        reclaimer = StreamSub(
            stream,
            group=self.group,
            consumer=self.consumer,
            min_idle_time=self.min_idle_ms,
            polling_interval=self.reclaim_interval_ms,
        )
        context = self.broker.context

        # The handlers take no parameters: FastStream resolves injected parameters in a
        # worker thread, which cost more than the event's own work. The message is read
        # from FastStream's context instead.
        async def on_live() -> None:
            await self._consume(sub, context.get_local("message"), reclaimed=False)

        async def on_reclaimed() -> None:
            await self._consume(sub, context.get_local("message"), reclaimed=True)

        self.broker.subscriber(
            stream=live,
            ack_policy=AckPolicy.MANUAL,
            title=f"{self.group}:{stream}",
            description=f"{self.group} consumes {stream}",
        )(on_live)
        self.broker.subscriber(
            stream=reclaimer,
            ack_policy=AckPolicy.MANUAL,
            include_in_schema=False,
        )(on_reclaimed)

    async def _consume(
        self,
        sub: Subscription,
        msg: RedisStreamMessage | RedisBatchStreamMessage,
        *,
        reclaimed: bool,
    ) -> None:
        client: Redis = msg.consumer  # type: ignore[assignment]
        raw = msg.raw_message
        data = raw["data"]
        entries = zip(raw["message_ids"], [data] if isinstance(data, dict) else data, strict=True)
        parsed: list[tuple[bytes, Envelope]] = []
        bodies: dict[bytes, bytes] = {}
        for entry_id, fields in entries:
            body = bodies[entry_id] = fields.get(DATA_FIELD.encode(), b"")
            try:
                parsed.append((entry_id, Envelope.from_json(body)))
            except ValueError as exc:
                await self._dead_letter(
                    client, sub.stream, entry_id, body, f"unparseable envelope: {exc}", 1
                )
        if len(parsed) > 1:
            try:
                await self._apply(sub, parsed)
            except Exception as exc:
                # One bad event must not hold back the others: apply them one by one.
                log.info("batch failed, applying one by one", stream=sub.stream, error=repr(exc))
            else:
                await client.xack(sub.stream, self.group, *(entry_id for entry_id, _ in parsed))
                return
        for entry_id, event in parsed:
            deliveries = await msg.get_delivery_count() if reclaimed else 1  # type: ignore[union-attr]
            try:
                await self._apply(sub, [(entry_id, event)])
            except Exception as exc:
                EVENTS_CONSUMED.labels(self.group, sub.stream, "failed").inc()
                outage = is_outage(exc)
                log.warning(
                    "event handling failed",
                    stream=sub.stream,
                    event_id=str(event.id),
                    deliveries=deliveries,
                    outage=outage,
                    error=repr(exc),
                )
                # An outage (database or Redis away) is no fault of the event: it stays
                # pending however often it was tried, and is never dead-lettered for it.
                if deliveries >= self.max_deliveries and not outage:
                    await self._give_up(
                        client, sub.stream, entry_id, event, bodies[entry_id], exc, deliveries
                    )
                continue  # left pending: the reclaimer retries it after min_idle_ms
            await client.xack(sub.stream, self.group, entry_id)

    async def _give_up(
        self,
        client: Redis,
        stream: str,
        entry_id: bytes,
        event: Envelope,
        raw: bytes,
        exc: Exception,
        deliveries: int,
    ) -> None:
        """Dead-letter an event that keeps failing, unless it was applied after all (its
        acknowledgement was what failed, e.g. Redis restarted right after the commit)."""
        async with self.db.transaction() as session:
            applied = await self.inbox.seen(session, event.id, self.group)
        if applied:
            await client.xack(stream, self.group, entry_id)
            return
        await self._dead_letter(client, stream, entry_id, raw, repr(exc), deliveries)

    async def _apply(self, sub: Subscription, events: list[tuple[bytes, Envelope]]) -> None:
        """Apply events in one transaction with their inbox rows; duplicates are skipped."""
        applied: set[UUID] = set()
        async with self.db.transaction() as session:
            fresh = await self.inbox.claim_many(session, [e for _, e in events], self.group)
            for _, event in events:
                if event.id not in fresh or event.id in applied:
                    continue
                applied.add(event.id)
                with tracer().start_as_current_span(
                    f"consume {sub.stream}",
                    context=context_from_traceparent(event.traceparent),
                    attributes={
                        "messaging.system": "redis",
                        "messaging.destination": sub.stream,
                    },
                ):
                    await sub.handler(session, event)
        now = datetime.now(UTC)
        for _, event in events:
            if event.id in applied:
                applied.discard(event.id)
                EVENTS_CONSUMED.labels(self.group, sub.stream, "applied").inc()
                lag = (now - event.time).total_seconds()
                EVENT_LAG.labels(self.group, sub.stream).observe(max(lag, 0.0))
            else:
                EVENTS_CONSUMED.labels(self.group, sub.stream, "duplicate").inc()

    async def _dead_letter(
        self,
        client: Redis,
        stream: str,
        entry_id: bytes,
        raw: bytes,
        reason: str,
        deliveries: int,
    ) -> None:
        fields = dead_letter_entry(
            raw,
            stream=stream,
            entry_id=entry_id.decode(),
            group=self.group,
            deliveries=deliveries,
            error=reason,
        )
        await client.xadd(dead_letter_stream(stream), fields)
        await client.xack(stream, self.group, entry_id)
        EVENTS_DEAD_LETTERED.labels(self.group, stream).inc()
        log.error("event dead-lettered", stream=stream, entry_id=entry_id.decode(), reason=reason)

    async def ensure_groups(self, redis: Redis) -> None:
        """Create every group at 0 (FastStream would create it at `$` and skip history)."""
        for stream in self.subscriptions:
            try:
                await redis.xgroup_create(stream, self.group, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def missing_groups(self, redis: Redis) -> list[str]:
        missing = []
        for stream in self.subscriptions:
            try:
                groups = await redis.xinfo_groups(stream)
            except ResponseError:
                missing.append(stream)
                continue
            names = {
                g["name"].decode() if isinstance(g["name"], bytes) else g["name"] for g in groups
            }
            if self.group not in names:
                missing.append(stream)
        return missing

    async def start_gauges(self, redis: Redis, every_s: float = 5.0) -> None:
        async def loop() -> None:
            while True:
                for stream in self.subscriptions:
                    with contextlib.suppress(ResponseError):
                        info = await redis.xpending(stream, self.group)
                        STREAM_PENDING.labels(self.group, stream).set(info["pending"])
                await asyncio.sleep(every_s)

        self._gauge_task = asyncio.create_task(loop(), name=f"pending-gauges-{self.group}")

    async def stop_gauges(self) -> None:
        if self._gauge_task:
            self._gauge_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._gauge_task
