"""Verified tokens are remembered until they expire (ADR 0013): the key is parsed once,
a token's signature is checked once, and revocation is still asked of Redis every time."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import APIRouter, Depends
from mes_cli.pytest_plugin import TestKeys as Keys
from mes_cli.pytest_plugin import serve_app
from mes_contracts.errors import MesError
from mes_contracts.roles import READERS
from redis import Redis
from servicekit.auth import JwtVerifier, Principal, require_roles
from servicekit.runtime import ServiceRuntime, create_service_app
from servicekit.settings import ServiceSettings
from servicekit.token_cache import VerifiedTokens
from servicekit.token_state import revoked_jti_key, token_version_key
from sqlalchemy import MetaData


def _verifier(keys: Keys, cache_size: int = 100) -> JwtVerifier:
    return JwtVerifier(
        keys.public_pem,
        issuer="withforce-mes",
        audience="withforce-mes-api",
        algorithm="EdDSA",
        cache_size=cache_size,
    )


def _short_token(keys: Keys, seconds: float) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": "withforce-mes",
        "aud": "withforce-mes-api",
        "sub": "short",
        "role": "viewer",
        "ver": 0,
        "typ": "access",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + timedelta(seconds=seconds),
    }
    return jwt.encode(claims, keys.private_pem, algorithm="EdDSA")


@pytest.mark.unit
def test_a_token_is_verified_once_then_answered_from_the_cache(jwt_keys: Keys) -> None:
    verifier = _verifier(jwt_keys)
    token = jwt_keys.token("alice", "viewer")
    first = verifier.verify(token)
    assert verifier.verify(token) is first  # the same checked claims, no second decode
    assert first["sub"] == "alice"
    with pytest.raises(TypeError):
        first["sub"] = "mallory"  # type: ignore[index]  # shared claims are read-only
    # A cached token is still checked for its type.
    with pytest.raises(MesError) as refused:
        verifier.verify(token, expected_type="refresh")
    assert refused.value.code.value == "UNAUTHORIZED"


@pytest.mark.unit
def test_a_cached_token_expires_when_its_exp_passes(jwt_keys: Keys) -> None:
    verifier = _verifier(jwt_keys)
    token = _short_token(jwt_keys, 60)
    assert verifier.verify(token)["sub"] == "short"
    cached = verifier.verified.get(token)
    assert cached is not None
    # The cache's clock reaches the token's exp: the entry is gone, not answered.
    verifier.verified.clock = lambda: float(cached["exp"])
    assert verifier.verified.get(token) is None and len(verifier.verified) == 0
    # And a token whose exp has passed is refused by the signature check, never cached.
    expired_token = _short_token(jwt_keys, -1)
    with pytest.raises(MesError) as expired:
        verifier.verify(expired_token)
    assert expired.value.code.value == "TOKEN_EXPIRED"
    assert len(verifier.verified) == 0


@pytest.mark.unit
def test_bad_tokens_are_never_cached_and_the_cache_is_bounded(jwt_keys: Keys) -> None:
    verifier = _verifier(jwt_keys, cache_size=2)
    other = Keys(*_other_keys())
    for forged in (other.token("alice"), "not-a-token", jwt_keys.token("x")[:-4] + "AAAA"):
        with pytest.raises(MesError):
            verifier.verify(forged)
    assert len(verifier.verified) == 0
    tokens = [jwt_keys.token(f"user{i}", "viewer") for i in range(3)]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier.verified) == 2
    assert verifier.verified.get(tokens[0]) is None  # least recently used went first


@pytest.mark.unit
def test_the_lru_forgets_by_exp_and_by_use() -> None:
    now = [1000.0]
    cache = VerifiedTokens(size=2, clock=lambda: now[0])
    cache.put("a", {"exp": 1010})
    cache.put("b", {"exp": 1100})
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", {"exp": 1100})
    assert cache.get("b") is None and cache.get("a") is not None
    now[0] = 1010.0  # exp <= now: expired, as PyJWT has it
    assert cache.get("a") is None
    cache.put("d", {"exp": True})  # not a time: not cached
    assert cache.get("d") is None


def _other_keys() -> tuple[str, str]:
    from mes_cli.keys import generate_keypair

    return generate_keypair()


# -- over real HTTP: a cached token is still refused at once when revoked ------------------

router = APIRouter()


@router.get("/whoami")
async def whoami(principal: Principal = Depends(require_roles(READERS))) -> dict[str, str]:
    return {"user": principal.user_id}


@pytest.fixture(scope="module")
def service(pg_url: str, redis_url: str, jwt_keys: Keys) -> Iterator[str]:
    settings = ServiceSettings(
        service_name="cache-test",
        database_url=pg_url,
        redis_url=redis_url,
        jwt_public_key=jwt_keys.public_pem,
    )
    runtime = ServiceRuntime(settings, schema="cache_test", metadata=MetaData())
    with serve_app(create_service_app(runtime, title="cache", routers=[router])) as url:
        yield url


def test_revocation_is_immediate_for_a_cached_token(
    service: str, redis_url: str, jwt_keys: Keys
) -> None:
    user = f"u-{uuid.uuid4().hex[:8]}"
    token = jwt_keys.token(user, "viewer", version=1)
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    headers = {"Authorization": f"Bearer {token}"}
    redis = Redis.from_url(redis_url)
    try:
        for _ in range(3):  # verified once, then from the cache
            assert httpx.get(service + "/whoami", headers=headers).status_code == 200
        redis.set(revoked_jti_key(jti), "1", ex=60)
        r = httpx.get(service + "/whoami", headers=headers)
        assert r.status_code == 401 and r.json()["error_code"] == "TOKEN_REVOKED", r.text
        redis.delete(revoked_jti_key(jti))
        assert httpx.get(service + "/whoami", headers=headers).status_code == 200
        redis.set(token_version_key(user), "2")  # the account changed
        r = httpx.get(service + "/whoami", headers=headers)
        assert r.status_code == 401 and r.json()["error_code"] == "TOKEN_REVOKED", r.text
    finally:
        redis.delete(revoked_jti_key(jti), token_version_key(user))
        redis.close()


@pytest.mark.unit
def test_peek_names_claims_without_trusting_them(jwt_keys: Keys) -> None:
    """What the gateway's rate limiter uses to name the revocation keys to read: never a
    verdict (a forged token peeks fine and is still refused by `verify`)."""
    verifier = _verifier(jwt_keys)
    forged = Keys(*_other_keys()).token("mallory", "admin")
    assert verifier.peek(forged)["sub"] == "mallory"
    with pytest.raises(MesError):
        verifier.verify(forged)
    assert len(verifier.verified) == 0
    assert verifier.peek("not-a-token") is None
    good = jwt_keys.token("alice", "viewer")
    assert verifier.peek(good)["sub"] == "alice"
    assert verifier.peek(good) is not verifier.verify(good)  # peeked, not cached
    assert verifier.peek(good) is verifier.verify(good)  # now from the cache
