"""Scale-out on one machine: three trace-service processes (`./mes up --replicas
trace-service=3` does the same) share one consumer group; a burst of events is split
between them, and every event is applied exactly once (counts in the trace schema and the
replicas' counters equal the events the sources published)."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import redis
from mes_cli.demo import process_data_for
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import SERVICES, Stack, parse_replicas
from prometheus_client.parser import text_string_to_metric_families
from trace_service.projections import Projector

from .conftest import TRACE_REPLICAS, Api

KST = ZoneInfo("Asia/Seoul")
BURST_LOTS = 24
TRACE_STREAMS = Projector(KST).streams


def _dsn(stack: Stack) -> str:
    return (stack.database_url or "").replace("postgresql+asyncpg://", "postgresql://", 1)


def _applied(url: str) -> Counter:
    """This replica's mes_events_consumed_total{group="trace-service", outcome="applied"}."""
    text = httpx.get(f"{url}/metrics", timeout=5).text
    out: Counter = Counter()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if (
                s.name == "mes_events_consumed_total"
                and s.labels.get("group") == "trace-service"
                and s.labels.get("outcome") == "applied"
            ):
                out[s.labels["stream"]] += s.value
    return out


async def _published(dsn: str, after: dict[str, int] | None = None) -> tuple[dict, Counter]:
    """Per schema: the outbox's last seq; and the events for trace-service's streams
    committed after `after` (every outbox row is one event)."""
    conn = await asyncpg.connect(dsn)
    try:
        schemas = [
            r["table_schema"]
            for r in await conn.fetch(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"
            )
        ]
        last, events = {}, Counter()
        for schema in schemas:
            last[schema] = await conn.fetchval(
                f'SELECT coalesce(max(seq), 0) FROM "{schema}".outbox'
            )
            rows = await conn.fetch(
                f'SELECT stream, count(*) AS n FROM "{schema}".outbox '
                "WHERE seq > $1 AND stream = ANY($2::text[]) GROUP BY stream",
                (after or {}).get(schema, 0),
                TRACE_STREAMS,
            )
            for r in rows:
                events[r["stream"]] += r["n"]
        return last, events
    finally:
        await conn.close()


async def _counts(dsn: str, lots: list[str]) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        q = "SELECT count(*) FROM {} WHERE lot_number = ANY($1::text[])"
        return {
            "source_lots": await conn.fetchval(q.format("lot.lots"), lots),
            "trace_lots": await conn.fetchval(q.format("trace.lots"), lots),
            "source_records": await conn.fetchval(q.format("process.process_records"), lots),
            "trace_records": await conn.fetchval(q.format("trace.process_records"), lots),
            "trace_completed": await conn.fetchval(
                q.format("trace.process_records") + " AND complete_time IS NOT NULL", lots
            ),
        }
    finally:
        await conn.close()


def test_replicas_share_the_group_on_consecutive_ports(ops_stack: Stack):
    replicas = ops_stack.replicas_of("trace-service")
    assert len(replicas) == TRACE_REPLICAS
    ports = [r.port for r in replicas]
    assert ports == sorted(ports) and len(set(ports)) == TRACE_REPLICAS
    for r in replicas:
        assert httpx.get(f"{r.url}/ready", timeout=5).status_code == 200
    # The gateway sends HTTP to the first process; the others only add consumers.
    assert replicas[0].spec.name == "trace-service"


def test_parse_replicas_refuses_what_it_cannot_start():
    assert parse_replicas("trace-service=3, label-service=2") == {
        "trace-service": 3,
        "label-service": 2,
    }
    assert parse_replicas(None) == {}
    for bad in ("gateway=2", "trace-service", "trace-service=0", "trace-service=x"):
        try:
            parse_replicas(bad)
        except ValueError as exc:
            assert "SERVICE=N" in str(exc)
        else:
            raise AssertionError(f"{bad!r} accepted")
    assert {s.name for s in SERVICES} >= {"trace-service"}


def test_a_burst_is_split_across_replicas_and_applied_exactly_once(
    ops_stack: Stack, ops_manager: Api, ops_worker: Api
):
    dsn = _dsn(ops_stack)
    replicas = ops_stack.replicas_of("trace-service")
    before = {r.spec.name: _applied(r.url) for r in replicas}
    last_seq, _ = asyncio.run(_published(dsn))

    def create(_: int) -> str:
        r = ops_manager.post(
            "/api/v1/lots", json={"product_model": "WF", "target_quantity": 10, "shift": "D"}
        )
        assert r.status_code == 201, r.text
        return r.json()["data"]["lot_number"]

    def work(lot: str) -> None:
        eventually(lambda: ops_worker.get(f"/api/v1/process/lots/{lot}").status_code == 200)
        at = datetime.now(KST).replace(microsecond=0)
        body = {
            "lot_number": lot,
            "process_id": "PROC-001",
            "process_name": "레이저 마킹",
            "worker_id": "W001",
            "start_time": at.isoformat(),
        }
        assert ops_worker.post("/api/v1/process/start", json=body).status_code == 200
        done = {
            **body,
            "complete_time": (at + timedelta(minutes=3)).isoformat(),
            "process_data": process_data_for("PROC-001", lot, at),
        }
        r = ops_worker.post("/api/v1/process/complete", json=done)
        assert r.status_code == 200, r.text

    with ThreadPoolExecutor(6) as pool:
        lots = list(pool.map(create, range(BURST_LOTS)))
        list(pool.map(work, lots))

    # Every event the burst produced reaches the trace schema, none twice, none missing.
    def settled() -> dict | None:
        counts = asyncio.run(_counts(dsn, lots))
        return counts if counts["trace_completed"] == BURST_LOTS else None

    counts = eventually(settled, timeout=60, what="the burst to reach the trace schema")
    assert counts["source_lots"] == counts["trace_lots"] == BURST_LOTS
    assert counts["source_records"] == counts["trace_records"] == BURST_LOTS

    _, published = asyncio.run(_published(dsn, last_seq))
    assert published["lot.created"] == BURST_LOTS
    assert published["process.started"] == published["process.completed"] == BURST_LOTS

    def applied_now() -> dict[str, Counter] | None:
        now = {r.spec.name: _applied(r.url) for r in replicas}
        total = Counter()
        for name, counter in now.items():
            total.update(counter - before[name])
        return now if all(total[s] >= n for s, n in published.items()) else None

    after = eventually(applied_now, timeout=30, what="the replicas' counters")
    per_replica = {name: after[name] - before[name] for name in after}
    total = Counter()
    for delta in per_replica.values():
        total.update(delta)
    # Exactly once: the replicas applied, together, exactly what the sources published.
    assert {s: total[s] for s in published} == dict(published), per_replica
    # Split: every replica's consumer handled part of the burst.
    assert all(sum(d.values()) > 0 for d in per_replica.values()), per_replica

    # One group, a consumer per process (named after its slot), nothing left pending.
    client = redis.Redis.from_url(ops_stack.redis_url or "", decode_responses=True)
    consumers = {c["name"] for s in published for c in client.xinfo_consumers(s, "trace-service")}
    assert consumers == {ops_stack.consumer_of(r.spec.name) for r in replicas}, consumers
    eventually(
        lambda: all(client.xpending(s, "trace-service")["pending"] == 0 for s in published),
        what="no pending entries",
    )
