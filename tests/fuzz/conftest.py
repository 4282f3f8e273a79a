"""A stack of its own for fuzzing: the admin fuzzer creates and changes users, printers
and firmware, which the e2e suite's stack must not see."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import create_database
from mes_cli.stack import Stack, StackConfig

FUZZ_ENV = {
    # One client address, far more requests than a person makes (limits have own tests).
    "MES_RATE_LIMIT_PER_MINUTE": "1000000",
    "MES_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
    "MES_LOG_LEVEL": "WARNING",
}
REDIS_DB = 12  # e2e uses 1 (and 2, 3 for its own gateways)


def _redis_db(url: str, index: int) -> str:
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{index}"


@pytest.fixture(scope="session")
def fuzz_stack(pg_url: str, redis_url: str) -> Iterator[Stack]:
    config = StackConfig(
        data_dir=Path(tempfile.mkdtemp(prefix="mes-fuzz-")),
        http_port=free_port(),
        database_url=asyncio.run(create_database(pg_url, "fuzz")),
        redis_url=_redis_db(redis_url, REDIS_DB),
        extra_env=FUZZ_ENV,
    )
    running = Stack(config, log=lambda *_: None)
    try:
        running.start(timeout=120)
        yield running
    finally:
        running.stop()
        shutil.rmtree(config.data_dir, ignore_errors=True)
