"""The projections every request feeds, as constant SQL on raw asyncpg (ADR 0014): the event
log, the process records with their defects, measurements and component LOTs, and the
serials of a LOT (allocated, statuses changed), one statement per event. Each SQL text is built once per schema (rebuild.py replays into a
scratch schema through SQLAlchemy's schema translation, which raw SQL does not see), and
asyncpg prepares it once per connection. Semantics are those of the SQLAlchemy upserts
they replace: the same rows, whatever the order or number of deliveries.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mes_contracts.envelope import Envelope
from servicekit.db import raw
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import SCHEMA


@dataclass(frozen=True)
class _Sql:
    log_event: str
    started: str
    completed: str
    serials_allocated: str
    serial_statuses: str


_BASE = (
    "work_order_id, lot_number, product_model, process_id, process_name, sequence_number, "
    "worker_id, start_time, start_day, started_at"
)
_BASE_PARAMS = (
    "$1::text, $2::text, $3::text, $4::text, $5::text, $6::int, $7::text, $8::timestamptz, "
    "$9::date, $10::timestamptz"
)


@functools.cache
def _sql(schema: str) -> _Sql:
    s = f'"{schema}"'
    # A start is the authority on the start: it overwrites what a completion that arrived
    # first filled in from the start facts it carries.
    started_set = ", ".join(f"{c} = EXCLUDED.{c}" for c in _BASE.split(", ")[1:])
    return _Sql(
        log_event=(
            f"INSERT INTO {s}.event_log (event_id, type, subject, time, actor, data) "  # noqa: S608 - our schema
            "VALUES ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb) ON CONFLICT DO NOTHING"
        ),
        started=(
            f"INSERT INTO {s}.process_records ({_BASE}) VALUES ({_BASE_PARAMS}) "  # noqa: S608
            f"ON CONFLICT (work_order_id) DO UPDATE SET {started_set}"
        ),
        completed=f"""
