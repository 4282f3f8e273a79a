"""The gateway at the edge: shared rate limits, spoofed forwarding headers, body limits,
an unavailable service, one OpenAPI document, and production start-up refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from gateway.app import check_production_settings
from gateway.settings import GatewaySettings
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import redis_db
from mes_cli.stack import Stack

LIMIT = 30


@pytest.fixture(scope="module")
def limited_gateways(stack: Stack) -> Iterator[tuple[str, str]]:
    """Two more gateway replicas with a low limit, counting in a Redis database of their own
    (so the rest of the suite's traffic is not counted), one of them with a dead trace-service."""
    redis_url = redis_db(stack.redis_url, 2)
    common = {
        "REDIS_URL": redis_url,
        "MES_RATE_LIMIT_PER_MINUTE": str(LIMIT),
        "MES_LOGIN_RATE_LIMIT_PER_MINUTE": "5",
        "MES_MAX_BODY_BYTES": "65536",
    }
    dead = f"http://127.0.0.1:{free_port()}"
    a = stack.start_gateway(free_port(), name="gateway-replica-a", extra_env=common)
    b = stack.start_gateway(
        free_port(), name="gateway-replica-b", extra_env={**common, "MES_TRACE_SERVICE_URL": dead}
    )
    try:
        stack.wait_ready(timeout=120)
        _flush(redis_url)
        yield a.url, b.url
    finally:
        stack.stop_service("gateway-replica-a")
        stack.stop_service("gateway-replica-b")
        for name in ("gateway-replica-a", "gateway-replica-b"):
            stack.services.pop(name, None)


def _flush(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def _token(url: str) -> str:
    r = httpx.post(
        url + "/api/v1/auth/login", json={"username": "viewer", "password": "demo-viewer-1234"}
    )
    assert r.status_code == 200, r.text
    return r.json()["data"]["access_token"]


def test_rate_limit_holds_across_replicas_and_ignores_spoofed_forwarded_for(limited_gateways):
    a, b = limited_gateways
    token = _token(a)
    headers = {"Authorization": f"Bearer {token}"}
    statuses = []
    with httpx.Client(headers=headers, timeout=30) as client:
        for i in range(LIMIT + 10):
            url = (a if i % 2 else b) + "/api/v1/products"
            # A client lying about its address must not get a fresh allowance.
            spoof = {"X-Forwarded-For": f"203.0.113.{i}"}
            statuses.append(client.get(url, headers=spoof))
    codes = [r.status_code for r in statuses]
    assert codes.count(200) <= LIMIT, codes
    assert 429 in codes, codes
    refused = next(r for r in statuses if r.status_code == 429)
    assert refused.json()["error_code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Both replicas refuse now: the count lives in Redis, not in one process.
    for url in (a, b):
        assert httpx.get(url + "/api/v1/products", headers=headers).status_code == 429
    assert httpx.get(a + "/health").status_code == 200  # probes are not limited


def _command_calls(redis_url: str) -> dict[str, int]:
    import redis

    stats = redis.Redis.from_url(redis_url).info("commandstats")
    return {name: stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "mget")}


def test_rate_limit_and_revocation_check_are_one_redis_round_trip(gateway: str, stack: Stack):
    """At the gateway, a request's rate limit and its token's revocation keys are one
    EVALSHA (ADR 0013): no separate MGET for a request the gateway answers itself."""
    token = _token(gateway)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=30) as client:
        assert client.get(gateway + "/api/v1/auth/me").status_code == 200  # script loaded
        before = _command_calls(stack.redis_url)
        for _ in range(20):
            assert client.get(gateway + "/api/v1/auth/me").status_code == 200
        after = _command_calls(stack.redis_url)
    assert after["evalsha"] - before["evalsha"] == 20
    assert after["mget"] == before["mget"]
    # The prefetched keys are judged, not just read: a signed-out token is refused.
    assert httpx.post(gateway + "/api/v1/auth/logout", headers=headers).status_code == 200
    r = httpx.get(gateway + "/api/v1/auth/me", headers=headers)
    assert r.status_code == 401 and r.json()["error_code"] == "TOKEN_REVOKED"


def test_login_has_its_own_stricter_limit(limited_gateways, stack: Stack):
    a, _ = limited_gateways
    _flush(redis_db(stack.redis_url, 2))
    codes = [
        httpx.post(
            a + "/api/v1/auth/login", json={"username": "viewer", "password": "wrong"}
        ).status_code
        for _ in range(8)
    ]
    assert codes[:5] == [401] * 5
    assert codes[5:] == [429] * 3


def test_unavailable_service_and_oversized_body_get_contract_errors(limited_gateways, stack: Stack):
    _, b = limited_gateways
    _flush(redis_db(stack.redis_url, 2))
    headers = {"Authorization": f"Bearer {_token(b)}"}
    r = httpx.get(b + "/api/v1/trace/lots/WF-KR-000101D-001/events", headers=headers)
    assert r.status_code == 503
    assert r.json() == {
        "status": "error",
        "message": r.json()["message"],
        "error_code": "SERVICE_UNAVAILABLE",
        "data": {"service": "trace-service"},
    }
    big = {"product_model": "WF", "shift": "D", "padding": "x" * 100_000}
    r = httpx.post(b + "/api/v1/lots", json=big, headers=headers)
    assert r.status_code == 413 and r.json()["error_code"] == "PAYLOAD_TOO_LARGE"


def test_one_openapi_document_covers_every_service(gateway: str):
    spec = httpx.get(gateway + "/openapi.json").json()
    paths = set(spec["paths"])
    for expected in (
        "/api/v1/auth/login",
        "/api/v1/users",
        "/api/v1/lots",
        "/api/v1/process/start",
        "/api/v1/firmware",
        "/api/v1/trace/lots/{lot_number}/events",
    ):
        assert expected in paths
    docs = httpx.get(gateway + "/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_production_mode_refuses_default_secrets(stack: Stack):
    with pytest.raises(RuntimeError, match="MES_SEED_DEMO_USERS"):
        check_production_settings(GatewaySettings(env="prod", seed_demo_users=True))
    with pytest.raises(RuntimeError, match="MES_ADMIN_PASSWORD"):
        check_production_settings(GatewaySettings(env="prod", admin_password="demo-admin-1234"))
    check_production_settings(GatewaySettings(env="prod", admin_password="a-long-real-passphrase"))
    # And a real gateway process refuses to start.
    env = {
        **os.environ,
        "MES_ENV": "prod",
        "MES_ADMIN_USERNAME": "root",
        "MES_ADMIN_PASSWORD": "short",
        "MES_JWT_PRIVATE_KEY_FILE": str(stack.config.data_dir / "keys" / "jwt_ed25519.pem"),
        "DATABASE_URL": stack.database_url or "",
        "REDIS_URL": stack.redis_url or "",
    }
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "gateway.app:build_app",
            "--port",
            str(free_port()),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "refusing to start in production" in out.stderr
