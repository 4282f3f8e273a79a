"""One reader of the live streams per gateway process, shared by every connected dashboard.

A dashboard used to run its own XREAD: thirty dashboards read, parsed and re-sent every
event thirty times and held thirty Redis connections. The hub reads each entry once and
hands the batch to every listener's queue; a listener that falls `backlog` batches behind
is dropped (its browser reconnects with its cursor and resumes where it stopped).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from mes_contracts.wire import DATA_FIELD
from redis.asyncio import Redis
from servicekit.logging import get_logger

log = get_logger(__name__)

# (entry id, stream, SSE-ready data: the envelope's JSON on one line)
Entry = tuple[str, str, str]


def entry_key(entry_id: str) -> tuple[int, int]:
    millis, _, seq = entry_id.partition("-")
    return int(millis), int(seq or 0)


def to_entries(answer: Iterable) -> list[Entry]:
    """XREAD/XRANGE answers of several streams as one list ordered by entry id (≈ publish
    time)."""
    entries: list[Entry] = []
    for stream, items in answer or []:
        name = stream.decode() if isinstance(stream, bytes) else stream
        for entry_id, fields in items:
            data = fields.get(DATA_FIELD.encode(), b"{}").decode().replace("\n", " ")
            entries.append((entry_id.decode(), name, data))
    entries.sort(key=lambda e: entry_key(e[0]))
    return entries


async def current_positions(redis: Redis, streams: Iterable[str]) -> dict[str, str]:
    """The last entry id of every stream now: 'from here on'."""
    streams = list(streams)
    async with redis.pipeline(transaction=False) as pipe:
        for stream in streams:
            pipe.xrevrange(stream, count=1)
        results = await pipe.execute()
    return {
        stream: (last[0][0].decode() if last else "0-0")
        for stream, last in zip(streams, results, strict=True)
    }


@dataclass(eq=False)
class Listener:
    queue: asyncio.Queue[list[Entry]]
    dropped: bool = False


class LiveHub:
    def __init__(
        self,
        redis: Redis,
        streams: Iterable[str],
        *,
        block_ms: int,
        batch: int,
        backlog: int = 1000,
    ) -> None:
        self.redis = redis
        self.streams = tuple(streams)
        self.block_ms = block_ms
        self.batch = batch
        self.backlog = backlog
        self.listeners: set[Listener] = set()
        self.positions: dict[str, str] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def join(self) -> tuple[Listener, dict[str, str]]:
        """Listen; returns the listener and the hub's position: every entry after it will
        arrive through the listener's queue."""
        async with self._lock:
            if self._task is None or self._task.done():
                # Nobody listened: whatever passed meanwhile is history, start from now.
                self.positions = await current_positions(self.redis, self.streams)
                self._task = asyncio.create_task(self._run(), name="live-hub")
            listener = Listener(asyncio.Queue(maxsize=self.backlog))
            self.listeners.add(listener)
            return listener, dict(self.positions)

    def leave(self, listener: Listener) -> None:
        self.listeners.discard(listener)

    async def _run(self) -> None:
        while self.listeners:
            try:
                answer = await self.redis.xread(
                    self.positions, count=self.batch, block=self.block_ms
                )
            except Exception as exc:  # Redis restarting: listeners keep their keep-alives
                log.warning("live feed read failed", error=repr(exc))
                await asyncio.sleep(1.0)
                continue
            entries = to_entries(answer)
            if not entries:
                continue
            for entry_id, name, _ in entries:
                self.positions[name] = entry_id
            for listener in list(self.listeners):
                try:
                    listener.queue.put_nowait(entries)
                except asyncio.QueueFull:
                    self.listeners.discard(listener)
                    listener.dropped = True