WITH rec AS (
  INSERT INTO {s}.process_records ({_BASE}, complete_worker_id, complete_time, complete_day,
                                   result, process_data)
  VALUES ({_BASE_PARAMS}, $11::text, $12::timestamptz, $13::date, $14::text, $15::text::jsonb)
  ON CONFLICT (work_order_id) DO UPDATE SET
    complete_worker_id = EXCLUDED.complete_worker_id, complete_time = EXCLUDED.complete_time,
    complete_day = EXCLUDED.complete_day, result = EXCLUDED.result,
    process_data = EXCLUDED.process_data
), defect_rows AS (
  INSERT INTO {s}.defects (work_order_id, idx, lot_number, process_id, check_name, measured,
                           target, tolerance, lower_limit, upper_limit, unit, message,
                           worker_id, occurred_at)
  SELECT $1, (x.n - 1)::int, $2, $4, x.d->>'check', coalesce(x.d->'measured', 'null'),
         (x.d->>'target')::float8, (x.d->>'tolerance')::float8,
         (x.d->>'lower_limit')::float8, (x.d->>'upper_limit')::float8, x.d->>'unit',
         x.d->>'message', $11, $12
  FROM jsonb_array_elements($16::text::jsonb) WITH ORDINALITY AS x(d, n)
  ON CONFLICT DO NOTHING
), measurement_rows AS (
  INSERT INTO {s}.measurements (work_order_id, idx, lot_number, process_id, check_name, value,
                                target, lower_limit, upper_limit, unit, result, measured_at)
  SELECT $1, (x.m - 1)::int, $2, $4, x.d->>'check', (x.d->>'value')::float8,
         (x.d->>'target')::float8, (x.d->>'lower')::float8, (x.d->>'upper')::float8,
         x.d->>'unit', x.d->>'result', $12
  FROM jsonb_array_elements($17::text::jsonb) WITH ORDINALITY AS x(d, m)
  ON CONFLICT DO NOTHING
), usage_rows AS (
  INSERT INTO {s}.component_usage (work_order_id, component_type, component_lot, lot_number,
                                   process_id, worker_id, used_at)
  SELECT $1, x.d->>'component_type', x.d->>'lot_number', $2, $4, $11, $12
  FROM jsonb_array_elements($18::text::jsonb) AS x(d)
  ON CONFLICT DO NOTHING
)
SELECT 1
""",  # noqa: S608 - our schema; values are parameters
        serials_allocated=(
            f"INSERT INTO {s}.serials (serial_number, lot_number, sequence, status, "  # noqa: S608
            "status_time, allocated_at, replacement_reason) "
            "SELECT u.serial_number, $2::text, u.sequence, 'CREATED', $3::timestamptz, $3, $4::text "
            "FROM unnest($1::text[], $5::int[]) AS u(serial_number, sequence) "
            "ON CONFLICT (serial_number) DO UPDATE SET allocated_at = EXCLUDED.allocated_at, "
            "replacement_reason = EXCLUDED.replacement_reason"
        ),
        # A serial's newest status (by its own time) wins, whatever the order of arrival.
        serial_statuses=(
            f"INSERT INTO {s}.serials AS row (serial_number, lot_number, sequence, status, "  # noqa: S608
            "status_time, allocated_at) "
            "SELECT u.serial_number, $2::text, u.sequence, u.status, $4::timestamptz, $4 "
            "FROM unnest($1::text[], $3::int[], $5::text[]) AS u(serial_number, sequence, status) "
            "ON CONFLICT (serial_number) DO UPDATE SET status = EXCLUDED.status, "
            "status_time = EXCLUDED.status_time WHERE row.status_time <= EXCLUDED.status_time"
        ),
    )


def _schema(session: AsyncConnection) -> str:
    translate = session.sync_connection.get_execution_options().get("schema_translate_map") or {}
    return translate.get(SCHEMA, SCHEMA)


async def log_event(session: AsyncConnection, event: Envelope) -> None:
    actor = event.actor.model_dump(mode="json", exclude_none=True) if event.actor else None
    await (await raw(session)).execute(
        _sql(_schema(session)).log_event,
        event.id,
        event.type,
        event.subject,
        event.time,
        json.dumps(actor),
        json.dumps(event.data),
    )


def _base_params(base: dict[str, Any]) -> tuple[Any, ...]:
    return (
        base["work_order_id"],
        base["lot_number"],
        base["product_model"],
        base["process_id"],
        base["process_name"],
        base["sequence_number"],
        base["worker_id"],
        base["start_time"],
        base["start_day"],
        base["started_at"],
    )


async def record_started(session: AsyncConnection, base: dict[str, Any]) -> None:
    await (await raw(session)).execute(_sql(_schema(session)).started, *_base_params(base))


async def record_completed(
    session: AsyncConnection,
    base: dict[str, Any],
    data: dict[str, Any],
    complete_time: datetime | None,
    complete_day: date | None,
) -> None:
    """The record's completion, and its defects, measurements and component LOTs (rows
    already recorded are kept: a completion is applied once, whatever its deliveries)."""
    await (await raw(session)).execute(
        _sql(_schema(session)).completed,
        *_base_params(base),
        data["worker_id"],
        complete_time,
        complete_day,
        data["result"],
        json.dumps(data["process_data"]),
        json.dumps(data.get("defects", [])),
        json.dumps(data.get("measurements", [])),
        json.dumps(data.get("component_lots", [])),
    )


async def serials_allocated(
    session: AsyncConnection,
    lot_number: str,
    serials: list[tuple[str, int]],
    at: datetime | None,
    replacement_reason: str | None,
) -> None:
    """The LOT's new (serial, sequence) at CREATED, one statement whatever their number."""
    if not serials:
        return
    await (await raw(session)).execute(
        _sql(_schema(session)).serials_allocated,
        [serial for serial, _ in serials],
        lot_number,
        at,
        replacement_reason,
        [sequence for _, sequence in serials],
    )


async def serial_statuses(
    session: AsyncConnection, lot_number: str, changes: list[tuple[str, str]], at: datetime | None
) -> None:
    """(serial, new status) pairs of one LOT at `at`, one statement whatever their number."""
    if not changes:
        return
    await (await raw(session)).execute(
        _sql(_schema(session)).serial_statuses,
        [serial for serial, _ in changes],
        lot_number,
        [int(serial.rsplit("-", 1)[1]) for serial, _ in changes],
        at,
        [status for _, status in changes],
    )
