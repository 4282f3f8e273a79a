"""An idle consumer read must end before the Redis socket times out: redis-py 8 times a
socket out after 5 s by default, and a longer block made every idle read of every group
fail with TimeoutError (seen with a 15 s block). Settings that would do so are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from servicekit.settings import ServiceSettings


def test_the_default_read_ends_before_the_socket_times_out() -> None:
    s = ServiceSettings()
    assert s.consumer_block_ms <= s.redis_socket_timeout_seconds * 1000 - 500


@pytest.mark.parametrize("block_ms", [4_500, 5_000, 15_000])
def test_a_read_as_long_as_the_socket_timeout_is_refused(block_ms: int) -> None:
    with pytest.raises(ValidationError, match="consumer_block_ms"):
        ServiceSettings(consumer_block_ms=block_ms)


def test_a_longer_block_needs_a_longer_socket_timeout() -> None:
    s = ServiceSettings(consumer_block_ms=15_000, redis_socket_timeout_seconds=20)
    assert s.consumer_block_ms == 15_000
