"""No admin can lock the system out: nobody deactivates or demotes themselves, and two
admins taking each other's rights at the same moment cannot both succeed (the last active
admin always stays). On admin accounts of these tests' own."""

from __future__ import annotations

import threading
import uuid

import httpx
import pytest

from .conftest import Client


def _admin(admin: Client, gateway: str) -> Client:
    name = f"lock-{uuid.uuid4().hex[:8]}"
    password = f"pw-{uuid.uuid4().hex}"
    r = admin.post(
        "/api/v1/users",
        json={"username": name, "password": password, "role": "admin", "display_name": "Lock"},
    )
    assert r.status_code == 201, r.text
    return Client(gateway, name, password)


def _state(admin: Client, name: str) -> tuple[str, bool]:
    user = admin.get(f"/api/v1/users/{name}").json()["data"]
    return user["role"], user["active"]


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("PATCH", {"active": False}),
        ("PATCH", {"role": "viewer"}),
        ("PATCH", {"role": "production_manager", "display_name": "Demoted"}),
        ("DELETE", None),
    ],
)
def test_nobody_deactivates_or_demotes_themselves(
    admin: Client, gateway: str, method: str, body: dict | None
):
    own = _admin(admin, gateway)
    name = own.user["username"]
    r = own.request(method, f"/api/v1/users/{name}", json=body)
    assert r.status_code == 409, r.text
    error = r.json()
    assert error["status"] == "error" and error["error_code"] == "SELF_LOCKOUT", error
    assert _state(admin, name) == ("admin", True)
    # Nothing changed, so nothing was revoked: the account still works.
    assert own.get("/api/v1/users").status_code == 200
    # What does not take its own rights away stays allowed.
    r = own.patch(f"/api/v1/users/{name}", json={"display_name": "Still admin", "active": True})
    assert r.status_code == 200, r.text


def _at_once(pair: tuple[tuple[Client, Client], ...], change: dict) -> list[httpx.Response]:
    """Each actor changes its target; both requests leave together."""
    answers: list[httpx.Response] = [None, None]  # type: ignore[list-item]
    start = threading.Barrier(len(pair))

    def take(index: int, actor: Client, target: Client) -> None:
        start.wait()
        answers[index] = actor.patch(f"/api/v1/users/{target.user['username']}", json=change)

    threads = [threading.Thread(target=take, args=(i, *p)) for i, p in enumerate(pair)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.mark.parametrize("change", [{"role": "viewer"}, {"active": False}])
def test_two_admins_taking_each_others_rights_at_once_cannot_both_succeed(
    admin: Client, gateway: str, change: dict
):
    for _ in range(5):
        first, second = _admin(admin, gateway), _admin(admin, gateway)
        answers = _at_once(((first, second), (second, first)), change)
        codes = sorted(r.status_code for r in answers)
        # The loser was either refused inside the transaction (it is no longer an admin)
        # or, arriving later, at the door (its token was revoked by the winner's change).
        assert codes in ([200, 401], [200, 403]), [r.text for r in answers]
        loser = next(r for r in answers if r.status_code != 200)
        assert loser.json()["error_code"] in {"FORBIDDEN", "TOKEN_REVOKED"}, loser.text
        states = [_state(admin, c.user["username"]) for c in (first, second)]
        assert states.count(("admin", True)) == 1, states
