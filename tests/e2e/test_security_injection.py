"""Injection attempts in every filter, search and query parameter of every GET route (and in
the path parameters that look rows up): SQL metacharacters, LIKE wildcards, backslashes,
unicode, very long values and NUL bytes. The answer is a clear 4xx or a correct, filtered
answer — never a 5xx, and never rows the filter should exclude (a wildcard matching
everything would show up as a non-empty page)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import Client
from .production import new_lot

PAYLOADS = [
    "' OR 1=1--",
    "' OR '1'='1",
    '" OR ""="',
    "1; DROP TABLE lots;--",
    "%",
    "%%",
    "_",
    "W%",
    "WF-%",
    "*",
    "\\",
    "\\%",
    "'",
    "$ne",
    '{"$gt": ""}',
    "한글-로트",
    "Ω≈ç√∫",
    "\U0001f600",
    "x" * 5000,
    "a\x00b",
    "\x00",
    "%00",
    "\r\nX-Injected: 1",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
]

Items = Callable[[dict[str, Any]], list[Any]]


def _items(data: dict[str, Any]) -> list[Any]:
    return data["items"]


# route → (string filter parameters, how to read the rows, the other parameters to try)
ROUTES: dict[str, tuple[list[str], Items | None, list[str]]] = {
    "/api/v1/lots": (["product_model"], _items, ["status", "production_date", "shift", "limit"]),
    "/api/v1/trace/defects": (["lot_number"], _items, ["since", "until", "process_id", "offset"]),
    "/api/v1/trace/workers/W001": ([], lambda d: d["records"], ["since", "until", "limit"]),
    "/api/v1/trace/measurements": (["check"], lambda d: d.get("points", []), ["since", "limit"]),
    "/api/v1/dashboard/summary": ([], None, ["day"]),
    "/api/v1/dashboard/kpis": ([], None, ["day", "shift"]),
    "/api/v1/quality/yield": ([], None, ["from", "to", "group"]),
    "/api/v1/quality/pareto": ([], None, ["from", "to", "by"]),
    "/api/v1/label/reprints": (["lot_number", "serial_number"], _items, ["limit"]),
    "/api/v1/label/jobs": (["station_id", "printer_id", "lot_number"], _items, ["state", "offset"]),
    "/api/v1/firmware": ([], _items, ["state", "limit", "offset"]),
    "/api/v1/firmware/releases": ([], _items, ["version", "limit"]),
    "/api/v1/firmware/downloads": (["station_id", "user_id"], _items, ["version", "offset"]),
    "/api/v1/audit": (["entity_type", "entity_id", "user_id"], _items, ["action", "since"]),
    "/api/v1/audit/auth-events": (["username"], _items, ["limit"]),
    "/api/v1/users": ([], _items, ["role", "active", "limit"]),
    "/api/v1/trace/components/SPRING-NONE": ([], lambda d: d["usages"], ["format"]),
    "/api/v1/label/preview": (
        ["lot_number", "product_model", "serial_number"],
        None,
        ["created_date", "target_quantity", "dpi"],
    ),
}
# Required parameters a route needs besides the one under attack.
BASE: dict[str, dict[str, str]] = {
    "/api/v1/quality/yield": {"from": "2026-01-01", "to": "2026-01-02"},
    "/api/v1/quality/pareto": {"from": "2026-01-01", "to": "2026-01-02"},
    "/api/v1/label/preview": {
        "label_type": "LOT",
        "lot_number": "WF-KR-251110D-001",
        "product_model": "WF",
        "created_date": "2025-11-10",
        "target_quantity": "100",
    },
}
PATH_LOOKUPS = [
    "/api/v1/lots/{}",
    "/api/v1/lots/{}/serials",
    "/api/v1/serials/{}",
    "/api/v1/process/lots/{}",
    "/api/v1/trace/lots/{}",
    "/api/v1/trace/lots/{}/events",
    "/api/v1/trace/serials/{}",
    "/api/v1/trace/components/{}",
    "/api/v1/trace/workers/{}",
    "/api/v1/printers/{}",
    "/api/v1/printers/{}/status",
    "/api/v1/firmware/{}",
    "/api/v1/users/{}",
]


@pytest.fixture(scope="module")
def data_exists(admin: Client, manager: Client, worker: Client, firmware_released: None) -> str:
    """Rows for a leaking filter to leak: a LOT (and its label job), audit rows, sign-ins."""
    lot = new_lot(manager, worker, quantity=2)
    assert admin.get("/api/v1/lots").json()["data"]["total"] >= 1
    return lot


def _check(r: httpx.Response, rows: Items | None, where: str) -> None:
    assert r.status_code < 500, (where, r.status_code, r.text[:300])
    if r.headers.get("content-type", "").startswith("application/json"):
        body = r.json()
        assert set(body) >= {"status", "message", "data"}, (where, body)
        if r.status_code >= 400:
            assert body["status"] == "error" and body["error_code"], (where, body)
        elif rows is not None:
            # Nothing legitimately has one of these values: an answer with rows leaked them.
            assert rows(body["data"]) == [], (where, body["data"])


@pytest.mark.parametrize("route", list(ROUTES), ids=lambda r: r.removeprefix("/api/v1/"))
def test_every_filter_of_every_get_route(admin: Client, data_exists: str, route: str):
    filters, rows, others = ROUTES[route]
    base = BASE.get(route, {})
    unfiltered = admin.get(route, params=base)
    assert unfiltered.status_code == 200, unfiltered.text[:300]
    for param in filters:
        for payload in PAYLOADS:
            r = admin.get(route, params={**base, param: payload})
            _check(r, rows, f"{route}?{param}={payload[:20]!r}")
    for param in others:
        for payload in PAYLOADS:
            r = admin.get(route, params={**base, param: payload})
            # Typed parameters (dates, enums, numbers, versions) refuse them outright.
            assert 400 <= r.status_code < 500, (route, param, payload[:20], r.status_code)
            assert r.json()["status"] == "error"


@pytest.mark.parametrize("template", PATH_LOOKUPS, ids=lambda t: t.removeprefix("/api/v1/"))
def test_path_lookups_with_injection_payloads(admin: Client, data_exists: str, template: str):
    for payload in PAYLOADS:
        url = httpx.URL(str(admin.base_url).rstrip("/") + template.format("PLACEHOLDER"))
        encoded = httpx.URL(url).raw_path.replace(b"PLACEHOLDER", _quote(payload).encode("ascii"))
        request = admin.http.build_request("GET", url)
        request.url = request.url.copy_with(raw_path=encoded)
        r = admin.http.send(request)
        _check(r, None, f"{template} {payload[:20]!r}")
        if r.status_code == 200 and template.startswith("/api/v1/trace/workers"):
            assert r.json()["data"]["records"] == []
        if r.status_code == 200 and template.startswith("/api/v1/trace/components"):
            assert r.json()["data"]["usages"] == []


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def test_wildcards_match_literally_not_everything(admin: Client, data_exists: str):
    """Exact-match filters: `%`/`_`/prefix patterns find nothing, the exact value finds it."""
    lot = data_exists
    jobs = admin.get("/api/v1/label/jobs", params={"lot_number": lot}).json()["data"]
    assert jobs["total"] >= 1 and all(j["lot_number"] == lot for j in jobs["items"])
    for pattern in ("%", lot[:-1] + "_", lot[:8] + "%", lot.lower(), f" {lot}"):
        r = admin.get("/api/v1/label/jobs", params={"lot_number": pattern})
        assert r.status_code == 200 and r.json()["data"]["items"] == [], pattern
    mine = admin.get("/api/v1/audit/auth-events", params={"username": "admin"}).json()["data"]
    assert mine["items"] and {e["username"] for e in mine["items"]} == {"admin"}
    for pattern in ("%", "adm%", "a_min", "ADMIN"):
        r = admin.get("/api/v1/audit/auth-events", params={"username": pattern})
        assert r.status_code == 200 and r.json()["data"]["items"] == [], pattern
    lots = admin.get("/api/v1/lots", params={"product_model": "WF"}).json()["data"]
    assert lots["total"] >= 1
    for pattern in ("%", "W_", "W%"):
        r = admin.get("/api/v1/lots", params={"product_model": pattern})
        assert r.status_code == 200 and r.json()["data"]["total"] == 0, pattern


def test_live_feed_cursor_injection(admin: Client):
    """The SSE resume cursor is client data too: junk is a 4xx; a well-formed one resumes."""
    junk = [
        "not-base64!!",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        base64.urlsafe_b64encode(b"[1,2]").decode(),
        base64.urlsafe_b64encode(json.dumps({"lot.created": 5}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"lot.created": "x" * 100}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"lot.created": "zzz"}).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps({"lot.created": "-1"}).encode()).decode(),
    ]
    for cursor in junk:
        with admin.http.stream("GET", "/api/v1/live", params={"cursor": cursor}, timeout=10) as r:
            assert r.status_code == 400 or r.status_code == 422, (cursor, r.status_code)
            r.read()
            assert r.json()["error_code"] == "VALIDATION_ERROR"
    good = base64.urlsafe_b64encode(json.dumps({"lot.created": "0-0"}).encode()).decode()
    with admin.http.stream("GET", "/api/v1/live", params={"cursor": good}, timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
