"""What every service checks in an access token (servicekit.auth.JwtVerifier) and what the
two revocation keys say about it (servicekit.token_state.judge), table-driven. Redis and
HTTP stay out: test_identity_edge and test_token_cache take these through a real service."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from mes_cli.keys import generate_keypair
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import Role
from servicekit.auth import JwtVerifier
from servicekit.token_state import judge, state_keys, token_version_claim

pytestmark = pytest.mark.unit

ISSUER, AUDIENCE = "withforce-mes", "withforce-mes-api"
PRIVATE, PUBLIC = generate_keypair()
OTHER_PRIVATE, _ = generate_keypair()
NOW = datetime.now(UTC)
DROP = object()  # a claim left out


def claims(**changes: Any) -> dict[str, Any]:
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "kim.w001",
        "role": "worker",
        "worker_id": "W001",
        "ver": 3,
        "typ": "access",
        "jti": uuid.uuid4().hex,
        "iat": NOW,
        "nbf": NOW,
        "exp": NOW + timedelta(minutes=15),
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not DROP}


def token(key: str = PRIVATE, **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm="EdDSA")


def hs256_with_the_public_key() -> str:
    """The algorithm-confusion attack: HS256 keyed with the public PEM (PyJWT refuses to
    build one, so by hand)."""

    def part(value: bytes) -> str:
        return base64.urlsafe_b64encode(value).rstrip(b"=").decode()

    body = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in claims().items()}
    signed = part(b'{"alg":"HS256","typ":"JWT"}') + "." + part(json.dumps(body).encode())
    mac = hmac.new(PUBLIC.encode(), signed.encode(), hashlib.sha256).digest()
    return signed + "." + part(mac)


def verifier() -> JwtVerifier:
    return JwtVerifier(PUBLIC, issuer=ISSUER, audience=AUDIENCE, algorithm="EdDSA")


def refusal(raw: str, **kwargs: Any) -> ErrorCode | None:
    try:
        verifier().principal(raw, **kwargs)
    except MesError as exc:
        return exc.code
    return None


UNAUTHORIZED, EXPIRED = ErrorCode.UNAUTHORIZED, ErrorCode.TOKEN_EXPIRED


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (token(), None),
        (token(worker_id=None, role="admin"), None),
        (token(ver=0), None),
        *((token(**{c: DROP}), UNAUTHORIZED) for c in ("exp", "iat", "iss", "aud", "sub")),
        *((token(**{c: DROP}), UNAUTHORIZED) for c in ("typ", "jti", "ver")),
        (token(iss="someone-else"), UNAUTHORIZED),
        (token(aud="another-api"), UNAUTHORIZED),
        (token(typ="refresh"), UNAUTHORIZED),
        (token(exp=NOW - timedelta(minutes=5)), EXPIRED),
        (token(nbf=NOW + timedelta(minutes=5)), UNAUTHORIZED),
        (token(iat=NOW + timedelta(minutes=5)), UNAUTHORIZED),  # issued in the future
        (token(ver=-1), UNAUTHORIZED),
        (token(ver=True), UNAUTHORIZED),  # a bool is not a version
        (token(ver="3"), UNAUTHORIZED),
        (token(ver=3.0), UNAUTHORIZED),
        (token(role="superuser"), UNAUTHORIZED),
        (token(role=None), UNAUTHORIZED),
        (token(OTHER_PRIVATE), UNAUTHORIZED),  # signed by a key the services do not trust
        (hs256_with_the_public_key(), UNAUTHORIZED),  # the public key as an HMAC secret
        (jwt.encode(claims(), None, algorithm="none"), UNAUTHORIZED),
        (token()[:-4] + "AAAA", UNAUTHORIZED),
        ("not-a-jwt", UNAUTHORIZED),
        ("", UNAUTHORIZED),
    ],
)
def test_claims_a_service_accepts(raw: str, expected: ErrorCode | None) -> None:
    assert refusal(raw) == expected


def test_an_accepted_token_names_its_principal() -> None:
    raw = token()
    principal = verifier().principal(raw, source_ip="10.0.0.5")
    assert principal.user_id == "kim.w001" and principal.role is Role.WORKER
    assert principal.worker_id == "W001" and principal.source_ip == "10.0.0.5"
    assert principal.token_id == jwt.decode(raw, options={"verify_signature": False})["jti"]


def test_a_refresh_type_is_accepted_only_where_expected() -> None:
    raw = token(typ="refresh")
    assert verifier().verify(raw, expected_type="refresh")["typ"] == "refresh"
    with pytest.raises(MesError):
        verifier().verify(token(), expected_type="refresh")


REVOKED = ErrorCode.TOKEN_REVOKED


@pytest.mark.parametrize(
    ("ver", "revoked", "minimum", "expected"),
    [
        (3, None, None, None),  # nothing known: the token counts
        (3, None, b"3", None),  # issued under the current version
        (3, None, b"2", None),
        (3, None, "4", REVOKED),  # the account changed after the token was issued
        (0, None, b"1", REVOKED),
        (3, b"1", None, REVOKED),  # signed out
        (3, b"1", b"1", REVOKED),
        (-1, None, None, UNAUTHORIZED),
        (True, None, None, UNAUTHORIZED),
        ("3", None, None, UNAUTHORIZED),
    ],
)
def test_what_the_revocation_keys_say(
    ver: Any, revoked: Any, minimum: Any, expected: ErrorCode | None
) -> None:
    try:
        judge({"sub": "kim.w001", "jti": "j1", "ver": ver}, revoked, minimum)
    except MesError as exc:
        assert exc.code == expected
    else:
        assert expected is None


def test_the_keys_of_a_token() -> None:
    assert state_keys({"sub": "kim.w001", "jti": "j1", "ver": 1}) == (
        "mes:revoked-jti:j1",
        "mes:token-version:kim.w001",
    )
    assert token_version_claim({"ver": 7}) == 7
