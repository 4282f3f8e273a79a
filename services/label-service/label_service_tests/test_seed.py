"""Dev seeding: two demo printers, only in dev, only into an empty registry, once."""

from __future__ import annotations

import asyncio

from label_service.models import SCHEMA, metadata, printers
from label_service.seed import seed_demo_printers
from label_service.settings import LabelSettings
from mes_cli.pytest_plugin import create_database, migrate_service
from servicekit.db import Database
from servicekit.outbox import outbox_table
from servicekit.runtime import ServiceRuntime
from sqlalchemy import func, select


async def test_demo_printers_are_seeded_once_in_dev_only(pg_url: str) -> None:
    url = await create_database(pg_url, "label_seed")
    await asyncio.to_thread(migrate_service, "label_service", url)
    settings = LabelSettings(
        database_url=url,
        env="dev",
        label_demo_printer_port=9201,
        label_demo_serial_printer_port=9207,
    )
    runtime = ServiceRuntime(settings, schema=SCHEMA, metadata=metadata)
    runtime.db = Database(url, pool_size=2)
    try:
        prod = LabelSettings(database_url=url, env="prod")
        assert await seed_demo_printers(runtime, prod) == 0
        assert await seed_demo_printers(runtime, settings) == 2
        assert await seed_demo_printers(runtime, settings) == 0  # idempotent
        async with runtime.db.transaction() as session:
            rows = {r.printer_id: r for r in await session.execute(select(printers))}
            events = (
                await session.execute(select(func.count()).select_from(outbox_table(metadata)))
            ).scalar()
        assert rows["PRINTER-01"].purpose == "LOT" and rows["PRINTER-01"].port == 9201
        assert rows["PRINTER-07"].station_id == "ST-07" and rows["PRINTER-07"].port == 9207
        assert rows["PRINTER-07"].host == "127.0.0.1" and rows["PRINTER-07"].language == "ZPL"
        assert events == 2  # printer.registered each
    finally:
        await runtime.db.dispose()
