"""Writing what every service checks (servicekit.token_state): signed-out tokens and
account versions. The users table and `revoked_access_tokens` are the truth; Redis is the
copy read on every request, written after each commit and again at start-up and
periodically (a key Redis lost comes back within one period)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from servicekit.logging import get_logger
from servicekit.runtime import ServiceRuntime
from servicekit.token_state import TokenState
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import revoked_access_tokens, users

log = get_logger(__name__)


async def record_sign_out(
    session: AsyncConnection, jti: str, username: str, expires_at: datetime
) -> None:
    """In the sign-out's transaction; the caller writes Redis after the commit."""
    await session.execute(
        insert(revoked_access_tokens)
        .values(jti=jti, username=username, expires_at=expires_at)
        .on_conflict_do_nothing(index_elements=["jti"])
    )


async def publish_all(runtime: ServiceRuntime, state: TokenState, *, authoritative: bool) -> None:
    """Every account's version and every signed-out token still alive, to Redis.
    `authoritative` (start-up) writes versions as the table has them, even lower ones
    (a restored database); the periodic run only raises them, so it never undoes a
    change that committed while it ran."""
    now = datetime.now(UTC)
    async with runtime.db.transaction() as session:  # type: ignore[union-attr]
        await session.execute(
            delete(revoked_access_tokens).where(revoked_access_tokens.c.expires_at <= now)
        )
        versions = {
            r.username: r.token_version
            for r in await session.execute(select(users.c.username, users.c.token_version))
        }
        signed_out = {
            r.jti: r.expires_at
            for r in await session.execute(
                select(revoked_access_tokens.c.jti, revoked_access_tokens.c.expires_at)
            )
        }
    await state.revoke_tokens(signed_out)
    if authoritative:
        await state.set_versions(versions)
    else:
        await state.raise_versions(versions)


def republish_periodically(
    runtime: ServiceRuntime, state: TokenState, interval_seconds: float
) -> None:
    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                await publish_all(runtime, state, authoritative=False)
            except Exception as exc:  # an outage: try again next period
                log.warning("token state not republished", error=repr(exc))

    runtime.run_in_background(loop, "token-state-republish")
