"""Telling an outage of the infrastructure from a failure of the request or event itself.

A database or Redis that is unreachable, restarting or shutting down is temporary: an HTTP
caller gets 503 with Retry-After (a workstation keeps the completion queued and retries), and
a consumer leaves the event pending without spending its retry budget towards the
dead-letter stream.
"""

from __future__ import annotations

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError

# SQLSTATE class 08 (connection exception), shutdowns, "starting up", too many connections.
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})


def _unavailable(state: str) -> bool:
    return state.startswith("08") or state in _UNAVAILABLE_STATES


def is_outage(exc: BaseException) -> bool:
    # OSError covers refused and reset connections and (since 3.11) TimeoutError.
    if isinstance(exc, OSError | RedisConnectionError | RedisTimeoutError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc.orig, OSError):
            return True
        state = str(getattr(exc.orig, "pgcode", None) or getattr(exc.orig, "sqlstate", "") or "")
        return _unavailable(state)
    # Raised by raw asyncpg on the hot paths (servicekit.db.raw), not wrapped by SQLAlchemy.
    if isinstance(exc, asyncpg.PostgresError):
        return _unavailable(str(exc.sqlstate or ""))
    if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
        return True  # "connection is closed": lost before or during the call
    cause = exc.__cause__
    return cause is not None and cause is not exc and is_outage(cause)
