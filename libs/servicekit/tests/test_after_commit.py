"""`after_commit`: a callback runs once the transaction has committed, never after a
rollback, and never leaks into the next transaction of the same pooled connection."""

from __future__ import annotations

import pytest
from servicekit.db import Database, after_commit
from sqlalchemy import text


async def test_callbacks_run_after_commit_once_and_not_after_rollback(pg_url: str) -> None:
    db = Database(pg_url, pool_size=1, max_overflow=0)  # one connection: reuse is certain
    calls: list[str] = []

    def committed() -> None:
        calls.append("committed")

    try:
        async with db.transaction() as session:
            await session.execute(text("SELECT 1"))
            after_commit(session, committed)
            after_commit(session, committed)  # registered twice, called once
            assert calls == []  # not before the commit
        assert calls == ["committed"]

        with pytest.raises(RuntimeError):
            async with db.transaction() as session:
                after_commit(session, lambda: calls.append("rolled back"))
                raise RuntimeError("handler failed")
        async with db.transaction() as session:  # the same pooled connection
            await session.execute(text("SELECT 1"))
        assert calls == ["committed"]
    finally:
        await db.dispose()
