"""Session-wide real data stores for every test: one PostgreSQL and one Redis (a pytest plugin).

Started here (embedded PostgreSQL via pgserver, a redis-server binary) unless
MES_TEST_DATABASE_URL / MES_TEST_REDIS_URL point at servers that already run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from mes_cli.infra import EmbeddedPostgres, EmbeddedRedis


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """SQLAlchemy URL (postgresql+asyncpg://…) of the session's PostgreSQL."""
    external = os.environ.get("MES_TEST_DATABASE_URL")
    if external:
        yield external.replace("postgresql://", "postgresql+asyncpg://", 1)
        return
    workdir = Path(tempfile.mkdtemp(prefix="mes-test-pg-"))
    server = EmbeddedPostgres(workdir / "data").start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    external = os.environ.get("MES_TEST_REDIS_URL")
    if external:
        yield external
        return
    workdir = Path(tempfile.mkdtemp(prefix="mes-test-redis-"))
    server = EmbeddedRedis(workdir).start()
    try:
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_database(pg_url: str, prefix: str = "mes") -> str:
    """A fresh, empty database on the session server; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, query = pg_url.partition("?")
    base = base.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")


@pytest.fixture
async def fresh_db_url(pg_url: str) -> AsyncIterator[str]:
    yield await create_database(pg_url)
