"""The station admin PIN that guards Settings (ADR 0017).

Stored in the settings file as a salted PBKDF2-SHA256 hash, never in clear. No hash yet
(first run) means the default PIN `DEFAULT_PIN`, which the README names and the Settings
dialog makes the admin replace before anything else is saved. Wrong PINs lock the
dialog for a while, so a PIN cannot be guessed at the station.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time
from collections.abc import Callable

DEFAULT_PIN = "0000"
PIN_PATTERN = re.compile(r"^[0-9]{4,12}$")
ITERATIONS = 200_000
SCHEME = "pbkdf2-sha256"
MAX_TRIES = 5
LOCK_SECONDS = 60.0


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """`pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64)."""
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def is_pin_hash(stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != SCHEME or not parts[1].isdigit():
        return False
    try:
        base64.b64decode(parts[2], validate=True)
        base64.b64decode(parts[3], validate=True)
    except ValueError:
        return False
    return 1_000 <= int(parts[1]) <= 10_000_000


def verify_pin(pin: str, stored: str) -> bool:
    """Does `pin` match `stored` (an empty `stored`: the default PIN)?"""
    if not stored:
        return hmac.compare_digest(pin.encode("utf-8"), DEFAULT_PIN.encode("utf-8"))
    if not is_pin_hash(stored):
        return False
    _, iterations, salt, digest = stored.split("$")
    actual = hashlib.pbkdf2_hmac(
        "sha256", pin.encode("utf-8"), base64.b64decode(salt), int(iterations)
    )
    return hmac.compare_digest(actual, base64.b64decode(digest))


def new_pin_problem(pin: str, confirm: str) -> tuple[str, str] | None:
    """(Korean, English) reason a new PIN is refused, or None."""
    if not PIN_PATTERN.match(pin):
        return "PIN은 숫자 4~12자리입니다", "The PIN is 4 to 12 digits"
    if pin == DEFAULT_PIN:
        return "기본 PIN은 쓸 수 없습니다", "The default PIN cannot be used"
    if pin != confirm:
        return "두 PIN이 다릅니다", "The two PINs differ"
    return None


class PinGuard:
    """Counts wrong PINs; after `MAX_TRIES` the PIN is refused for `LOCK_SECONDS`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.failures = 0
        self.locked_until = 0.0

    def locked_for(self) -> float:
        return max(0.0, self.locked_until - self.clock())

    def check(self, pin: str, stored: str) -> bool:
        if self.locked_for() > 0:
            return False
        if verify_pin(pin, stored):
            self.failures = 0
            return True
        self.failures += 1
        if self.failures >= MAX_TRIES:
            self.failures = 0
            self.locked_until = self.clock() + LOCK_SECONDS
        return False
