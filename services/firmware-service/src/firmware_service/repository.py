"""Queries of the `firmware` schema; the only place SQL lives (all parameterized)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import firmware_downloads, firmware_releases, firmware_versions

# Serializes release / rollback decisions (two admins clicking at once).
_RELEASE_LOCK = 0x46_57_52_4C  # "FWRL"

fv, fr, fd = firmware_versions, firmware_releases, firmware_downloads


async def get_version(
    session: AsyncConnection, version: str, *, for_update: bool = False
) -> Row[Any] | None:
    stmt = select(fv).where(fv.c.version == version)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).first()


async def insert_version(session: AsyncConnection, values: dict[str, Any]) -> Row[Any] | None:
    """The new row, or None when the version exists already."""
    stmt = insert(fv).values(**values).on_conflict_do_nothing(index_elements=[fv.c.version])
    return (await session.execute(stmt.returning(fv))).first()


async def list_versions(
    session: AsyncConnection, *, state: str | None, limit: int, offset: int
) -> tuple[list[Row[Any]], int]:
    where = [fv.c.state == state] if state else []
    total = (await session.execute(select(func.count()).select_from(fv).where(*where))).scalar_one()
    rows = await session.execute(
        select(fv)
        .where(*where)
        .order_by(fv.c.uploaded_at.desc(), fv.c.version.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


async def released(session: AsyncConnection) -> Row[Any] | None:
    return (await session.execute(select(fv).where(fv.c.state == "RELEASED"))).first()


async def lock_releases(session: AsyncConnection) -> None:
    """Transaction-scoped lock: one release/rollback decision at a time."""
    await session.execute(select(func.pg_advisory_xact_lock(_RELEASE_LOCK)))


async def update_version(
    session: AsyncConnection, version: str, values: dict[str, Any]
) -> Row[Any]:
    stmt = update(fv).where(fv.c.version == version).values(**values).returning(fv)
    return (await session.execute(stmt)).one()


async def add_release(session: AsyncConnection, values: dict[str, Any]) -> Row[Any]:
    return (await session.execute(insert(fr).values(**values).returning(fr))).one()


async def rollback_target(session: AsyncConnection) -> Row[Any] | None:
    """The most recently released version that is SUPERSEDED (not withdrawn)."""
    stmt = (
        select(fv)
        .join(fr, fr.c.version == fv.c.version)
        .where(fv.c.state == "SUPERSEDED")
        .order_by(fr.c.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).first()


async def list_releases(
    session: AsyncConnection, *, version: str | None, limit: int, offset: int
) -> tuple[list[Row[Any]], int]:
    where = [(fr.c.version == version) | (fr.c.previous_version == version)] if version else []
    total = (await session.execute(select(func.count()).select_from(fr).where(*where))).scalar_one()
    rows = await session.execute(
        select(fr).where(*where).order_by(fr.c.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total


async def start_download(session: AsyncConnection, values: dict[str, Any]) -> int:
    return (await session.execute(insert(fd).values(**values).returning(fd.c.id))).scalar_one()


async def finish_download(
    session: AsyncConnection, download_id: int, *, bytes_sent: int, finished_at: datetime
) -> Row[Any]:
    stmt = (
        update(fd)
        .where(fd.c.id == download_id)
        .values(
            bytes_sent=bytes_sent,
            completed=fd.c.content_length == bytes_sent,
            finished_at=finished_at,
        )
        .returning(fd)
    )
    return (await session.execute(stmt)).one()


async def list_downloads(
    session: AsyncConnection,
    *,
    filters: dict[str, str | None],
    limit: int,
    offset: int,
) -> tuple[list[Row[Any]], int]:
    where = [fd.c[name] == value for name, value in filters.items() if value is not None]
    total = (await session.execute(select(func.count()).select_from(fd).where(*where))).scalar_one()
    rows = await session.execute(
        select(fd).where(*where).order_by(fd.c.id.desc()).limit(limit).offset(offset)
    )
    return list(rows), total
