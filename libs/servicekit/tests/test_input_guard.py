"""The central input checks: the JSON body decoder, the URL check, the middleware that runs
them in front of every route, and the refusal of coercing request bodies."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Form, Request
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.limits import MAX_JSON_DEPTH
from pydantic import BaseModel, StrictInt
from servicekit.http import install_error_handlers
from servicekit.input_guard import InputGuardMiddleware, decode_json, url_error
from servicekit.strict_bodies import body_routes, check_strict_bodies, lax_body_fields

pytestmark = pytest.mark.unit


def _refused(raw: bytes) -> MesError:
    with pytest.raises(MesError) as info:
        decode_json(raw)
    return info.value


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "b": [true, null, 1.5, "\xea\xb0\x80"]}',  # Korean in UTF-8
        b'{"emoji": "\\ud83d\\ude00"}',  # a surrogate *pair* is one character
        b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH,
        b"null",
        b'"text"',
        b"123456789012345678901234567890",  # big integers are fine (jsonb numeric)
    ],
)
def test_well_formed_json_is_decoded(raw: bytes) -> None:
    assert decode_json(raw) == json.loads(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"x": "\xff"}', "invalid UTF-8 at byte 7"),
        (b'{"x": "\xc0\xaf"}', "invalid UTF-8 at byte 7"),  # overlong "/"
        (b'{"x": "\xe0\x80\xaf"}', "invalid UTF-8 at byte 7"),  # overlong, 3 bytes
        (b'{"x": "\xed\xa0\x80"}', "invalid UTF-8 at byte 7"),  # an encoded surrogate
        (b'{"x": "\xf4\x90\x80\x80"}', "invalid UTF-8 at byte 7"),  # above U+10FFFF
        (b"\xff\xfe{\x00}\x00", "invalid UTF-8 at byte 0"),  # UTF-16
        (b"\xef\xbb\xbf{}", "not JSON: Unexpected UTF-8 BOM (decode using utf-8-sig)"),
        (b'{"x": ', "not JSON: Expecting value"),
        (b'{"x": NaN}', "NaN is not a JSON number"),
        (b"[-Infinity]", "-Infinity is not a JSON number"),
        (b"[1e400]", "1e400 is out of range"),
        (b"[" + b"9" * 5000 + b"]", "a number with too many digits"),
        (b"[" * 100_000 + b"]" * 100_000, f"nested deeper than {MAX_JSON_DEPTH} levels"),
        (b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1), "nested deeper than 32 levels"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, "nested deeper than 32 levels"),
    ],
)
def test_malformed_bodies_are_a_client_error_that_says_why(raw: bytes, reason: str) -> None:
    error = _refused(raw)
    assert error.code is ErrorCode.MALFORMED_BODY and error.status_code == 400
    assert error.data["reason"] == reason
    assert reason in error.message_in("en")


@pytest.mark.parametrize(
    ("raw", "field", "reason"),
    [
        (b'{"process_data": {"\\ud800": 1}}', "process_data.\\ud800", "lone surrogate U+D800"),
        (b'{"process_data": {"note": "a\\udfffb"}}', "process_data.note", "lone surrogate U+DFFF"),
        (
            b'{"items": [{"ok": 1}, {"k": ["x", "\\ude00"]}]}',
            "items[1].k[1]",
            "lone surrogate U+DE00",
        ),
        (b'{"a": {"\\ud83d": "half of an emoji"}}', "a.\\ud83d", "lone surrogate U+D83D"),
        (b'{"name": "WF\\u0000"}', "name", "NUL character"),
        (b'"\\ud800"', "body", "lone surrogate U+D800"),
    ],
)
def test_unstorable_characters_are_refused_with_their_field(
    raw: bytes, field: str, reason: str
) -> None:
    error = _refused(raw)
    assert error.code is ErrorCode.VALIDATION_ERROR
    assert error.data == {"field": field, "location": "body", "reason": reason}
    json.dumps(error.to_body(), ensure_ascii=False).encode("utf-8")  # the answer encodes


def _scope(path: bytes, query: bytes = b"") -> dict[str, Any]:
    return {"type": "http", "raw_path": path, "path": "", "query_string": query}


@pytest.mark.parametrize(
    ("path", "query", "field", "location", "reason"),
    [
        (b"/api/v1/lots/%ED%A0%80", b"", "path", "path", "invalid UTF-8"),
        (b"/api/v1/lots/%C0%AF", b"", "path", "path", "invalid UTF-8"),
        (b"/api/v1/lots/%00", b"", "path", "path", "NUL character"),
        (b"/api/v1/lots", b"product_model=%ED%A0%80", "product_model", "query", "invalid UTF-8"),
        (b"/api/v1/lots", b"limit=5&shift=%ff", "shift", "query", "invalid UTF-8"),
        (b"/api/v1/lots", b"q=a%00b", "q", "query", "NUL character"),
    ],
)
def test_urls_must_be_utf8_without_nul(
    path: bytes, query: bytes, field: str, location: str, reason: str
) -> None:
    error = url_error(_scope(path, query))
    assert error is not None and error.code is ErrorCode.VALIDATION_ERROR
    assert error.data == {"field": field, "location": location, "reason": reason}


def test_good_urls_pass() -> None:
    assert url_error(_scope(b"/api/v1/lots/%ED%95%9C", b"q=%ED%95%9C+x&flag&a=%2F")) is None
    assert url_error({"type": "http", "path": "/plain", "query_string": b""}) is None


class Body(BaseModel):
    count: StrictInt
    note: str = ""


def _app(max_json_bytes: int = 1024) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/model")
    async def model(body: Body) -> dict[str, Any]:
        return body.model_dump()

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, Any]:
        return {"bytes": len(await request.body())}

    app.add_middleware(InputGuardMiddleware, max_json_bytes=max_json_bytes)
    return app


async def _post(
    app: FastAPI, path: str, content: bytes, content_type: str | None
) -> httpx.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post(path, content=content, headers=headers)


async def test_the_middleware_hands_a_good_body_on_unchanged() -> None:
    app = _app()
    r = await _post(app, "/model", b'{"count": 3, "note": "\xea\xb0\x80"}', "application/json")
    assert r.status_code == 200 and r.json() == {"count": 3, "note": "가"}
    r = await _post(app, "/raw", b"\xff" * 5000, "application/octet-stream")  # not JSON: untouched
    assert r.json() == {"bytes": 5000}


@pytest.mark.parametrize(
    ("content_type", "content", "status", "code"),
    [
        ("application/json", b'{"count": "\xc0\xaf"}', 400, "MALFORMED_BODY"),
        (
            "application/json; charset=utf-8",
            b'{"count": 1, "note": "\\ud800"}',
            400,
            "VALIDATION_ERROR",
        ),
        ("application/merge-patch+json", b"[" * 400 + b"]" * 400, 400, "MALFORMED_BODY"),
        (None, b'{"count": 1, "\\udc00": 2}', 400, "VALIDATION_ERROR"),  # read as JSON by some
        ("application/json", b'{"count": true}', 400, "VALIDATION_ERROR"),  # strict model
        ("application/json", b'{"note": "' + b"x" * 2000 + b'"}', 413, "PAYLOAD_TOO_LARGE"),
    ],
)
async def test_the_middleware_refuses_before_the_route(
    content_type: str | None, content: bytes, status: int, code: str
) -> None:
    r = await _post(_app(), "/model", content, content_type)
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"status", "message", "error_code", "data"} and body["error_code"] == code


class Lax(BaseModel):
    quantity: int
    active: bool = True


def test_a_service_with_a_coercing_body_does_not_start() -> None:
    app = FastAPI()
    router = APIRouter(prefix="/api")

    @router.post("/lax")
    async def lax(body: Lax) -> None: ...

    @app.post("/strict")
    async def strict(body: Body) -> None: ...

    @app.post("/form")
    async def form(n: Annotated[int, Form()]) -> None: ...  # forms arrive as text: lax

    app.include_router(router, prefix="/v1")
    assert body_routes(app) == 2
    assert lax_body_fields(app) == [
        "POST /v1/api/lax: Lax.active",
        "POST /v1/api/lax: Lax.quantity",
    ]
    with pytest.raises(RuntimeError, match=r"Lax\.quantity"):
        check_strict_bodies(app)
    check_strict_bodies(_app())  # strict bodies (and a raw one) are fine
