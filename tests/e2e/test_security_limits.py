"""Brute force and oversized bodies. test_gateway_edge.py already proves the shared rate limit,
the stricter sign-in limit and one oversized JSON body (with Content-Length); here: sign-in
brute force is refused with Retry-After even for the right password and for every user name,
and body limits hold without Content-Length (chunked), for firmware uploads, on the
gateway and on the service reached directly — always in the contract's error body."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import redis_db
from mes_cli.stack import Stack

from .conftest import Client

LOGIN = "/api/v1/auth/login"
LOGIN_LIMIT = 4
UPLOAD_LIMIT = 64 * 1024


def _flush(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


@pytest.fixture(scope="module")
def strict_gateway(stack: Stack) -> Iterator[tuple[str, str]]:
    """A gateway replica with a low sign-in limit and a small upload cap, counting in a Redis
    database of its own. Yields (url, redis url)."""
    redis_url = redis_db(stack.redis_url, 3)
    env = {
        "REDIS_URL": redis_url,
        "MES_LOGIN_RATE_LIMIT_PER_MINUTE": str(LOGIN_LIMIT),
        "MES_RATE_LIMIT_PER_MINUTE": "1000",
        "MES_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT),
    }
    name = "gateway-security"
    replica = stack.start_gateway(free_port(), name=name, extra_env=env)
    try:
        stack.wait_ready(timeout=120)
        _flush(redis_url)
        yield replica.url, redis_url
    finally:
        stack.stop_service(name)
        stack.services.pop(name, None)


def _contract_error(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, (r.status_code, r.text[:300])
    body = r.json()
    assert set(body) == {"status", "message", "error_code", "data"}, body
    assert body["status"] == "error" and body["error_code"] == code, body
    return body


def test_login_brute_force_is_stopped_with_retry_after(strict_gateway: tuple[str, str]):
    url, redis_url = strict_gateway
    _flush(redis_url)
    guesses = [f"guess-{i}-{uuid.uuid4().hex[:4]}" for i in range(LOGIN_LIMIT + 3)]
    answers = [httpx.post(url + LOGIN, json={"username": "admin", "password": g}) for g in guesses]
    codes = [r.status_code for r in answers]
    assert codes[:LOGIN_LIMIT] == [401] * LOGIN_LIMIT, codes
    assert codes[LOGIN_LIMIT:] == [429] * 3, codes
    refused = answers[-1]
    _contract_error(refused, 429, "RATE_LIMITED")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Once limited, even the right password is refused: guessing cannot go on meanwhile …
    r = httpx.post(url + LOGIN, json={"username": "admin", "password": "demo-admin-1234"})
    _contract_error(r, 429, "RATE_LIMITED")
    # … nor by switching to other user names (the count is per address, not per account).
    r = httpx.post(url + LOGIN, json={"username": "w002", "password": "x"})
    assert r.status_code == 429
    # Spoofed forwarding headers do not buy a fresh allowance either.
    r = httpx.post(
        url + LOGIN,
        json={"username": "admin", "password": "demo-admin-1234"},
        headers={"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.7"},
    )
    assert r.status_code == 429


def _chunks(payload: bytes, size: int = 16 * 1024) -> Iterator[bytes]:
    for i in range(0, len(payload), size):
        yield payload[i : i + size]


def test_json_body_over_the_limit_without_content_length(admin: Client, stack: Stack):
    """Chunked transfer: no Content-Length to refuse up front, the stream is counted."""
    big = json.dumps(
        {"product_model": "WF", "shift": "D", "padding": "x" * (1_048_576 + 10)}
    ).encode()
    before = admin.get("/api/v1/lots").json()["data"]["total"]
    for base in (admin.base_url, httpx.URL(stack.services["lot-service"].url)):
        r = httpx.post(
            str(base).rstrip("/") + "/api/v1/lots",
            content=_chunks(big),
            headers={
                "Authorization": admin.headers["Authorization"],
                "Content-Type": "application/json",
            },
            timeout=60,
        )
        _contract_error(r, 413, "PAYLOAD_TOO_LARGE")
    assert admin.get("/api/v1/lots").json()["data"]["total"] == before


def _raw_post(url: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """A request that declares far more than it sends: the answer must not wait for it."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock.sendall(head.encode() + body)
        data = b""
        while b"\r\n\r\n" not in data or not _complete(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def test_firmware_upload_over_the_limit(
    admin: Client, stack: Stack, strict_gateway: tuple[str, str]
):
    url, _ = strict_gateway
    auth = admin.headers["Authorization"]
    # Declared larger than the 256 MiB cap: refused at once by the gateway and the service.
    for base in (admin.base_url, httpx.URL(stack.services["firmware-service"].url)):
        status, raw = _raw_post(
            str(base),
            "/api/v1/firmware",
            {
                "Authorization": auth,
                "Content-Type": "multipart/form-data; boundary=xyz",
                "Content-Length": str(300 * 1024 * 1024),
            },
            b"--xyz\r\n",
        )
        assert status == 413, raw[:300]
        body = json.loads(raw)
        assert body["error_code"] == "PAYLOAD_TOO_LARGE" and body["status"] == "error"
    # Streamed (chunked) past a small cap on the replica: the stream is cut, nothing stored.
    version = f"v7.{uuid.uuid4().int % 1000}.{uuid.uuid4().int % 1000}"
    files = {"file": ("fw.bin", b"\xab" * (UPLOAD_LIMIT * 2), "application/octet-stream")}
    request = httpx.Request(
        "POST",
        url + "/api/v1/firmware",
        data={"version": version, "target_mcu": "STM32"},
        files=files,
        headers={"Authorization": auth},
    )
    payload = request.read()
    r = httpx.post(
        url + "/api/v1/firmware",
        content=_chunks(payload),
        headers={"Authorization": auth, "Content-Type": request.headers["Content-Type"]},
        timeout=60,
    )
    _contract_error(r, 413, "PAYLOAD_TOO_LARGE")
    assert admin.get(f"/api/v1/firmware/{version}").status_code == 404
    # Just under the cap is accepted by the same replica (the limit is not simply "no").
    small = {"file": ("fw.bin", b"\xcd" * 1024, "application/octet-stream")}
    r = httpx.post(
        url + "/api/v1/firmware",
        data={"version": version, "target_mcu": "STM32"},
        files=small,
        headers={"Authorization": auth},
        timeout=60,
    )
    assert r.status_code == 201, r.text


def test_deeply_nested_and_odd_json_bodies_are_4xx(admin: Client):
    nested = ("[" * 5000 + "]" * 5000).encode()
    for content in (
        nested,
        b'{"product_model": "WF", "shift": "D", "target_quantity": 1e400}',
        b'{"product_model": "WF", "shift": "D", "target_quantity": 99999999999999999999999}',
        b"\xff\xfe{}",
        b'{"product_model": "WF\\u0000", "shift": "D"}',
        b"null",
    ):
        r = admin.post(
            "/api/v1/lots", content=content, headers={"Content-Type": "application/json"}
        )
        assert 400 <= r.status_code < 500, (content[:40], r.status_code, r.text[:200])
        assert r.json()["status"] == "error"
