"""Which failures count as an outage (retry later) rather than a fault of the work itself."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from servicekit.failures import is_outage
from sqlalchemy.exc import DBAPIError, IntegrityError

pytestmark = pytest.mark.unit


class _PgError(Exception):
    def __init__(self, pgcode: str) -> None:
        super().__init__(pgcode)
        self.pgcode = pgcode


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError("refused"),
        TimeoutError(),
        RedisConnectionError("redis away"),
        DBAPIError("SELECT 1", None, _PgError("57P03")),  # the database is starting up
        DBAPIError("SELECT 1", None, _PgError("08006")),  # connection failure
        DBAPIError("SELECT 1", None, OSError("socket closed")),
    ],
)
def test_outages(exc: BaseException) -> None:
    assert is_outage(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad event"),
        LookupError("create not audited yet"),
        IntegrityError("INSERT", None, _PgError("23505")),
        DBAPIError("INSERT", None, _PgError("22021")),
    ],
)
def test_faults(exc: BaseException) -> None:
    assert not is_outage(exc)


def test_outage_as_the_cause() -> None:
    try:
        try:
            raise ConnectionResetError("peer reset")
        except ConnectionResetError as inner:
            raise RuntimeError("handler failed") from inner
    except RuntimeError as outer:
        assert is_outage(outer)
