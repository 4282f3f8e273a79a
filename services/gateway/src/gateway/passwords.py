"""Password hashing with Argon2id (argon2-cffi), off the event loop.

A hash or a check costs tens of milliseconds of CPU and 64 MiB: on the loop it would stall
every other request of the process (in single mode, every service). The async functions
run it on a small executor of its own, so a burst of sign-ins neither blocks the loop nor
takes the default executor's threads, and at most `_WORKERS` hashes hold memory at once.
argon2-cffi releases the GIL while it hashes. Callers hash or verify outside any open
transaction (no connection or row lock is held while the CPU works)."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
_WORKERS = max(2, min(4, os.cpu_count() or 2))
_executor = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="argon2")


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps timing equal whether or not the user exists (made at
    the first sign-in, not at import: a hash costs a noticeable part of start-up)."""
    return _hasher.hash("not-a-real-password")


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


def verify_password_sync(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_executor, hash_password_sync, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True only for the right password of a real hash; an unknown user (`None`) costs one
    verification all the same."""
    return await asyncio.get_running_loop().run_in_executor(
        _executor, verify_password_sync, password_hash, password
    )
