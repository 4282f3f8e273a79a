"""Async SQLAlchemy 2 (Core) + asyncpg: one engine per process, one transaction per unit of work.

Units of work get an `AsyncConnection` inside a transaction, not an ORM `AsyncSession`: every
table is a Core `Table`, and the ORM session's bookkeeping cost about a third of each
statement's CPU under load. Handlers still call the argument `session` (the unit of work).

Hot paths go one level lower (ADR 0014): `raw(session)` is the asyncpg connection under the
same pooled connection, inside the same transaction, so SQL written for asyncpg (`$1`
parameters, prepared once per connection by asyncpg's statement cache) commits or rolls
back with everything else the unit of work wrote. SQLAlchemy keeps the models, Alembic and
the cold paths.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import (
    Column,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def schema_metadata(schema: str) -> MetaData:
    """Metadata for one service's schema, with stable constraint names for Alembic."""
    return MetaData(schema=schema, naming_convention=NAMING_CONVENTION)


def now_column(name: str) -> Column:
    """`timestamptz NOT NULL DEFAULT now()`: a time the database stamps on insert."""
    return Column(name, DateTime(timezone=True), nullable=False, server_default=func.now())


def routing_step_columns() -> list[Column]:
    """A routing step (`mes_contracts.routing.RoutingStep`) as each service's copy of the
    routing keeps it, keyed by product model and process."""
    return [
        Column("product_model", String(8), primary_key=True),
        Column("process_id", String(16), primary_key=True),
        Column("sequence", Integer, nullable=False),
        Column("name_ko", String(64), nullable=False),
        Column("name_en", String(64), nullable=False),
    ]


async def row_by_key(
    session: AsyncConnection, table: Table, *, for_update: bool = False, **key: Any
) -> dict[str, Any] | None:
    """The row of `table` whose columns equal `key`, as a dict (None: there is none)."""
    stmt = select(table).where(*(table.c[name] == value for name, value in key.items()))
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).first()
    return dict(row._mapping) if row else None


def equal_to(table: Table, **values: Any) -> list[ColumnElement[bool]]:
    """A list's filters: `table.c.<name> == value` for each value given (None or "": none)."""
    return [table.c[name] == value for name, value in values.items() if value]


_AFTER_COMMIT = "servicekit.after_commit"


def after_commit(connection: AsyncConnection, callback: Callable[[], None]) -> None:
    """Call `callback` once the transaction of `connection` (a `Database.transaction()`)
    has committed; never if it rolls back. Registering the same callback twice calls it once."""
    callbacks = connection.info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


def _take_callbacks(connection: AsyncConnection) -> list[Callable[[], None]]:
    # `info` belongs to the pooled DBAPI connection: callbacks must not outlive this
    # transaction. A connection lost mid-transaction may refuse even this: its error, not
    # ours, is the one to raise.
    try:
        return connection.info.pop(_AFTER_COMMIT, [])
    except Exception:
        return []


_RAW = "servicekit.raw"


async def raw(connection: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under `connection`, with its transaction begun.

    SQLAlchemy's asyncpg adapter sends BEGIN lazily, before its first statement; a unit of
    work whose first statement is raw must begin it here, through the adapter, so that
    SQLAlchemy's commit or rollback at the end of `Database.transaction()` ends it.

    Outside a transaction (`engine.connect()`), raw statements autocommit.

    Codecs: the pool's connections carry SQLAlchemy's json/jsonb codecs (a parameter is
    JSON text, a result is decoded), so hot-path SQL passes JSON as `$n::text::jsonb` and
    reads it as `col::text`, and does not depend on them.
    """
    # Remembered in the pooled connection's `info`, which SQLAlchemy empties whenever it
    # connects that pool slot anew: the driver connection cannot change under it.
    info = connection.info
    found = info.get(_RAW)
    if found is None:
        pooled = await connection.get_raw_connection()  # a greenlet hop: ~10 µs
        found = info[_RAW] = (pooled.driver_connection, pooled.dbapi_connection)
    driver, adapted = found
    # Private to the adapter, so an upgrade that renames it fails here, loudly (and in
    # servicekit's tests), rather than letting raw statements autocommit.
    if connection.in_transaction() and adapted._transaction is None:
        await adapted._start_transaction()
    return driver


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 10) -> None:
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_recycle=1800,
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction: commit on success, roll back on error."""
        async with self.engine.begin() as connection:
            try:
                yield connection
            finally:
                callbacks = _take_callbacks(connection)
        for callback in callbacks:
            callback()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
