"""What the alert monitor reads from real Redis: dead letters per stream, and each group's
backlog (entries not yet read plus read but not acknowledged); a stream that does not
exist yet is no error."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from redis.asyncio import Redis
from trace_service.alerts import rules
from trace_service.alerts.monitor import backlogs, dead_letters


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_backlog_and_dead_letters(redis: Redis) -> None:
    stream, missing = f"t-{uuid4().hex[:8]}", f"t-{uuid4().hex[:8]}"
    try:
        await redis.xgroup_create(stream, "g", id="0", mkstream=True)
        for n in range(5):
            await redis.xadd(stream, {"n": n})
        await redis.xreadgroup("g", "c", {stream: ">"}, count=2)  # 2 pending, 3 unread
        assert await backlogs(redis, [stream, missing]) == {(stream, "g"): 5}
        await redis.xadd(f"{stream}.dlq", {"__data__": b"{}"})
        assert await dead_letters(redis, [stream, missing]) == {stream: 1}
        found = rules.consumer_lag_alerts(await backlogs(redis, [stream]), 4)
        assert [s.condition_key for s in found] == [f"consumer_lag:{stream}:g"]
    finally:
        await redis.delete(stream, f"{stream}.dlq")


async def test_the_unread_count_is_capped(redis: Redis) -> None:
    stream = f"t-{uuid4().hex[:8]}"
    try:
        await redis.xgroup_create(stream, "g", id="0", mkstream=True)
        for n in range(5):
            await redis.xadd(stream, {"n": n})
        info = (await redis.xinfo_groups(stream))[0]
        # Redis 7 counts exactly; before 7 counting stops at the cap (threshold + 1).
        expected = 5 if info.get("lag") is not None else 3
        assert await backlogs(redis, [stream], cap=3) == {(stream, "g"): expected}
    finally:
        await redis.delete(stream)
