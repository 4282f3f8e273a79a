"""What `./mes chaos` asserts once the system has settled: every accepted request's effects
exist exactly once in every read model (ids compared across the services' schemas, read
straight from PostgreSQL), every published event reached every consumer group's inbox,
nothing is left pending or undelivered in Redis, and every dead-letter stream is empty."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from redis.asyncio import Redis

from .chaos_load import Tally

SCHEMA_OF_GROUP = {
    "lot-service": "lot",
    "process-service": "process",
    "label-service": "label",
    "firmware-service": "firmware",
    "trace-service": "trace",
    "gateway": "gateway",
}


@dataclass
class Comparison:
    """One source of truth against one copy: how many compared, lost, duplicated."""

    name: str
    compared: int
    lost: int = 0
    duplicated: int = 0
    mismatched: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.mismatched)


def compare(name: str, source: set, copy: set | Counter, examples: int = 3) -> Comparison:
    """`copy` as a set (no duplicates possible) or a Counter of how often each id occurs."""
    counts = copy if isinstance(copy, Counter) else Counter(copy)
    lost = sorted(map(str, source - set(counts)))
    extra = sorted(str(k) for k in set(counts) - source)
    doubled = sorted(str(k) for k, n in counts.items() if n > 1)
    return Comparison(
        name,
        len(source),
        lost=len(lost),
        duplicated=len(doubled),
        mismatched=len(extra),
        examples=[f"lost {x}" for x in lost[:examples]]
        + [f"twice {x}" for x in doubled[:examples]]
        + [f"unknown at the source {x}" for x in extra[:examples]],
    )


def _unanswered_may_exist(comparison: Comparison, unanswered: int) -> Comparison:
    """A LOT creation the client got no answer to (the service killed after its commit) may
    exist: up to that many LOTs unknown to the client are applied requests, not errors."""
    if 0 < comparison.mismatched <= unanswered:
        comparison.examples = [
            f"{comparison.mismatched} applied though never answered (of {unanswered} unanswered)"
        ]
        comparison.mismatched = 0
    return comparison


@dataclass
class Verdict:
    comparisons: list[Comparison]
    unpublished: dict[str, int]  # outbox rows not yet sent, per schema
    pending: dict[str, int]  # "group ← stream" → entries delivered but not acknowledged
    undelivered: dict[str, int]  # "group ← stream" → entries not delivered yet
    dead_letters: dict[str, int]  # "<stream>.dlq" → length
    station_items: Counter  # workstation queue items per state

    @property
    def ok(self) -> bool:
        return (
            all(c.ok for c in self.comparisons)
            and not any(self.unpublished.values())
            and not any(self.pending.values())
            and not any(self.undelivered.values())
            and not any(self.dead_letters.values())
            and set(self.station_items) <= {"done"}
        )

    def problems(self) -> list[str]:
        out = [f"{c.name}: {c.examples}" for c in self.comparisons if not c.ok]
        for label, values in (
            ("unpublished outbox rows", self.unpublished),
            ("pending entries", self.pending),
            ("undelivered entries", self.undelivered),
            ("dead letters", self.dead_letters),
        ):
            bad = {k: v for k, v in values.items() if v}
            if bad:
                out.append(f"{label}: {bad}")
        if set(self.station_items) - {"done"}:
            out.append(f"workstation queue: {dict(self.station_items)}")
        return out


async def _set(conn: asyncpg.Connection, sql: str, *args: Any) -> set:
    return {tuple(r) if len(r) > 1 else r[0] for r in await conn.fetch(sql, *args)}


async def _counter(conn: asyncpg.Connection, sql: str, *args: Any) -> Counter:
    return Counter(
        {tuple(r)[:-1] if len(r) > 2 else r[0]: r[-1] for r in await conn.fetch(sql, *args)}
    )


async def database_comparisons(
    conn: asyncpg.Connection,
    tally: Tally,
    station_lots: list[str],
    subscriptions: dict[str, set[str]],
) -> list[Comparison]:
    lots = await _set(conn, "SELECT lot_number FROM lot.lots")
    status = await _set(conn, "SELECT lot_number, status FROM lot.lots")
    records = await _set(
        conn, "SELECT work_order_id, lot_number, process_id FROM process.process_records"
    )
    done = await _set(
        conn,
        "SELECT work_order_id, result FROM process.process_records WHERE completed_at IS NOT NULL",
    )
    per_step = await _counter(
        conn,
        "SELECT lot_number, process_id, count(*) FROM process.process_records GROUP BY 1, 2",
    )
    serials = await _set(conn, "SELECT serial_number, lot_number, status FROM lot.serials")
    quantity = dict(await conn.fetch("SELECT lot_number, target_quantity FROM lot.lots"))
    per_lot_serials = Counter(lot for _, lot, _ in serials)
    allocating = {lot for _, lot, pid in records if pid == "PROC-007"}
    station_steps = {(lot, f"PROC-{s:03d}") for lot in station_lots for s in range(1, 9)}
    comparisons = [
        _unanswered_may_exist(
            compare("accepted LOT creations → lot-service", set(tally.lots), lots),
            tally.ambiguous["lot"],
        ),
        compare(
            "LOTs → process-service's copy",
            lots,
            await _set(conn, "SELECT lot_number FROM process.lots"),
        ),
        compare(
            "LOTs and status → process-service's copy",
            status,
            await _set(conn, "SELECT lot_number, status FROM process.lots"),
        ),
        compare(
            "LOTs and status → trace read model",
            status,
            await _set(conn, "SELECT lot_number, status FROM trace.lots"),
        ),
        compare(
            "accepted starts → process records (once per LOT and step)",
            set(tally.started),
            Counter({k: n for k, n in per_step.items() if k in tally.started}),
        ),
        compare(
            "every step started at most once",
            set(per_step),
            per_step,
        ),
        compare(
            "accepted completions (clients and workstation) → completed records",
            tally.completed | station_steps,
            await _set(
                conn,
                "SELECT lot_number, process_id FROM process.process_records "
                "WHERE completed_at IS NOT NULL",
            ),
        ),
        compare(
            "process records → trace read model",
            records,
            await _set(
                conn, "SELECT work_order_id, lot_number, process_id FROM trace.process_records"
            ),
        ),
        compare(
            "completions and results → trace read model",
            done,
            await _set(
                conn,
                "SELECT work_order_id, result FROM trace.process_records "
                "WHERE complete_time IS NOT NULL",
            ),
        ),
        compare(
            "latest record per LOT and step → lot-service",
            await _set(
                conn,
                "SELECT DISTINCT ON (lot_number, process_id) lot_number, process_id, "
                "work_order_id, completed_at IS NOT NULL FROM process.process_records "
                "ORDER BY lot_number, process_id, attempt DESC",
            ),
            await _set(
                conn,
                "SELECT lot_number, process_id, work_order_id, status = 'COMPLETED' "
                "FROM lot.lot_processes",
            ),
        ),
        compare(
            "serials allocated once per LOT that started PROC-007 (target quantity)",
            {(lot, quantity[lot]) for lot in allocating},
            Counter({(lot, n): 1 for lot, n in per_lot_serials.items()}),
        ),
        compare(
            "serials and status → trace read model",
            serials,
            await _set(conn, "SELECT serial_number, lot_number, status FROM trace.serials"),
        ),
        compare(
            "one LOT label job per LOT (label-service)",
            lots,
            await _counter(
                conn,
                "SELECT lot_number, count(*) FROM label.print_jobs "
                "WHERE source = 'event' AND label_type = 'LOT' GROUP BY 1",
            ),
        ),
        compare(
            "one serial label job per serial (label-service)",
            {s for s, _, _ in serials},
            await _counter(
                conn,
                "SELECT serial_number, count(*) FROM label.print_jobs "
                "WHERE source = 'event' AND label_type = 'SERIAL' GROUP BY 1",
            ),
        ),
        compare(
            "workstation's completions → completed records (worker W002)",
            station_steps,
            await _set(
                conn,
                "SELECT lot_number, process_id FROM process.process_records "
                "WHERE completed_at IS NOT NULL AND worker_id = 'W002'",
            ),
        ),
    ]
    comparisons += await inbox_comparisons(conn, subscriptions)
    comparisons.append(await audit_comparison(conn))
    return comparisons


async def _outbox_events(conn: asyncpg.Connection) -> dict[str, set]:
    """Every event every service committed, per stream (each outbox row is one event)."""
    schemas = [
        r[0]
        for r in await conn.fetch(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"
        )
    ]
    out: dict[str, set] = {}
    for schema in schemas:
        for stream, event_id in await conn.fetch(
            f'SELECT stream, event_id FROM "{schema}".outbox'  # noqa: S608 - catalogue names
        ):
            out.setdefault(stream, set()).add(event_id)
    return out


async def inbox_comparisons(
    conn: asyncpg.Connection, subscriptions: dict[str, set[str]]
) -> list[Comparison]:
    """Per consumer group and stream it reads: the events published against its inbox."""
    events = await _outbox_events(conn)
    out = []
    for group, schema in SCHEMA_OF_GROUP.items():
        rows = await conn.fetch(
            f'SELECT event_type, event_id FROM "{schema}".inbox WHERE consumer = $1',  # noqa: S608
            group,
        )
        seen: dict[str, set] = {}
        for stream, event_id in rows:
            seen.setdefault(stream, set()).add(event_id)
        for stream in sorted(seen.keys() | subscriptions.get(group, set())):
            out.append(
                compare(
                    f"{stream} → {group} inbox", events.get(stream, set()), seen.get(stream, set())
                )
            )
    return out


async def audit_comparison(conn: asyncpg.Connection) -> Comparison:
    """Every auditable event → exactly one audit row (gateway.audit_log)."""
    from gateway.audit import change_of
    from mes_contracts.envelope import Envelope

    schemas = [
        r[0]
        for r in await conn.fetch(
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"
        )
    ]
    auditable = set()
    for schema in schemas:
        for event_id, payload in await conn.fetch(
            f'SELECT event_id, payload FROM "{schema}".outbox'  # noqa: S608
        ):
            if change_of(Envelope.from_json(payload)) is not None:
                auditable.add(event_id)
    recorded = await _counter(conn, "SELECT event_id, count(*) FROM gateway.audit_log GROUP BY 1")
    return compare("auditable events → gateway audit trail", auditable, recorded)


async def unpublished(conn: asyncpg.Connection) -> dict[str, int]:
    out = {}
    for (schema,) in await conn.fetch(
        "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"
    ):
        out[schema] = await conn.fetchval(
            f'SELECT count(*) FROM "{schema}".outbox WHERE published_at IS NULL'  # noqa: S608
        )
    return out


@dataclass
class RedisState:
    pending: dict[str, int] = field(default_factory=dict)  # "group ← stream" → count
    undelivered: dict[str, int] = field(default_factory=dict)
    dead_letters: dict[str, int] = field(default_factory=dict)
    subscriptions: dict[str, set[str]] = field(default_factory=dict)  # group → streams


async def redis_state(redis: Redis) -> RedisState:
    """Pending and not yet delivered entries per group and stream, dead-letter lengths."""
    state = RedisState()
    async for key in redis.scan_iter(_type="STREAM"):
        stream = key.decode()
        if stream.endswith(".dlq"):
            state.dead_letters[stream] = await redis.xlen(stream)
            continue
        for group in await redis.xinfo_groups(stream):
            name = group["name"].decode()
            state.subscriptions.setdefault(name, set()).add(stream)
            label = f"{name} ← {stream}"
            state.pending[label] = group["pending"]
            after = group["last-delivered-id"].decode()
            state.undelivered[label] = len(
                await redis.xrange(stream, min=f"({after}", max="+", count=100_000)
            )
    return state


async def verdict(dsn: str, redis_url: str, tally: Tally, station: Any) -> Verdict:
    redis = Redis.from_url(redis_url)
    conn = await asyncpg.connect(dsn)
    try:
        streams = await redis_state(redis)
        return Verdict(
            comparisons=await database_comparisons(
                conn, tally, station.figures.lots, streams.subscriptions
            ),
            unpublished=await unpublished(conn),
            pending=streams.pending,
            undelivered=streams.undelivered,
            dead_letters=streams.dead_letters,
            station_items=Counter(i.state for i in station.items()),
        )
    finally:
        await conn.close()
        await redis.aclose()
