"""The gateway's access tokens (gateway.tokens.TokenIssuer) carry exactly the claims every
service's verifier (servicekit.auth.JwtVerifier) demands, for every kind of account."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from gateway.settings import GatewaySettings
from gateway.tokens import TokenIssuer
from mes_cli.keys import generate_keypair
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import Role
from servicekit.auth import JwtVerifier

pytestmark = pytest.mark.unit

PRIVATE, PUBLIC = generate_keypair()
ISSUER, AUDIENCE = "withforce-mes", "withforce-mes-api"


def issuer(minutes: float = 15, audience: str = AUDIENCE) -> TokenIssuer:
    return TokenIssuer(
        PRIVATE, issuer=ISSUER, audience=audience, algorithm="EdDSA", access_minutes=minutes
    )


def verifier() -> JwtVerifier:
    return JwtVerifier(PUBLIC, issuer=ISSUER, audience=AUDIENCE, algorithm="EdDSA")


@pytest.mark.parametrize(
    ("user", "role", "worker_id"),
    [
        ({"username": "admin", "role": "admin", "token_version": 1}, Role.ADMIN, None),
        (
            {"username": "kim.w001", "role": "worker", "worker_id": "W001", "token_version": 4},
            Role.WORKER,
            "W001",
        ),
        (
            {"username": "qa", "role": "quality_manager", "token_version": 0},
            Role.QUALITY_MANAGER,
            None,
        ),
    ],
)
def test_an_issued_token_passes_every_service(
    user: dict, role: Role, worker_id: str | None
) -> None:
    raw, seconds = issuer().access_token(user)
    claims = verifier().verify(raw)
    assert (claims["sub"], claims["ver"], claims["typ"]) == (
        user["username"],
        user["token_version"],
        "access",
    )
    principal = verifier().principal_from(claims)
    assert (principal.role, principal.worker_id) == (role, worker_id)
    assert seconds == 900 and claims["exp"] - claims["iat"] == 900
    assert claims["nbf"] == claims["iat"]


def test_every_token_has_its_own_id() -> None:
    user = {"username": "admin", "role": "admin", "token_version": 1}
    ids = {verifier().verify(issuer().access_token(user)[0])["jti"] for _ in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize(
    ("tokens", "expected"),
    [
        (issuer(minutes=-1), ErrorCode.TOKEN_EXPIRED),  # its lifetime is its expiry
        (issuer(audience="another-api"), ErrorCode.UNAUTHORIZED),
    ],
)
def test_a_token_outside_its_terms_is_refused(tokens: TokenIssuer, expected: ErrorCode) -> None:
    raw, _ = tokens.access_token({"username": "admin", "role": "admin", "token_version": 1})
    with pytest.raises(MesError) as refused:
        verifier().verify(raw)
    assert refused.value.code == expected


@pytest.mark.parametrize(
    ("env", "minutes"),
    [
        ({}, 15.0),
        ({"MES_ACCESS_TOKEN_MINUTES": "30"}, 30.0),
        ({"MES_ACCESS_TOKEN_SECONDS": "90"}, 1.5),  # seconds win (tests of expiry)
    ],
)
def test_the_lifetime_comes_from_the_settings(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], minutes: float
) -> None:
    for name in ("MES_ACCESS_TOKEN_MINUTES", "MES_ACCESS_TOKEN_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert GatewaySettings().access_token_lifetime_minutes == minutes
    raw, seconds = issuer(minutes).access_token(
        {"username": "admin", "role": "admin", "token_version": 1}
    )
    claims = jwt.decode(raw, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == seconds == timedelta(minutes=minutes).total_seconds()
