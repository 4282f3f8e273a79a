"""No secret in the logs. The test makes its own secrets-bearing traffic first, so it needs
no other test before it (it used to be named to run last): it signs in, fails to sign in
with distinctive passwords (as a known and an unknown user, in the JSON body and in a broken
body), creates an account and changes its password, refreshes, signs out, passes tokens in
the query string of the live feed, then greps every log file the stack wrote (whatever
other tests ran before it) for those passwords, the demo passwords, the tokens of this test
and of the session's clients, the JWT private key and the hop key."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
from mes_cli.pytest_plugin import eventually, streams_consumed
from mes_cli.stack import Stack
from mes_contracts import events as ev

from .conftest import Client

DEMO_PASSWORDS = (
    "demo-admin-1234",
    "demo-manager-1234",
    "demo-quality-1234",
    "demo-viewer-1234",
    "demo-worker-1234",
)


def _logs(stack: Stack) -> dict[Path, str]:
    files = sorted(p for p in stack.logs_dir.rglob("*") if p.is_file())
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in files}


def test_no_password_token_or_key_material_in_any_log(
    stack: Stack, gateway: str, admin: Client, manager: Client, viewer: Client, worker: Client
):
    marker = f"Sekr3t-{uuid.uuid4().hex}"
    wrong = [f"{marker}-wrong-{i}" for i in range(3)]
    secrets: list[str] = [*wrong, *DEMO_PASSWORDS]
    # Failed sign-ins: a real user, an unknown user, a password in place of the user name.
    for username, password in (("admin", wrong[0]), ("nobody", wrong[1]), (wrong[2], "x")):
        r = httpx.post(
            gateway + "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert r.status_code == 401
    # A broken body that still carries the password (a validation error must not echo it
    # into the logs; the response itself is the caller's own data).
    r = httpx.post(
        gateway + "/api/v1/auth/login",
        content=f'{{"username": "admin", "password": "{marker}-broken"'.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500
    secrets.append(f"{marker}-broken")
    # An account of this test's own, with a password set and then changed by the admin.
    name = f"sec-log-{uuid.uuid4().hex[:6]}"
    first, second = f"{marker}-first", f"{marker}-second"
    secrets += [first, second]
    r = admin.post(
        "/api/v1/users",
        json={"username": name, "password": first, "role": "viewer", "display_name": "Log"},
    )
    assert r.status_code == 201, r.text
    assert admin.patch(f"/api/v1/users/{name}", json={"password": second}).status_code == 200
    # Successful sign-in, refresh, a token in the live feed's query string, sign-out.
    signed = httpx.post(
        gateway + "/api/v1/auth/login", json={"username": name, "password": second}
    ).json()["data"]
    refreshed = httpx.post(
        gateway + "/api/v1/auth/refresh", json={"refresh_token": signed["refresh_token"]}
    ).json()["data"]
    with httpx.stream(
        "GET",
        gateway + "/api/v1/live",
        params={"access_token": refreshed["access_token"]},
        timeout=10,
    ) as live:
        assert live.status_code == 200
    # A request that fails upstream with the token in its Authorization header.
    httpx.get(
        gateway + "/api/v1/lots/%00",
        headers={"Authorization": f"Bearer {refreshed['access_token']}"},
    )
    r = httpx.post(
        gateway + "/api/v1/auth/logout",
        json={"refresh_token": refreshed["refresh_token"]},
        headers={"Authorization": f"Bearer {refreshed['access_token']}"},
    )
    assert r.status_code == 200
    tokens = [
        signed["access_token"],
        signed["refresh_token"],
        refreshed["access_token"],
        refreshed["refresh_token"],
        *(
            c.headers["Authorization"].removeprefix("Bearer ")
            for c in (admin, manager, viewer, worker)
        ),
    ]
    # The signature part of a JWT is the part that must never leak (header/claims are public).
    secrets += tokens + [t.rsplit(".", 1)[-1] for t in tokens if t.count(".") == 2]
    private_pem = (stack.config.data_dir / "keys" / "jwt_ed25519.pem").read_text()
    key_body = private_pem.split("-----")[2].strip()
    secrets += [key_body, *(line for line in key_body.splitlines() if len(line) > 20)]
    secrets.append((stack.config.data_dir / "keys" / "internal_hop.key").read_text().strip())

    # Every line is flushed as it is written; what may still come is a consumer's, for the
    # account events above: wait until every group has applied them.
    eventually(
        lambda: streams_consumed(stack.redis_url or "", [ev.USER_CREATED, ev.USER_UPDATED]),
        what="the account events applied",
    )
    logs = _logs(stack)
    names = {p.name for p in logs}
    expected = {stack.log_file(n).name for n in ("gateway", "lot-service", "firmware-service")}
    assert expected <= names, names
    assert sum(len(text) for text in logs.values()) > 1000, "the services logged nothing?"
    found = [
        (path.name, secret[:12] + "…")
        for path, text in logs.items()
        for secret in secrets
        if secret and secret in text
    ]
    assert not found, f"secrets in logs: {found}"
    # The failed sign-ins are on record — in the audit table, not the log lines.
    events = admin.get("/api/v1/audit/auth-events", params={"username": "nobody"}).json()
    assert any(e["outcome"] == "refused" for e in events["data"]["items"])
    assert not any(marker in str(e) for e in events["data"]["items"])
