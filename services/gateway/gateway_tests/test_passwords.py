"""Argon2 runs off the event loop: while password checks and hashes run, the loop keeps
serving other work, and the answers are those of the synchronous functions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest
from gateway.passwords import (
    hash_password,
    hash_password_sync,
    verify_password,
    verify_password_sync,
)

STORED = hash_password_sync("right-password-1")


async def _ticks_while(work: Awaitable[object]) -> tuple[int, object]:
    """How many times the loop ran another task while `work` ran, and its result."""
    task = asyncio.ensure_future(work)
    ticks = 0
    while not task.done():
        ticks += 1
        await asyncio.sleep(0)
    return ticks, task.result()


@pytest.mark.parametrize(
    ("stored", "password", "expected"),
    [
        (STORED, "right-password-1", True),
        (STORED, "wrong-password-1", False),
        (None, "unknown-user-password", False),  # an unknown user costs a check all the same
    ],
    ids=["right", "wrong", "unknown-user"],  # the hash is salted anew at every collection
)
async def test_a_check_leaves_the_loop_free(
    stored: str | None, password: str, expected: bool
) -> None:
    ticks, ok = await _ticks_while(verify_password(stored, password))
    assert ok is expected
    # On the loop the check would be a single step (a tick or two); off it, the loop turns
    # freely for the milliseconds Argon2 takes.
    assert ticks > 20, ticks


async def test_a_damaged_stored_hash_is_a_refusal() -> None:
    assert await verify_password("not-an-argon2-hash", "anything") is False


async def test_several_sign_ins_at_once_leave_the_loop_free() -> None:
    checks = [verify_password(STORED, "right-password-1") for _ in range(4)]
    ticks, results = await _ticks_while(asyncio.gather(*checks))
    assert results == [True] * 4
    assert ticks > 20, ticks


async def test_a_hash_leaves_the_loop_free() -> None:
    ticks, new_hash = await _ticks_while(hash_password("a-new-password-1"))
    assert isinstance(new_hash, str) and verify_password_sync(new_hash, "a-new-password-1")
    assert ticks > 20, ticks


_USER = {"username": "u", "active": True, "token_version": 3, "password_hash": STORED}


@pytest.mark.parametrize(
    ("fresh", "allowed"),
    [
        (_USER, True),
        (None, False),  # deleted while the password was checked
        ({**_USER, "active": False}, False),  # deactivated meanwhile
        ({**_USER, "token_version": 4}, False),  # role, worker id or password changed
        ({**_USER, "password_hash": hash_password_sync("another-one-1")}, False),
    ],
)
def test_sign_in_goes_ahead_only_for_the_account_that_was_checked(
    fresh: dict | None, allowed: bool
) -> None:
    """The check runs with no transaction open; the write re-reads the account and signs in
    only if it is still the one whose password was verified."""
    from gateway.auth_api import _may_sign_in

    assert _may_sign_in(_USER, fresh) is allowed
    assert _may_sign_in(None, fresh) is False
