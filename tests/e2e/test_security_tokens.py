"""JWT and refresh-token attacks not already covered by test_gateway_auth.py (which proves
alg=none, a tampered payload, expired/foreign-audience/foreign-issuer/refresh-typed access
tokens, HS256 keyed with the public key and a foreign key pair are refused by the gateway
and by a service reached directly). Here: header injection (`kid`, `jku`, `x5u`, embedded
`jwk`), an audience list without ours, unknown roles, missing claims, an expired refresh
token, opaque refresh tokens used as access tokens (and the other way round), and very long
or malformed tokens — always a 4xx in the contract body, never a 5xx."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mes_cli.pytest_plugin import asyncpg_dsn
from mes_cli.stack import Stack

from .test_gateway_auth import _claims, _login, _private_key

REFRESH = "/api/v1/auth/refresh"


def _targets(gateway: str, stack: Stack) -> list[str]:
    """The gateway and two services reached directly: each verifies on its own."""
    return [
        gateway + "/api/v1/lots",
        stack.services["lot-service"].url + "/api/v1/lots",
        stack.services["trace-service"].url + "/api/v1/dashboard/summary",
    ]


def _refused(gateway: str, stack: Stack, token: str, codes: frozenset[int] = frozenset({401})):
    for url in _targets(gateway, stack):
        r = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code in codes, (url, r.status_code, r.text[:300])
        body = r.json()
        assert body["status"] == "error" and body["error_code"] in {
            "UNAUTHORIZED",
            "TOKEN_EXPIRED",
            "VALIDATION_ERROR",
            "PAYLOAD_TOO_LARGE",
        }, body


def _attacker_key() -> tuple[Ed25519PrivateKey, dict[str, str]]:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    return key, jwk


def test_header_injection_kid_jku_x5u_jwk_is_ignored(gateway: str, stack: Stack):
    """The verification key is pinned: nothing in the token header can choose another one."""
    key, jwk = _attacker_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key_dir = stack.config.data_dir / "keys"
    hostile_headers = [
        {"kid": "../../../../dev/null"},
        {"kid": str(key_dir / "jwt_ed25519.pub")},
        {"kid": "' UNION SELECT 'secret' --"},
        {"jku": "http://127.0.0.1:1/jwks.json"},
        {"x5u": "http://127.0.0.1:1/cert.pem"},
        {"jwk": jwk},
        {"kid": "x", "jku": "file:///etc/passwd", "crit": ["jku"]},
    ]
    for extra in hostile_headers:
        token = jwt.encode(_claims(), pem, algorithm="EdDSA", headers=extra)
        _refused(gateway, stack, token)
    # The same header fields on a token the gateway really signed change nothing either way:
    # the token stays valid (the header is not where the key comes from).
    real_key = _private_key(stack)
    ok = jwt.encode(
        _claims(sub="viewer", role="viewer"),
        real_key,
        algorithm="EdDSA",
        headers={"kid": "attacker", "jku": "http://127.0.0.1:1/jwks.json"},
    )
    r = httpx.get(gateway + "/api/v1/products", headers={"Authorization": f"Bearer {ok}"})
    assert r.status_code == 200, r.text


def test_audience_role_and_required_claims_are_enforced(gateway: str, stack: Stack):
    key = _private_key(stack)
    # An audience list that does not name this API, and one for another product.
    _refused(gateway, stack, jwt.encode(_claims(aud=["other-api", "x"]), key, algorithm="EdDSA"))
    _refused(gateway, stack, jwt.encode(_claims(aud="withforce-mes-apix"), key, algorithm="EdDSA"))
    # A role nobody has, and a role in the wrong case.
    _refused(gateway, stack, jwt.encode(_claims(role="superadmin"), key, algorithm="EdDSA"))
    _refused(gateway, stack, jwt.encode(_claims(role="ADMIN"), key, algorithm="EdDSA"))
    # Each required claim missing in turn.
    for claim in ("exp", "iat", "iss", "aud", "sub", "typ", "jti", "ver"):
        claims = _claims()
        del claims[claim]
        _refused(gateway, stack, jwt.encode(claims, key, algorithm="EdDSA"))
    # A token version that is not a non-negative integer.
    for ver in (True, -1, "1", 1.5, None):
        _refused(gateway, stack, jwt.encode(_claims(ver=ver), key, algorithm="EdDSA"))
    # Not yet valid (nbf in the future).
    later = datetime.now(UTC) + timedelta(hours=1)
    _refused(gateway, stack, jwt.encode(_claims(nbf=later), key, algorithm="EdDSA"))


def test_refresh_and_access_tokens_cannot_stand_in_for_each_other(gateway: str, stack: Stack):
    data = _login(gateway)
    # The opaque refresh token as a bearer token.
    _refused(gateway, stack, data["refresh_token"])
    # The access token as a refresh token (too long for the field, or unknown).
    r = httpx.post(gateway + REFRESH, json={"refresh_token": data["access_token"]})
    assert r.status_code in {400, 401}, r.text
    assert r.json()["error_code"] in {"UNAUTHORIZED", "VALIDATION_ERROR"}
    # A made-up refresh token of the right shape.
    r = httpx.post(gateway + REFRESH, json={"refresh_token": "A" * 64})
    assert r.status_code == 401 and r.json()["error_code"] == "UNAUTHORIZED", r.text
    # The real refresh token still works afterwards (none of this revoked it).
    r = httpx.post(gateway + REFRESH, json={"refresh_token": data["refresh_token"]})
    assert r.status_code == 200, r.text


def test_an_expired_refresh_token_is_refused(gateway: str, stack: Stack):
    data = _login(gateway)
    # Age this token past its expiry in the gateway's own table (7 days is too long to wait).
    assert stack.database_url

    async def age() -> int:
        conn = await asyncpg.connect(asyncpg_dsn(stack.database_url or ""))
        try:
            import hashlib

            digest = hashlib.sha256(data["refresh_token"].encode()).hexdigest()
            status = await conn.execute(
                "UPDATE gateway.refresh_tokens SET expires_at = now() - interval '1 second' "
                "WHERE token_hash = $1",
                digest,
            )
            return int(status.split()[-1])
        finally:
            await conn.close()

    assert asyncio.run(age()) == 1
    r = httpx.post(gateway + REFRESH, json={"refresh_token": data["refresh_token"]})
    assert r.status_code == 401 and r.json()["error_code"] == "TOKEN_EXPIRED", r.text
    # Presenting it again does not suddenly work either.
    r = httpx.post(gateway + REFRESH, json={"refresh_token": data["refresh_token"]})
    assert r.status_code == 401


@pytest.mark.parametrize(
    "token",
    [
        "x" * 100_000,
        "a.b.c",
        "a.b",
        "....",
        "eyJhbGciOiJFZERTQSJ9." + "A" * 50_000 + ".sig",
        "%00",
        "ünïcödé.tökén.✓",
        "Bearer nested",
    ],
    ids=[
        "100k",
        "three-junk-parts",
        "two-parts",
        "dots",
        "huge-payload",
        "nul",
        "unicode",
        "nested",
    ],
)
def test_malformed_and_very_long_tokens_get_a_4xx(gateway: str, stack: Stack, token: str):
    for url in _targets(gateway, stack):
        try:
            r = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        except UnicodeEncodeError:
            # httpx itself refuses non-ASCII header values: send them as raw UTF-8 bytes.
            r = httpx.get(url, headers={b"Authorization": f"Bearer {token}".encode()}, timeout=30)
        assert 400 <= r.status_code < 500, (url, r.status_code)
        if r.headers.get("content-type", "").startswith("application/json"):
            assert r.json()["status"] == "error"
    # The gateway is still answering normally afterwards.
    viewer = _login(gateway)["access_token"]
    r = httpx.get(gateway + "/api/v1/products", headers={"Authorization": f"Bearer {viewer}"})
    assert r.status_code == 200


def test_a_token_for_a_user_that_never_existed_cannot_use_self_service(gateway: str, stack: Stack):
    """Signed with the real key (as if it leaked) for a non-existent user: /auth/me says so
    instead of inventing a profile, and user management still checks the role claim."""
    key = _private_key(stack)
    ghost = f"ghost-{uuid.uuid4().hex[:6]}"
    token = jwt.encode(_claims(sub=ghost, role="viewer"), key, algorithm="EdDSA")
    r = httpx.get(gateway + "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404 and r.json()["error_code"] == "USER_NOT_FOUND", r.text
    r = httpx.get(gateway + "/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403


def test_the_key_material_is_not_served(gateway: str, stack: Stack):
    """Neither key file is reachable over HTTP, and the public API description names none."""
    private_pem = _private_key(stack)
    body = private_pem.split("-----")[2].strip()
    for path in ("/keys/jwt_ed25519.pem", "/.mes/keys/jwt_ed25519.pem", "/jwt_ed25519.pem"):
        r = httpx.get(gateway + path)
        assert body not in r.text
    assert body not in httpx.get(gateway + "/openapi.json").text
    assert json.dumps(body)[1:-1] not in httpx.get(gateway + "/openapi.json").text
