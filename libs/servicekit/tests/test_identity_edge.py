"""Who is calling, at a service's edge: revoked tokens (one Redis round trip, fail closed),
the client address only as the gateway signed it, and correlation ids of a safe shape."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends, Request
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import TestKeys as Keys
from mes_cli.pytest_plugin import serve_app
from mes_contracts.errors import MesError
from mes_contracts.roles import READERS
from redis.asyncio import Redis
from servicekit.auth import Principal, require_roles
from servicekit.hop import CLIENT_HEADER, SIGNATURE_HEADER, HopKey
from servicekit.http import correlation_id
from servicekit.runtime import ServiceRuntime, create_service_app
from servicekit.settings import ServiceSettings
from servicekit.token_state import TokenState, token_version_key
from sqlalchemy import MetaData

HOP_KEY = "k" * 40


# -- token state on a real Redis ---------------------------------------------------------


def _claims(username: str, ver: Any = 1) -> dict[str, Any]:
    return {"sub": username, "jti": uuid.uuid4().hex, "ver": ver}


async def _code(state: TokenState, claims: dict[str, Any]) -> str | None:
    try:
        await state.check(claims)
    except MesError as exc:
        return exc.code.value
    return None


async def test_versions_revoke_older_tokens_and_only_ever_rise(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    state = TokenState(lambda: redis)
    user = f"u-{uuid.uuid4().hex[:8]}"
    try:
        assert await _code(state, _claims(user, 0)) is None  # nothing known: nothing revoked
        await state.raise_versions({user: 3})
        assert await _code(state, _claims(user, 2)) == "TOKEN_REVOKED"
        assert await _code(state, _claims(user, 3)) is None
        assert await _code(state, _claims(user, 4)) is None  # issued after Redis heard
        await state.raise_versions({user: 2})  # a late or stale writer
        assert await _code(state, _claims(user, 2)) == "TOKEN_REVOKED"
        await state.set_versions({user: 1})  # start-up: the table is the truth
        assert await _code(state, _claims(user, 1)) is None
    finally:
        await redis.delete(token_version_key(user))
        await redis.aclose()


async def test_a_signed_out_token_is_refused_until_it_would_have_expired(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    state = TokenState(lambda: redis)
    claims, expired = _claims("someone"), _claims("someone")
    now = datetime.now(UTC)
    try:
        await state.revoke_tokens(
            {claims["jti"]: now + timedelta(seconds=90), expired["jti"]: now - timedelta(1)}
        )
        assert await _code(state, claims) == "TOKEN_REVOKED"
        assert 0 < await redis.ttl(f"mes:revoked-jti:{claims['jti']}") <= 90
        assert not await redis.exists(f"mes:revoked-jti:{expired['jti']}")
        assert await _code(state, _claims("someone")) is None  # other sessions go on
    finally:
        await redis.aclose()


@pytest.mark.parametrize("ver", [True, -1, "1", 1.0, None])
async def test_a_token_version_must_be_a_non_negative_integer(redis_url: str, ver: Any) -> None:
    redis = Redis.from_url(redis_url)
    try:
        assert await _code(TokenState(lambda: redis), _claims("x", ver)) == "UNAUTHORIZED"
    finally:
        await redis.aclose()


# -- a service over real HTTP --------------------------------------------------------------

router = APIRouter()


@router.get("/whoami")
async def whoami(
    request: Request, principal: Principal = Depends(require_roles(READERS))
) -> dict[str, Any]:
    return {"source_ip": principal.source_ip, "request_id": request.state.request_id}


def _service(pg_url: str, redis_url: str, keys: Keys) -> Iterator[str]:
    settings = ServiceSettings(
        service_name="edge-test",
        database_url=pg_url,
        redis_url=redis_url,
        jwt_public_key=keys.public_pem,
        internal_hop_key=HOP_KEY,
    )
    runtime = ServiceRuntime(settings, schema="edge_test", metadata=MetaData())
    with serve_app(create_service_app(runtime, title="edge", routers=[router])) as url:
        yield url


@pytest.fixture(scope="module")
def service(pg_url: str, redis_url: str, jwt_keys: Keys) -> Iterator[str]:
    yield from _service(pg_url, redis_url, jwt_keys)


def test_redis_unreachable_fails_closed_with_503(pg_url: str, jwt_keys: Keys) -> None:
    for url in _service(pg_url, f"redis://127.0.0.1:{free_port()}/0", jwt_keys):
        r = httpx.get(url + "/whoami", headers=jwt_keys.headers("viewer"), timeout=30)
        assert r.status_code == 503, r.text
        assert r.json()["error_code"] == "SERVICE_UNAVAILABLE" and r.headers["Retry-After"]


def test_only_the_address_the_gateway_signed_counts(service: str, jwt_keys: Keys) -> None:
    auth = jwt_keys.headers("viewer")
    hop = HopKey(HOP_KEY)

    def seen(headers: dict[str, Any]) -> dict[str, Any]:
        r = httpx.get(service + "/whoami", headers={**auth, **headers}, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()

    assert seen({"X-Forwarded-For": "203.0.113.9"})["source_ip"] == "127.0.0.1"
    signed = hop.headers("198.51.100.4", "req-1")
    assert seen({"X-Request-ID": "req-1", **signed})["source_ip"] == "198.51.100.4"
    # Replayed for another request, another address, or signed with another key: ignored.
    assert seen({"X-Request-ID": "req-2", **signed})["source_ip"] == "127.0.0.1"
    forged = {**signed, CLIENT_HEADER: "198.51.100.5"}
    assert seen({"X-Request-ID": "req-1", **forged})["source_ip"] == "127.0.0.1"
    other = HopKey("o" * 40).headers("198.51.100.4", "req-1")
    assert seen({"X-Request-ID": "req-1", **other})["source_ip"] == "127.0.0.1"
    odd = {CLIENT_HEADER: "198.51.100.4", SIGNATURE_HEADER: ("é" * 64).encode("latin-1")}
    assert seen({"X-Request-ID": "req-1", **odd})["source_ip"] == "127.0.0.1"


@pytest.mark.unit
@pytest.mark.parametrize(
    "value",
    [
        "ws-07:req.42",
        "a",
        "0" * 64,
        "2df229cb3fe2443f8ddaf194dc0323b2",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-01",
    ],
)
def test_safe_correlation_ids_are_kept(value: str) -> None:
    assert correlation_id(value) == value


@pytest.mark.unit
@pytest.mark.parametrize(
    "value",
    [None, "", "x" * 65, "x" * 500, "-leading", 'a"b', "a'b", "a b", "a\nb", "a\r\nX: y", "é"],
)
def test_other_correlation_ids_are_replaced(value: str | None) -> None:
    fresh = correlation_id(value)
    assert fresh != value and len(fresh) == 32 and fresh.isalnum()


def test_hostile_request_ids_never_come_back(service: str, jwt_keys: Keys) -> None:
    for value in ['"quoted"', "x" * 500, "<script>", "a;b"]:
        r = httpx.get(
            service + "/whoami", headers={**jwt_keys.headers("viewer"), "X-Request-ID": value}
        )
        assert r.status_code == 200, r.text
        assert r.json()["request_id"] != value and r.json()["request_id"].isalnum()


@pytest.mark.unit
def test_a_hop_key_is_long() -> None:
    with pytest.raises(ValueError, match="32"):
        HopKey("short")


async def test_production_needs_the_hop_key(jwt_keys: Keys) -> None:
    settings = ServiceSettings(env="prod", jwt_public_key=jwt_keys.public_pem)
    runtime = ServiceRuntime(settings, schema="edge_test", metadata=MetaData())
    app = create_service_app(runtime, title="edge")
    with pytest.raises(RuntimeError, match="MES_INTERNAL_HOP_KEY"):
        async with app.router.lifespan_context(app):
            pass
