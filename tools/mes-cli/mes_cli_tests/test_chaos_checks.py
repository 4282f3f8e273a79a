"""The chaos verdict: a LOT whose creation the client never got an answer to may exist."""

import pytest
from mes_cli.chaos_checks import _unanswered_may_exist, compare

pytestmark = pytest.mark.unit


def test_lots_applied_though_unanswered_are_not_errors() -> None:
    checked = _unanswered_may_exist(compare("lots", {"A", "B"}, {"A", "B", "C"}), unanswered=2)
    assert checked.ok and checked.mismatched == 0
    assert "applied though never answered" in checked.examples[0]


def test_more_unknown_lots_than_unanswered_requests_still_fail() -> None:
    checked = _unanswered_may_exist(compare("lots", {"A"}, {"A", "B", "C"}), unanswered=1)
    assert not checked.ok and checked.mismatched == 2


def test_a_lost_lot_is_never_excused() -> None:
    checked = _unanswered_may_exist(compare("lots", {"A", "B"}, {"A"}), unanswered=5)
    assert not checked.ok and checked.lost == 1
