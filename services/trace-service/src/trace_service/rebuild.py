"""Replay the streams from the start into fresh projections, and compare with the live ones.

    python -m trace_service.rebuild                 # into schema trace_rebuild, then compare
    python -m trace_service.rebuild --shuffle --duplicates   # same, events out of order, twice
    python -m trace_service.rebuild --in-place      # recovery: wipe and refill `trace`
                                                    # (stop trace-service first)

The projections are order-tolerant upserts, so any order of the same events gives the same
tables; the comparison (EXCEPT ALL both ways, per table) proves it on real data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

from mes_contracts.envelope import Envelope
from mes_contracts.wire import DATA_FIELD
from redis.asyncio import Redis
from servicekit.settings import ServiceSettings
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import create_async_engine

from .models import PROJECTIONS, SCHEMA
from .projections import Projector

BATCH = 1000


async def read_streams(
    redis: Redis, streams: tuple[str, ...]
) -> list[tuple[tuple[int, int], Envelope]]:
    """Every event of the streams, with its entry id (publish order within the stream)."""
    events: list[tuple[tuple[int, int], Envelope]] = []
    for stream in streams:
        start = "-"
        while True:
            chunk = await redis.xrange(stream, min=start, count=5000)
            if not chunk:
                break
            for entry_id, fields in chunk:
                ms, seq = entry_id.decode().split("-")
                events.append(
                    ((int(ms), int(seq)), Envelope.from_json(fields[DATA_FIELD.encode()]))
                )
            last_ms, last_seq = chunk[-1][0].decode().split("-")
            start = f"{last_ms}-{int(last_seq) + 1}"
    events.sort(key=lambda e: e[0])
    return events


async def _batches(events: list[Envelope]) -> AsyncIterator[list[Envelope]]:
    for i in range(0, len(events), BATCH):
        yield events[i : i + BATCH]


async def replay(
    database_url: str,
    events: list[Envelope],
    target: str,
    projector: Projector,
    *,
    wipe: bool,
) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as conn:
            if target != SCHEMA:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{target}" CASCADE'))
                await conn.execute(text(f'CREATE SCHEMA "{target}"'))
                translated = await conn.execution_options(schema_translate_map={SCHEMA: target})
                for table in PROJECTIONS:
                    await translated.run_sync(lambda sync, t=table: t.create(sync))
            elif wipe:
                names = ", ".join(f'"{SCHEMA}".{t.name}' for t in PROJECTIONS)
                await conn.execute(text(f"TRUNCATE {names}"))
                await conn.execute(text(f'TRUNCATE "{SCHEMA}".inbox'))
        bound = engine.execution_options(schema_translate_map={SCHEMA: target})
        async for batch in _batches(events):
            async with bound.begin() as session:
                for event in batch:
                    await projector.apply(session, event)
    finally:
        await engine.dispose()


def _identifier(name: str) -> str:
    """Schema names come from the operator's command line: allow plain identifiers only."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise SystemExit(f"invalid schema name: {name!r}")
    return name


async def _rows_only_in(conn: Any, left: str, right: str, table: Table) -> int:
    # Name the columns: a migrated table may order them differently from a fresh one.
    cols = ", ".join(f'"{c.name}"' for c in table.columns)
    query = f'SELECT count(*) FROM (SELECT {cols} FROM "{left}".{table.name} EXCEPT ALL SELECT {cols} FROM "{right}".{table.name}) d'  # noqa: S608 - identifiers checked, no user values
    return (await conn.execute(text(query))).scalar_one()


async def compare(database_url: str, left: str, right: str) -> dict[str, tuple[int, int]]:
    """Per table: (rows only in left, rows only in right). All zero means identical."""
    engine = create_async_engine(database_url)
    out: dict[str, tuple[int, int]] = {}
    try:
        async with engine.connect() as conn:
            for table in PROJECTIONS:
                out[table.name] = (
                    await _rows_only_in(conn, left, right, table),
                    await _rows_only_in(conn, right, left, table),
                )
    finally:
        await engine.dispose()
    return out


async def run(args: argparse.Namespace) -> int:
    settings = ServiceSettings(database_url=os.environ.get("DATABASE_URL", ""))
    projector = Projector(ZoneInfo(args.timezone))
    redis = Redis.from_url(os.environ.get("REDIS_URL", settings.redis_url))
    try:
        stamped = await read_streams(redis, projector.streams)
    finally:
        await redis.aclose()
    events = [e for _, e in stamped]
    if args.duplicates:
        events = events + events[: len(events) // 2]
    if args.shuffle:
        random.Random(args.seed).shuffle(events)  # noqa: S311 - test ordering, not security
    target = SCHEMA if args.in_place else args.schema
    print(f"replaying {len(events)} events into schema {target!r}…", flush=True)
    await replay(settings.database_url, events, target, projector, wipe=args.in_place)
    if args.in_place:
        print("done")
        return 0
    differences = await compare(settings.database_url, SCHEMA, target)
    for name, (left, right) in differences.items():
        print(f"  {name:<20} only live: {left:<6} only rebuilt: {right}")
    identical = all(d == (0, 0) for d in differences.values())
    print("identical" if identical else "DIFFERENT")
    return 0 if identical else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--schema", default="trace_rebuild", type=_identifier, help="scratch schema to rebuild into"
    )
    parser.add_argument("--in-place", action="store_true", help="wipe and refill the live schema")
    parser.add_argument("--shuffle", action="store_true", help="apply events in random order")
    parser.add_argument("--duplicates", action="store_true", help="apply half of the events twice")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timezone", default=os.environ.get("MES_FACTORY_TIMEZONE", "Asia/Seoul"))
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
