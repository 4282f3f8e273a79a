"""Sign-out, deactivation, role, password and worker id changes take effect at once: the
old access token is refused by the gateway and by every service reached directly (each
checks Redis itself), and a token issued after the change works. On accounts of these
tests' own (the demo accounts are never changed)."""

from __future__ import annotations

import uuid

import httpx
import jwt
import redis
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack

from .conftest import Client

LOT = {"product_model": "WF", "target_quantity": 1, "shift": "D"}


def _account(admin: Client, role: str, worker_id: str | None = None) -> tuple[str, str]:
    name = f"rev-{role[:4]}-{uuid.uuid4().hex[:6]}"
    password = f"pw-{uuid.uuid4().hex}"
    body = {"username": name, "password": password, "role": role, "display_name": "Revocation"}
    if worker_id:
        body["worker_id"] = worker_id
    r = admin.post("/api/v1/users", json=body)
    assert r.status_code == 201, r.text
    return name, password


def _login(gateway: str, name: str, password: str) -> dict:
    r = httpx.post(gateway + "/api/v1/auth/login", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _reads(gateway: str, stack: Stack) -> dict[str, str]:
    """A GET every role may make: at the gateway (its own route and a proxied one) and
    directly at each of the five services."""
    svc = {name: stack.services[name].url for name in stack.services}
    return {
        "gateway": gateway + "/api/v1/auth/me",
        "gateway → lot-service": gateway + "/api/v1/lots",
        "lot-service": svc["lot-service"] + "/api/v1/lots",
        "process-service": svc["process-service"] + "/api/v1/process/routing",
        "label-service": svc["label-service"] + "/api/v1/printers",
        "firmware-service": svc["firmware-service"] + "/api/v1/firmware",
        "trace-service": svc["trace-service"] + "/api/v1/dashboard/summary",
    }


def _all_accept(gateway: str, stack: Stack, token: str) -> None:
    for where, url in _reads(gateway, stack).items():
        r = httpx.get(url, headers=_auth(token), timeout=30)
        assert r.status_code == 200, (where, r.status_code, r.text[:300])


def _all_refuse(gateway: str, stack: Stack, token: str) -> None:
    for where, url in _reads(gateway, stack).items():
        r = httpx.get(url, headers=_auth(token), timeout=30)
        assert r.status_code == 401, (where, r.status_code, r.text[:300])
        body = r.json()
        assert body["status"] == "error" and body["error_code"] == "TOKEN_REVOKED", (where, body)


def _create_lot(base: str, token: str) -> httpx.Response:
    return httpx.post(base + "/api/v1/lots", json=LOT, headers=_auth(token), timeout=30)


def test_logout_revokes_the_token_at_the_gateway_and_at_every_service(
    admin: Client, gateway: str, stack: Stack
):
    name, password = _account(admin, "viewer")
    session = _login(gateway, name, password)
    other = _login(gateway, name, password)  # the same account on another station
    _all_accept(gateway, stack, session["access_token"])
    r = httpx.post(
        gateway + "/api/v1/auth/logout",
        json={"refresh_token": session["refresh_token"]},
        headers=_auth(session["access_token"]),
    )
    assert r.status_code == 200, r.text
    _all_refuse(gateway, stack, session["access_token"])
    # Signing out ends that session only.
    _all_accept(gateway, stack, other["access_token"])


def test_a_deactivated_account_is_refused_at_once_everywhere(
    admin: Client, gateway: str, stack: Stack
):
    name, password = _account(admin, "production_manager")
    token = _login(gateway, name, password)["access_token"]
    _all_accept(gateway, stack, token)
    assert admin.delete(f"/api/v1/users/{name}").status_code == 200
    _all_refuse(gateway, stack, token)
    lot_service = stack.services["lot-service"].url
    before = admin.get("/api/v1/lots").json()["data"]["total"]
    for base in (gateway, lot_service):
        r = _create_lot(base, token)
        assert r.status_code == 401 and r.json()["error_code"] == "TOKEN_REVOKED", (base, r.text)
    assert admin.get("/api/v1/lots").json()["data"]["total"] == before


def test_a_demoted_manager_loses_the_role_at_once_and_a_new_sign_in_has_the_new_one(
    admin: Client, gateway: str, stack: Stack
):
    name, password = _account(admin, "production_manager")
    token = _login(gateway, name, password)["access_token"]
    lot_service = stack.services["lot-service"].url
    for base in (gateway, lot_service):
        assert _create_lot(base, token).status_code == 201, base

    r = admin.patch(f"/api/v1/users/{name}", json={"role": "viewer"})
    assert r.status_code == 200 and r.json()["data"]["role"] == "viewer", r.text
    for base in (gateway, lot_service):
        r = _create_lot(base, token)
        assert r.status_code == 401 and r.json()["error_code"] == "TOKEN_REVOKED", (base, r.text)
    _all_refuse(gateway, stack, token)

    # A token issued after the change works, with the new role.
    fresh = _login(gateway, name, password)
    assert fresh["user"]["role"] == "viewer"
    _all_accept(gateway, stack, fresh["access_token"])
    for base in (gateway, lot_service):
        r = _create_lot(base, fresh["access_token"])
        assert r.status_code == 403 and r.json()["error_code"] == "FORBIDDEN", (base, r.text)


def test_password_and_worker_id_changes_revoke_earlier_tokens_only(
    admin: Client, gateway: str, stack: Stack
):
    worker_id = f"W{uuid.uuid4().int % 10**6:06d}"
    name, password = _account(admin, "worker", worker_id)
    token = _login(gateway, name, password)["access_token"]

    # A change the token does not carry (the display name) revokes nothing.
    assert admin.patch(f"/api/v1/users/{name}", json={"display_name": "Renamed"}).status_code == 200
    _all_accept(gateway, stack, token)

    new_worker_id = f"W{uuid.uuid4().int % 10**6:06d}"
    r = admin.patch(f"/api/v1/users/{name}", json={"worker_id": new_worker_id})
    assert r.status_code == 200, r.text
    _all_refuse(gateway, stack, token)
    after_worker_change = _login(gateway, name, password)
    assert after_worker_change["user"]["worker_id"] == new_worker_id
    _all_accept(gateway, stack, after_worker_change["access_token"])

    new_password = f"pw-{uuid.uuid4().hex}"
    assert admin.patch(f"/api/v1/users/{name}", json={"password": new_password}).status_code == 200
    _all_refuse(gateway, stack, after_worker_change["access_token"])
    _all_accept(gateway, stack, _login(gateway, name, new_password)["access_token"])


def test_revocations_redis_lost_are_written_again_by_the_gateway(
    admin: Client, gateway: str, stack: Stack
):
    """The users table and the signed-out tokens' table are the truth: the gateway
    re-publishes them periodically (every second in this stack), so a key Redis lost
    comes back and the old tokens are refused again."""
    name, password = _account(admin, "production_manager")
    demoted = _login(gateway, name, password)["access_token"]
    assert admin.patch(f"/api/v1/users/{name}", json={"role": "viewer"}).status_code == 200
    signed_out = _login(gateway, name, password)["access_token"]
    r = httpx.post(gateway + "/api/v1/auth/logout", headers=_auth(signed_out), json={})
    assert r.status_code == 200, r.text
    jti = jwt.decode(signed_out, options={"verify_signature": False})["jti"]

    client = redis.Redis.from_url(stack.redis_url or "")
    version_key, jti_key = f"mes:token-version:{name}", f"mes:revoked-jti:{jti}"
    try:
        version = client.get(version_key)
        assert version is not None and client.exists(jti_key)
        assert client.delete(version_key, jti_key) == 2  # as if Redis had lost them
        eventually(lambda: client.get(version_key) == version, timeout=15, what="version back")
        eventually(lambda: client.exists(jti_key), timeout=15, what="sign-out back")
        assert 0 < client.ttl(jti_key) <= 15 * 60
    finally:
        client.close()
    _all_refuse(gateway, stack, demoted)
    _all_refuse(gateway, stack, signed_out)
