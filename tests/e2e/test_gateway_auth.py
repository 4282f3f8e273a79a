"""Sign-in, refresh rotation with reuse detection, sign-out, and refused tokens."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
from mes_cli.stack import Stack

LOGIN = "/api/v1/auth/login"


def _login(gateway: str, username: str = "viewer", password: str = "demo-viewer-1234") -> dict:
    r = httpx.post(gateway + LOGIN, json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def _me(gateway: str, token: str) -> httpx.Response:
    return httpx.get(gateway + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def _private_key(stack: Stack) -> str:
    return (stack.config.data_dir / "keys" / "jwt_ed25519.pem").read_text()


def _claims(**overrides: object) -> dict:
    now = datetime.now(UTC)
    claims = {
        "iss": "withforce-mes",
        "aud": "withforce-mes-api",
        "sub": "viewer",
        "role": "admin",
        "worker_id": None,
        "ver": 1,
        "typ": "access",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return claims


def test_login_gives_access_and_refresh_tokens(gateway: str):
    data = _login(gateway)
    assert data["token_type"] == "bearer" and data["expires_in"] == 15 * 60
    assert data["user"]["role"] == "viewer"
    claims = jwt.decode(data["access_token"], options={"verify_signature": False})
    assert (
        claims["typ"] == "access"
        and claims["iss"] == "withforce-mes"
        and claims["aud"] == "withforce-mes-api"
    )
    assert claims["exp"] - claims["iat"] == 15 * 60
    header = jwt.get_unverified_header(data["access_token"])
    assert header["alg"] == "EdDSA"
    refresh_lifetime = datetime.fromisoformat(data["refresh_expires_at"]) - datetime.now(UTC)
    assert timedelta(days=6, hours=23) < refresh_lifetime <= timedelta(days=7)
    assert _me(gateway, data["access_token"]).json()["data"]["username"] == "viewer"


def test_wrong_password_is_refused_with_the_contract_body(gateway: str):
    r = httpx.post(gateway + LOGIN, json={"username": "viewer", "password": "nope"})
    assert r.status_code == 401
    assert r.json()["error_code"] == "INVALID_CREDENTIALS"
    r = httpx.post(gateway + LOGIN, json={"username": "nobody-at-all", "password": "nope"})
    assert r.status_code == 401 and r.json()["error_code"] == "INVALID_CREDENTIALS"


def test_sign_ins_at_once_each_get_their_own_answer_and_health_answers_meanwhile(gateway: str):
    """Argon2 runs off the loop with no transaction open (gateway/passwords.py): sign-ins
    sent together, right, wrong and unknown, each get their own answer, and a cheap request
    sent while they run is answered too."""
    tries = [
        ("viewer", "demo-viewer-1234", 200),
        ("manager", "demo-manager-1234", 200),
        ("viewer", "wrong-password-1", 401),
        ("nobody-at-all", "demo-viewer-1234", 401),
    ] * 2

    async def run() -> tuple[list[tuple[str, int]], int]:
        async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
            sign_ins = [
                asyncio.create_task(client.post(LOGIN, json={"username": u, "password": p}))
                for u, p, _ in tries
            ]
            health = await client.get("/health")
            answers = await asyncio.gather(*sign_ins)
        return [
            (r.json()["data"]["user"]["username"] if r.status_code == 200 else "", r.status_code)
            for r in answers
        ], health.status_code

    answers, health = asyncio.run(run())
    assert health == 200
    assert answers == [(u if status == 200 else "", status) for u, _, status in tries]


def test_refresh_rotates_and_reuse_revokes_the_whole_family(gateway: str):
    first = _login(gateway)
    r = httpx.post(gateway + "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()["data"]
    assert second["refresh_token"] != first["refresh_token"]
    assert _me(gateway, second["access_token"]).status_code == 200

    # The first token was rotated: presenting it again means it leaked.
    reuse = httpx.post(
        gateway + "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert reuse.status_code == 401 and reuse.json()["error_code"] == "TOKEN_REVOKED"
    # …so the legitimate newest token of that family is dead too.
    after = httpx.post(
        gateway + "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert after.status_code == 401 and after.json()["error_code"] == "TOKEN_REVOKED"
    # Other sign-ins (other families) are unaffected.
    other = _login(gateway)
    ok = httpx.post(
        gateway + "/api/v1/auth/refresh", json={"refresh_token": other["refresh_token"]}
    )
    assert ok.status_code == 200


def test_logout_revokes_the_access_token_and_the_refresh_family(gateway: str):
    data = _login(gateway)
    headers = {"Authorization": f"Bearer {data['access_token']}"}
    r = httpx.post(
        gateway + "/api/v1/auth/logout",
        json={"refresh_token": data["refresh_token"]},
        headers=headers,
    )
    assert r.status_code == 200 and r.json()["data"]["revoked_refresh_family"] is True
    assert _me(gateway, data["access_token"]).json()["error_code"] == "TOKEN_REVOKED"
    assert httpx.get(gateway + "/api/v1/lots", headers=headers).status_code == 401
    r = httpx.post(gateway + "/api/v1/auth/refresh", json={"refresh_token": data["refresh_token"]})
    assert r.status_code == 401


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(claims: dict, secret: bytes) -> str:
    """A token MAC'd with HS256 by hand (PyJWT rightly refuses a PEM key as HMAC secret)."""
    body = {k: (int(v.timestamp()) if isinstance(v, datetime) else v) for k, v in claims.items()}
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(body).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _refused(gateway: str, stack: Stack, token: str) -> None:
    for url in (gateway + "/api/v1/lots", stack.services["lot-service"].url + "/api/v1/lots"):
        r = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (url, r.text)
        assert r.json()["status"] == "error"
        assert r.json()["error_code"] in {"UNAUTHORIZED", "TOKEN_EXPIRED"}


