"""An event whose payload breaks its contract, on a real Redis: lot-service's handler (as
its subscriptions wire it) refuses it, servicekit dead-letters it after its retry budget,
and the good event next to it is applied."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from lot_service.subscriptions import SUBSCRIPTIONS
from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD, dead_letter_stream
from redis.asyncio import Redis
from servicekit.streams import EventConsumers, EventHandler

from .conftest import LotKit


class _OwnStreams:
    """Registers each subscribed stream under a name of this test's own, so that no other
    consumer of the session's Redis (a stack's lot-service) reads its entries."""

    def __init__(self, consumers: EventConsumers, suffix: str) -> None:
        self.consumers = consumers
        self.suffix = suffix

    def add(self, stream: str, handler: EventHandler) -> None:
        self.consumers.add(f"{stream}.{self.suffix}", handler)


async def _eventually(probe: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await probe():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def _started(lot: str, **changes: object) -> Envelope:
    data = {
        "work_order_id": f"WO-{lot[-3:]}",
        "lot_number": lot,
        "product_model": "WF",
        "process_id": "PROC-001",
        "process_name": "레이저 마킹",
        "sequence_number": 1,
        "worker_id": "W001",
        "start_time": "2025-11-10T09:00:00+09:00",
        "recorded_at": "2025-11-10T09:00:01+09:00",
        **changes,
    }
    # Not make_event: a producer could not build the malformed one.
    return Envelope(type=ev.PROCESS_STARTED, source="process-service", data=data)


async def test_a_malformed_payload_is_dead_lettered_and_the_good_one_applied(
    kit: LotKit, redis_url: str
) -> None:
    bad_lot = (await kit.create())["lot_number"]
    good_lot = (await kit.create())["lot_number"]
    # Sequence 0 breaks the contract (ge=1); read as a dict, it was recorded as a step.
    bad, good = _started(bad_lot, sequence_number=0), _started(good_lot)
    suffix = uuid.uuid4().hex[:8]
    stream = f"{ev.PROCESS_STARTED}.{suffix}"
    consumers = EventConsumers(
        db=kit.db,
        inbox=kit.runtime.inbox,
        group="lot-service",
        consumer="malformed-test",
        min_idle_ms=150,
        reclaim_interval_ms=100,
        max_deliveries=2,
        block_ms=100,
    )
    SUBSCRIPTIONS.wire(_OwnStreams(consumers, suffix), kit.service)
    redis = Redis.from_url(redis_url)
    try:
        for event in (bad, good):
            await redis.xadd(stream, {DATA_FIELD: event.to_json()})
        await consumers.start(redis)
        try:
            await _eventually(lambda: _lot_status(kit, good_lot, "IN_PROGRESS"))
            await _eventually(lambda: _dlq_length(redis, stream, 1))
            await _eventually(lambda: _nothing_pending(redis, stream))
        finally:
            await consumers.stop()
        [(_, fields)] = await redis.xrange(dead_letter_stream(stream))
        assert Envelope.from_json(fields[DATA_FIELD.encode()]).id == bad.id
        assert fields[b"dlq_group"] == b"lot-service"
        # at its first delivery: a contract violation is never retried
        assert fields[b"dlq_deliveries"] == b"1"
        assert b"validation error for ProcessStarted" in fields[b"dlq_error"]
        assert b"sequence_number" in fields[b"dlq_error"]
        assert await _lot_status(kit, bad_lot, "CREATED")
        assert (
            await kit.fetch("SELECT 1 FROM lot.lot_processes WHERE lot_number = $1", bad_lot) == []
        )
        [step] = await kit.fetch(
            "SELECT process_id, start_time FROM lot.lot_processes WHERE lot_number = $1", good_lot
        )
        assert step["process_id"] == "PROC-001"
        assert step["start_time"].isoformat() == "2025-11-10T00:00:00+00:00"
    finally:
        own = consumers.streams
        await redis.delete(*own, *(dead_letter_stream(s) for s in own))
        await redis.aclose()


async def _lot_status(kit: LotKit, lot: str, status: str) -> bool:
    rows = await kit.fetch("SELECT status FROM lot.lots WHERE lot_number = $1", lot)
    return rows[0]["status"] == status


async def _dlq_length(redis: Redis, stream: str, n: int) -> bool:
    return await redis.xlen(dead_letter_stream(stream)) == n


async def _nothing_pending(redis: Redis, stream: str) -> bool:
    return (await redis.xpending(stream, "lot-service"))["pending"] == 0
