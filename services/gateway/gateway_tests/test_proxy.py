"""The gateway's proxy (aiohttp, ADR 0013) against real upstream servers over loopback:
what reaches the service, what comes back, and how a slow or absent service is answered."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from gateway.proxy import UpstreamProxy, hold_until_shutdown, request_target
from gateway.servicemap import ServiceMap
from gateway.settings import GatewaySettings
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import serve_app
from mes_contracts.errors import MesError
from servicekit.hop import HopKey

HOP = HopKey("h" * 40)


async def _echo(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    """An upstream that answers what it received (raw ASGI: the raw path as sent)."""
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"].startswith("/api/v1/lots/slow"):
        await asyncio.sleep(3)
    if scope["path"].startswith("/api/v1/lots/gzip"):
        payload = gzip.compress(b"compressed as the service sent it")
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-encoding", b"gzip"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"set-cookie", b"a=1"),
                    (b"set-cookie", b"b=2"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
        return
    seen = {
        "method": scope["method"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "query": scope["query_string"].decode("latin-1"),
        "headers": {k.decode(): v.decode("latin-1") for k, v in scope["headers"]},
        "body_length": len(body),
        "body_head": body[:20].decode("latin-1"),
    }
    answer = json.dumps(seen).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": answer})


def _front(lot_service_url: str, timeout: float = 10.0) -> FastAPI:
    settings = GatewaySettings(
        lot_service_url=lot_service_url, upstream_timeout_seconds=timeout, env="test"
    )
    proxy = UpstreamProxy(settings, ServiceMap(settings), HOP)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        holder = asyncio.create_task(hold_until_shutdown(proxy))  # as the gateway does
        yield
        holder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await holder

    app = FastAPI(lifespan=lifespan)

    @app.api_route("/api/v1/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def forward(path: str, request: Request) -> Response:
        request.state.request_id = "req-42"
        try:
            return await proxy.forward(request, "198.51.100.7")
        except MesError as exc:
            return JSONResponse(exc.to_body(), status_code=exc.status_code)

    return app


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve_app(_echo) as url:
        yield url


@pytest.fixture(scope="module")
def front(upstream: str) -> Iterator[str]:
    with serve_app(_front(upstream, timeout=1.0)) as url:
        yield url


def test_the_service_gets_the_raw_path_the_headers_and_the_body(front: str) -> None:
    body = json.dumps({"x": "y" * 100}).encode()
    r = httpx.post(
        front + "/api/v1/lots/a%2Fb%3Fc%23d/x",
        params={"q": "1 2"},
        content=body,
        headers={
            "Authorization": "Bearer t",
            "Content-Type": "application/json",
            "X-Station-Id": "ST-07",
            "Cookie": "never=forwarded",
            "X-Forwarded-For": "203.0.113.1",
        },
    )
    assert r.status_code == 201, r.text
    seen = r.json()
    assert seen["method"] == "POST"
    assert seen["raw_path"] == "/api/v1/lots/a%2Fb%3Fc%23d/x"  # not decoded on the way
    assert seen["query"] == "q=1+2"
    headers = seen["headers"]
    assert headers["authorization"] == "Bearer t" and headers["x-station-id"] == "ST-07"
    assert headers["x-request-id"] == "req-42"
    assert headers["x-mes-client-ip"] == "198.51.100.7"
    assert HOP.client(headers, "req-42") == "198.51.100.7"
    for absent in ("cookie", "x-forwarded-for", "user-agent", "accept-encoding"):
        assert absent not in headers, absent
    assert seen["body_length"] == len(body) and headers["content-length"] == str(len(body))


def test_a_large_or_chunked_body_streams_through(front: str) -> None:
    big = b"z" * (3 * 1024 * 1024)
    r = httpx.put(front + "/api/v1/lots/big", content=big)
    assert r.status_code == 201 and r.json()["body_length"] == len(big)

    def chunks() -> Iterator[bytes]:
        yield b"first-"
        yield b"second"

    r = httpx.post(front + "/api/v1/lots/chunked", content=chunks())
    seen = r.json()
    assert seen["body_length"] == 12 and seen["body_head"] == "first-second"
    assert seen["headers"].get("transfer-encoding") == "chunked"
    r = httpx.get(front + "/api/v1/lots")
    assert r.json()["body_length"] == 0 and "transfer-encoding" not in r.json()["headers"]


def test_the_answer_comes_back_as_the_service_sent_it(front: str) -> None:
    with httpx.Client() as client:
        r = client.get(front + "/api/v1/lots/gzip")
        assert r.status_code == 200
        assert r.headers["content-encoding"] == "gzip"
        assert r.content == b"compressed as the service sent it"  # httpx decoded it here
        assert r.headers.get_list("set-cookie") == ["a=1", "b=2"]  # repeated, not merged


def test_a_slow_service_is_upstream_timeout(front: str) -> None:
    r = httpx.get(front + "/api/v1/lots/slow", timeout=30)
    assert r.status_code == 504, r.text
    assert r.json()["error_code"] == "UPSTREAM_TIMEOUT"
    assert r.json()["data"] == {"service": "lot-service"}


def test_an_absent_service_is_service_unavailable() -> None:
    with serve_app(_front(f"http://127.0.0.1:{free_port()}")) as url:
        r = httpx.get(url + "/api/v1/lots", timeout=30)
    assert r.status_code == 503, r.text
    assert r.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert r.json()["data"] == {"service": "lot-service"}


def test_many_concurrent_requests_share_the_pool(front: str) -> None:
    async def burst() -> list[int]:
        async with httpx.AsyncClient(base_url=front, timeout=30) as client:
            answers = await asyncio.gather(*(client.get("/api/v1/lots") for _ in range(64)))
        return [a.status_code for a in answers]

    assert asyncio.run(burst()) == [201] * 64


@pytest.mark.parametrize(
    ("raw", "query", "expected"),
    [
        (b"/api/v1/lots/a%2Fb", b"", "/api/v1/lots/a%2Fb"),
        (b"/api/v1/lots/x", b"a=1&b=%20", "/api/v1/lots/x?a=1&b=%20"),
        (b"/api/v1/lots/\xea\xb0\x80 x", b"", "/api/v1/lots/%EA%B0%80%20x"),
    ],
)
def test_request_targets_are_printable_ascii(raw: bytes, query: bytes, expected: str) -> None:
    assert request_target(raw, query) == expected
