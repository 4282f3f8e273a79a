"""Migration 0002: work-order numbers move from per-day counter rows to one sequence that
starts past every number the counters gave; the downgrade rebuilds the counters."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command
from mes_cli.pytest_plugin import asyncpg_dsn, create_database
from servicekit.migrate import alembic_config, upgrade


async def test_sequence_continues_after_the_counters_and_downgrade_restores_them(
    pg_url: str,
) -> None:
    url = await create_database(pg_url, "wo_migration")
    await asyncio.to_thread(upgrade, "process_service", url, "0001")
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO process.work_order_counters (day, last_seq) "
            "VALUES ('2025-11-09', 57), ('2025-11-10', 3)"
        )
        await asyncio.to_thread(upgrade, "process_service", url, "0002")
        assert await conn.fetchval("SELECT nextval('process.work_order_seq')") == 58
        assert not await conn.fetchval("SELECT to_regclass('process.work_order_counters')")
        await conn.execute(
            "INSERT INTO process.process_records (work_order_id, lot_number, process_id, "
            "process_name, sequence_number, attempt, worker_id, start_time, start_time_raw, "
            "started_by) VALUES "
            "('WO-20251111-058', 'L', 'PROC-001', 'x', 1, 1, 'W001', now(), 'x', 't'), "
            "('WO-20251111-1203', 'L', 'PROC-002', 'x', 2, 1, 'W001', now(), 'x', 't')"
        )
        cfg = alembic_config("process_service", url)
        await asyncio.to_thread(command.downgrade, cfg, "0001")
        counters = await conn.fetch(
            "SELECT day::text, last_seq FROM process.work_order_counters ORDER BY day"
        )
        assert [tuple(c) for c in counters] == [("2025-11-11", 1203)]
    finally:
        await conn.close()
