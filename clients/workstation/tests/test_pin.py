from __future__ import annotations

import pytest
from mes_workstation.pin import (
    DEFAULT_PIN,
    LOCK_SECONDS,
    MAX_TRIES,
    PinGuard,
    hash_pin,
    is_pin_hash,
    new_pin_problem,
    verify_pin,
)

pytestmark = pytest.mark.unit


def test_pins_are_stored_salted_and_checked_in_constant_time() -> None:
    first, second = hash_pin("482915"), hash_pin("482915")
    assert first != second  # a fresh salt each time
    assert "482915" not in first and is_pin_hash(first)
    assert verify_pin("482915", first) and verify_pin("482915", second)
    assert not verify_pin("482916", first)
    assert verify_pin(DEFAULT_PIN, "")  # no PIN set yet: the default
    assert not verify_pin("482915", "")
    damaged = first[:-6] + "!!!!!!"
    assert not is_pin_hash(damaged) and not verify_pin("482915", damaged)


def test_new_pins_are_digits_not_the_default_and_typed_twice() -> None:
    assert new_pin_problem("482915", "482915") is None
    assert new_pin_problem("12", "12") == ("PIN은 숫자 4~12자리입니다", "The PIN is 4 to 12 digits")
    assert new_pin_problem("abcd", "abcd") is not None
    assert new_pin_problem(DEFAULT_PIN, DEFAULT_PIN) == (
        "기본 PIN은 쓸 수 없습니다",
        "The default PIN cannot be used",
    )
    assert new_pin_problem("482915", "482951") == ("두 PIN이 다릅니다", "The two PINs differ")


def test_wrong_pins_lock_the_dialog_for_a_while() -> None:
    now = [1000.0]
    guard = PinGuard(clock=lambda: now[0])
    stored = hash_pin("482915", iterations=1_000)
    for _ in range(MAX_TRIES):
        assert not guard.check("000000", stored)
    assert guard.locked_for() == LOCK_SECONDS
    assert not guard.check("482915", stored)  # even the right PIN, while locked
    now[0] += LOCK_SECONDS
    assert guard.check("482915", stored)
    assert guard.failures == 0
