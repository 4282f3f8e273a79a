"""Every service's migrations at head build what its models declare: Alembic's autogenerate
finds nothing to add, drop or alter (the models and the migrations cannot drift apart)."""

from __future__ import annotations

import asyncio
from importlib import import_module
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from mes_cli.pytest_plugin import create_database, migrate_service
from servicekit.alembic_env import only_schema
from sqlalchemy.ext.asyncio import create_async_engine

PACKAGES = [
    "firmware_service",
    "gateway",
    "label_service",
    "lot_service",
    "process_service",
    "trace_service",
]


@pytest.mark.parametrize("package", PACKAGES)
async def test_migrations_at_head_match_the_models(pg_url: str, package: str) -> None:
    models = import_module(f"{package}.models")
    url = await create_database(pg_url, f"drift_{models.SCHEMA}")
    await asyncio.to_thread(migrate_service, package, url)

    def drift(connection: Any) -> list[Any]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_schemas": True,
                "include_name": only_schema(models.SCHEMA),
                "compare_type": True,
                "version_table_schema": models.SCHEMA,
            },
        )
        return compare_metadata(context, models.metadata)

    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(drift) == []
    finally:
        await engine.dispose()
