"""Who may take admin rights away (the rule under the lock in users.update_user)."""

from __future__ import annotations

import pytest
from gateway.users import check_access_change
from mes_contracts.errors import MesError

pytestmark = pytest.mark.unit

ADMIN = {"role": "admin", "active": True}


def _code(username: str, after: dict, actor: str | None, admins: set[str]) -> str | None:
    try:
        check_access_change(username, ADMIN, after, actor_user_id=actor, active_admins=admins)
    except MesError as exc:
        return exc.code.value
    return None


@pytest.mark.parametrize(
    "after", [{"role": "viewer", "active": True}, {"role": "admin", "active": False}]
)
def test_nobody_takes_their_own_rights(after: dict) -> None:
    assert _code("ann", after, "ann", {"ann", "bob"}) == "SELF_LOCKOUT"


@pytest.mark.parametrize(
    "after", [{"role": "worker", "active": True}, {"role": "admin", "active": False}]
)
def test_the_last_active_admin_stays(after: dict) -> None:
    assert _code("ann", after, None, {"ann"}) == "LAST_ADMIN"  # even for the system
    assert _code("ann", after, None, {"ann", "bob"}) is None


def test_only_an_active_admin_changes_access() -> None:
    """A concurrent change already took the actor's rights: its own change is refused."""
    demote = {"role": "viewer", "active": True}
    assert _code("bob", demote, "ann", {"bob"}) == "FORBIDDEN"
    assert _code("bob", demote, "ann", {"ann", "bob"}) is None


def test_changes_that_keep_admin_rights_are_allowed_on_oneself() -> None:
    assert _code("ann", ADMIN, "ann", {"ann"}) is None
