"""A stack of its own for fuzzing: the admin fuzzer creates and changes users, printers
and firmware, which the e2e suite's stack must not see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mes_cli.pytest_plugin import running_stack
from mes_cli.stack import Stack

FUZZ_ENV = {
    # One client address, far more requests than a person makes (limits have own tests).
    "MES_RATE_LIMIT_PER_MINUTE": "1000000",
    "MES_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
    "MES_LOG_LEVEL": "WARNING",
}
REDIS_DB = 12  # e2e uses 1 (and 2, 3 for its own gateways)


@pytest.fixture(scope="session")
def fuzz_stack(pg_url: str, redis_url: str) -> Iterator[Stack]:
    with running_stack(
        pg_url, redis_url, name="fuzz", redis_index=REDIS_DB, env=FUZZ_ENV
    ) as running:
        yield running