def test_forged_and_invalid_tokens_are_refused_by_gateway_and_services(gateway: str, stack: Stack):
    key = _private_key(stack)
    # alg "none": an unsigned token claiming admin.
    none_header = base64.urlsafe_b64encode(
        json.dumps({"alg": "none", "typ": "JWT"}).encode()
    ).rstrip(b"=")
    payload = json.dumps(
        {k: (v.timestamp() if isinstance(v, datetime) else v) for k, v in _claims().items()}
    )
    none_body = base64.urlsafe_b64encode(payload.encode()).rstrip(b"=")
    _refused(gateway, stack, f"{none_header.decode()}.{none_body.decode()}.")
    # Tampered: a real viewer token whose payload is edited to say admin.
    real = _login(gateway)["access_token"]
    head, body, sig = real.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["role"] = "admin"
    forged_body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    _refused(gateway, stack, f"{head}.{forged_body}.{sig}")
    # Expired, wrong audience, wrong issuer, wrong type: signed with the real key.
    past = datetime.now(UTC) - timedelta(hours=1)
    _refused(
        gateway,
        stack,
        jwt.encode(
            _claims(iat=past, nbf=past, exp=past + timedelta(minutes=15)), key, algorithm="EdDSA"
        ),
    )
    _refused(gateway, stack, jwt.encode(_claims(aud="someone-else"), key, algorithm="EdDSA"))
    _refused(gateway, stack, jwt.encode(_claims(iss="evil"), key, algorithm="EdDSA"))
    _refused(gateway, stack, jwt.encode(_claims(typ="refresh"), key, algorithm="EdDSA"))
    # Algorithm confusion: HS256 keyed with the public key.
    public = (stack.config.data_dir / "keys" / "jwt_ed25519.pub").read_bytes()
    _refused(gateway, stack, _hs256(_claims(), public))
    # Signed by another key pair altogether.
    from mes_cli.keys import generate_keypair

    other_private, _ = generate_keypair()
    _refused(gateway, stack, jwt.encode(_claims(), other_private, algorithm="EdDSA"))
