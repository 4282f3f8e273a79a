"""Redis Streams consumption for one consumer group, made safe and cheap (ADR 0015).

A service's group reads every stream it consumes with ONE blocking reader: a multi-stream
`XREADGROUP … BLOCK … STREAMS s1 s2 … > > …`. Whatever has arrived (up to `batch_size`
per stream) is applied in one DB transaction together with its inbox rows (keyed on the
envelope id), in the order Redis assigned the entries (entry ids are comparable across the
streams of one Redis), and acknowledged only after the commit. If a batch fails, its events
are applied one by one so a bad event holds back no other; an event that fails is retried
a few times within the second (another stream's event it depends on may be in the next
read), then left pending.

A slow sweep (`reclaim_interval_ms`, one pipelined round trip for all streams) takes over
entries left pending by a crashed or failing consumer once they have been idle for
`min_idle_ms` (XAUTOCLAIM). Groups are created at `0`, so events published before the
group existed are consumed. An entry that fails `max_deliveries` times, cannot be
parsed at all, or whose payload breaks its contract (a pydantic ValidationError: it would
fail the same way every time) is moved to `<stream>.dlq` and acknowledged. An outage (database or Redis
away) is never the event's fault: it stays pending and is never dead-lettered for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD, dead_letter_entry, dead_letter_stream
from pydantic import ValidationError
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
_DATA = DATA_FIELD.encode()
# Quick in-process retries of a failed event before it is left to the reclaimer (seconds
# after the failure): an event of another stream it depends on usually arrives meanwhile.
_QUICK_RETRIES = (0.1, 0.3, 1.0)


@dataclass(frozen=True)
class Subscription:
    stream: str
    handler: EventHandler


@dataclass
class Entry:
    """One stream entry read for the group."""

    stream: str
    entry_id: bytes
    body: bytes
    event: Envelope | None = None
    deliveries: int = 1
    retries: int = 0
    due: float = 0.0

    @property
    def order(self) -> tuple[int, datetime | None, int]:
        """Redis's millisecond first (one clock for every stream), then, within the same
        millisecond, when the event was made (entry sequences count per stream only)."""
        ms, _, seq = self.entry_id.partition(b"-")
        return int(ms), self.event.time if self.event else None, int(seq or 0)


@dataclass
class _Retries:
    waiting: list[Entry] = field(default_factory=list)

    def due(self, now: float) -> list[Entry]:
        ready = [e for e in self.waiting if e.due <= now]
        self.waiting = [e for e in self.waiting if e.due > now]
        return ready

    def next_wait(self, now: float, longest: float) -> float:
        if not self.waiting:
            return longest
        return max(0.0, min(longest, min(e.due for e in self.waiting) - now))


def _next_offsets(offsets: dict[str, str], entries: list[Entry]) -> dict[str, str]:
    """After a read: a stream still replaying this consumer's pending history ("0" or the
    last id replayed) moves past what it got, or to new entries (">") once none is left.
    Replayed entries count as redelivered, so they get no quick retries."""
    if all(offset == ">" for offset in offsets.values()):
        return offsets
    last: dict[str, bytes] = {}
    for entry in entries:
        if offsets[entry.stream] != ">":
            entry.deliveries = 2
            last[entry.stream] = entry.entry_id
    return {
        stream: offset if offset == ">" else (last[stream].decode() if stream in last else ">")
        for stream, offset in offsets.items()
    }


class EventConsumers:
    """The handlers of one consumer group (one per service), fed by one reader task."""

    def __init__(
        self,
        *,
        db: Database,
        inbox: Inbox,
        group: str,
        consumer: str,
        min_idle_ms: int = 30_000,
        reclaim_interval_ms: int = 5_000,
        max_deliveries: int = 5,
        block_ms: int = 5_000,
        batch_size: int = 100,
    ) -> None:
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
        self.redis: Redis | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._retries = _Retries()
        self._stopping = False
        self._busy = asyncio.Lock()  # held while a batch is applied: stop() waits for it
        # Quick retries only while the reclaimer would not take the entry meanwhile (it
        # would count a delivery for each of its claims).
        self._quick_retries = sum(_QUICK_RETRIES) + 0.5 < min_idle_ms / 1000

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
        self.subscriptions[stream] = Subscription(stream, handler)

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self, redis: Redis) -> None:
        """Create the groups, then read and sweep in the background until `stop()`."""
        if not self.subscriptions:
            return
        self.redis = redis  # the blocking read takes a connection of its pool per read
        self._stopping = False
        await self.ensure_groups(redis)
        self._tasks = [
            asyncio.create_task(self._read_loop(), name=f"read-{self.group}"),
            asyncio.create_task(self._sweep_loop(), name=f"reclaim-{self.group}"),
        ]

    async def stop(self, grace_s: float = 10.0) -> None:
        """Stop reading; a batch being applied is finished (up to `grace_s`) first."""
        self._stopping = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_s):
                async with self._busy:
                    pass
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []

    # -- reading --------------------------------------------------------------------------
    async def _read_loop(self) -> None:
        assert self.redis is not None
        # This consumer's own pending entries first: a restart under the same consumer
        # name (the launcher gives each process slot a stable one) picks up at once what
        # the crashed run had read and not acknowledged, instead of after min_idle_ms.
        offsets = dict.fromkeys(self.subscriptions, "0")
        backoff = 0.1
        while not self._stopping:
            wait = self._retries.next_wait(time.monotonic(), self.block_ms / 1000)
            try:
                reply = await self.redis.xreadgroup(
                    self.group,
                    self.consumer,
                    offsets,  # type: ignore[arg-type]
                    count=self.batch_size,
                    block=max(1, int(wait * 1000)),
                )
                entries = list(self._entries(reply))
                offsets = _next_offsets(offsets, entries)
                async with self._busy:
                    if entries:
                        await self._handle(entries)
                    retry = self._retries.due(time.monotonic())
                    if retry:
                        await self._handle(retry, one_by_one=True)
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The reader never dies: what it read and did not acknowledge stays pending.
                if isinstance(exc, ResponseError) and "NOGROUP" in str(exc):
                    # Redis lost the group (a restart without its data): create it again.
                    log.warning("consumer group missing, creating it again", group=self.group)
                    await self._pause_then(self.ensure_groups(self.redis), backoff)
                elif is_outage(exc):
                    log.warning("stream read failed", group=self.group, error=repr(exc))
                    await asyncio.sleep(backoff)
                else:
                    log.error("stream reader failed", group=self.group, error=repr(exc))
                    await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _pause_then(self, work: Awaitable[None], pause: float) -> None:
        await asyncio.sleep(pause)
        with contextlib.suppress(Exception):
            await work

    def _entries(self, reply: object) -> Iterable[Entry]:
        items = reply.items() if isinstance(reply, dict) else (reply or [])
        for stream, stream_entries in items:
            name = stream.decode() if isinstance(stream, bytes) else stream
            # RESP3 wraps each stream's list once more.
            if stream_entries and isinstance(stream_entries[0], list):
                stream_entries = stream_entries[0]
            for entry_id, fields in stream_entries:
                if entry_id is None:
                    continue
                yield Entry(name, entry_id, (fields or {}).get(_DATA, b""))

    # -- reclaiming -----------------------------------------------------------------------
    async def _sweep_loop(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.reclaim_interval_ms / 1000)
            try:
                claimed = await self._claim_idle()
                if claimed:
                    async with self._busy:
                        await self._handle(claimed, one_by_one=True)
            except Exception as exc:
                if not is_outage(exc):
                    log.error("reclaim sweep failed", group=self.group, error=repr(exc))
                else:
                    log.warning("reclaim sweep failed", group=self.group, error=repr(exc))

    async def _claim_idle(self) -> list[Entry]:
        """Entries idle for min_idle_ms in any stream, claimed for this consumer in one
        round trip, with their delivery counts (a second round trip, only when some were)."""
        assert self.redis is not None
        pipe = self.redis.pipeline(transaction=False)
        for stream in self.subscriptions:
            pipe.xautoclaim(
                stream, self.group, self.consumer, self.min_idle_ms, "0-0", count=self.batch_size
            )
        replies = await pipe.execute(raise_on_error=False)
        claimed: list[Entry] = []
        for stream, reply in zip(self.subscriptions, replies, strict=True):
            if isinstance(reply, Exception):
                if "NOGROUP" in str(reply):
                    await self.ensure_groups(self.redis)
                    continue
                raise reply
            for entry_id, fields, *_ in reply[1]:
                if entry_id is not None:
                    claimed.append(Entry(stream, entry_id, (fields or {}).get(_DATA, b"")))
            for deleted in reply[2] if len(reply) > 2 else ():
                # Trimmed from the stream while pending: nothing left to apply.
                await self.redis.xack(stream, self.group, deleted)
        if claimed:
            pipe = self.redis.pipeline(transaction=False)
            for entry in claimed:
                pipe.xpending_range(
                    entry.stream, self.group, entry.entry_id, entry.entry_id, 1, self.consumer
                )
            for entry, info in zip(claimed, await pipe.execute(), strict=True):
                entry.deliveries = info[0]["times_delivered"] if info else 1
        return claimed

    # -- applying -------------------------------------------------------------------------
    async def _handle(self, entries: list[Entry], *, one_by_one: bool = False) -> None:
        parsed = [e for e in entries if e.event is not None or await self._parse(e)]
        parsed.sort(key=lambda e: e.order)
        if len(parsed) > 1 and not one_by_one:
            try:
                await self._apply(parsed)
            except Exception as exc:
                # One bad event must not hold back the others: apply them one by one.
                log.info("batch failed, applying one by one", group=self.group, error=repr(exc))
            else:
                await self._ack(parsed)
                return
        for entry in parsed:
            try:
                await self._apply([entry])
            except Exception as exc:
                await self._failed(entry, exc)
                continue
            await self._ack([entry])

    async def _parse(self, entry: Entry) -> bool:
        try:
            entry.event = Envelope.from_json(entry.body)
        except ValueError as exc:
            await self._dead_letter(entry, f"unparseable envelope: {exc}")
            return False
        return True

    async def _failed(self, entry: Entry, exc: Exception) -> None:
        assert entry.event is not None
        EVENTS_CONSUMED.labels(self.group, entry.stream, "failed").inc()
        outage = is_outage(exc)
        log.warning(
            "event handling failed",
            stream=entry.stream,
            event_id=str(entry.event.id),
            deliveries=entry.deliveries,
            outage=outage,
            error=repr(exc),
        )
        if outage:
            return  # left pending, whatever the count: the reclaimer retries it
        if isinstance(exc, ValidationError):
            # A payload that breaks its contract fails the same way every time: set it
            # aside at once (replayable from the DLQ once fixed) instead of retrying it.
            await self._give_up(entry, exc)
        elif entry.deliveries >= self.max_deliveries:
            await self._give_up(entry, exc)
        elif (
            self._quick_retries
            and entry.deliveries == 1
            and entry.retries < len(_QUICK_RETRIES)
            and not self._stopping
        ):
            # Only a first delivery is retried at once; a reclaimed one waits for the sweep.
            entry.due = time.monotonic() + _QUICK_RETRIES[entry.retries]
            entry.retries += 1
            self._retries.waiting.append(entry)
        # else: left pending; the reclaimer retries it after min_idle_ms

    async def _ack(self, entries: list[Entry]) -> None:
        assert self.redis is not None
        by_stream: dict[str, list[bytes]] = {}
        for entry in entries:
            by_stream.setdefault(entry.stream, []).append(entry.entry_id)
        if len(by_stream) == 1:
            ((stream, ids),) = by_stream.items()
            await self.redis.xack(stream, self.group, *ids)
            return
        pipe = self.redis.pipeline(transaction=False)
        for stream, ids in by_stream.items():
            pipe.xack(stream, self.group, *ids)
        await pipe.execute()

    async def _give_up(self, entry: Entry, exc: Exception) -> None:
        """Dead-letter an event that keeps failing, unless it was applied after all (its
        acknowledgement was what failed, e.g. Redis restarted right after the commit)."""
        assert entry.event is not None
        async with self.db.transaction() as session:
            applied = await self.inbox.seen(session, entry.event.id, self.group)
        if applied:
            await self._ack([entry])
            return
        await self._dead_letter(entry, repr(exc))

    async def _apply(self, entries: list[Entry]) -> None:
        """Apply events in one transaction with their inbox rows; duplicates are skipped."""
        events = [e.event for e in entries if e.event is not None]
        applied: set[UUID] = set()
        async with self.db.transaction() as session:
            fresh = await self.inbox.claim_many(session, events, self.group)
            for entry in entries:
                event = entry.event
                assert event is not None
                if event.id not in fresh or event.id in applied:
                    continue
                applied.add(event.id)
                with tracer().start_as_current_span(
                    f"consume {entry.stream}",
                    context=context_from_traceparent(event.traceparent),
                    attributes={
                        "messaging.system": "redis",
                        "messaging.destination": entry.stream,
                    },
                ):
                    await self.subscriptions[entry.stream].handler(session, event)
        now = datetime.now(UTC)
        for entry in entries:
            event = entry.event
            assert event is not None
            if event.id in applied:
                applied.discard(event.id)
                EVENTS_CONSUMED.labels(self.group, entry.stream, "applied").inc()
                lag = (now - event.time).total_seconds()
                EVENT_LAG.labels(self.group, entry.stream).observe(max(lag, 0.0))
            else:
                EVENTS_CONSUMED.labels(self.group, entry.stream, "duplicate").inc()

    async def _dead_letter(self, entry: Entry, reason: str) -> None:
        assert self.redis is not None
        fields = dead_letter_entry(
            entry.body,
            stream=entry.stream,
            entry_id=entry.entry_id.decode(),
            group=self.group,
            deliveries=entry.deliveries,
            error=reason,
        )
        await self.redis.xadd(dead_letter_stream(entry.stream), fields)
        await self.redis.xack(entry.stream, self.group, entry.entry_id)
        EVENTS_DEAD_LETTERED.labels(self.group, entry.stream).inc()
        log.error(
            "event dead-lettered",
            stream=entry.stream,
            entry_id=entry.entry_id.decode(),
            reason=reason,
        )

    # -- groups and gauges ----------------------------------------------------------------
    async def ensure_groups(self, redis: Redis) -> None:
        """Create every group at 0, so that history published before the group is read."""
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

    async def start_gauges(self, redis: Redis, every_s: float = 15.0) -> None:
        async def loop() -> None:
            while True:
                with contextlib.suppress(Exception):
                    pipe = redis.pipeline(transaction=False)
                    for stream in self.subscriptions:
                        pipe.xpending(stream, self.group)
                    replies = await pipe.execute(raise_on_error=False)
                    for stream, info in zip(self.subscriptions, replies, strict=True):
                        if isinstance(info, dict):
                            STREAM_PENDING.labels(self.group, stream).set(info["pending"])
                await asyncio.sleep(every_s)

        if self.subscriptions:
            self._tasks.append(asyncio.create_task(loop(), name=f"pending-gauges-{self.group}"))
