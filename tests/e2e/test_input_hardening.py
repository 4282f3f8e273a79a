"""Input that answered 500 or was silently coerced (issue 15, items 7, 10 and 13), through
the gateway and, where the service must guard itself, at the service directly:

- a LOT holds at most 9,999 units (serials have four digits): one limit everywhere;
- a lone surrogate ("\\ud800") in any JSON key or string, or percent-encoded in a path or
  query, is a 400 naming where it is, and nothing is stored;
- invalid or overlong UTF-8 and absurdly deep JSON are 400 MALFORMED_BODY, not a server error;
- numbers and booleans are strict: `true` is not 1, `"5"` is not 5, `1` is not `true`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack
from mes_contracts.limits import MAX_TARGET_QUANTITY
from servicekit.runtime import asyncpg_dsn

from .conftest import Client
from .production import KST, complete_body, new_lot, run_through, start_body

JSON = {"Content-Type": "application/json"}


def _error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, (r.status_code, r.text[:400])
    body = r.json()
    assert set(body) == {"status", "message", "error_code", "data"}, body
    assert body["status"] == "error" and body["error_code"] == code, body
    return body["data"]


def _raw(value: Any) -> bytes:
    """JSON with lone surrogates written as `\\ud800` escapes (as a station app could)."""
    return json.dumps(value, ensure_ascii=True).encode("ascii")


def _post(client: Client, base: str, path: str, content: bytes) -> httpx.Response:
    headers = {**JSON, "Authorization": client.headers["Authorization"]}
    return httpx.post(base.rstrip("/") + path, content=content, headers=headers, timeout=30)


def _bases(client: Client, stack: Stack, service: str) -> list[str]:
    """The gateway and the service itself: each refuses on its own."""
    return [str(client.base_url), stack.services[service].url]


def _lot_total(client: Client) -> int:
    return client.get("/api/v1/lots").json()["data"]["total"]


# -- 7a: one limit for the size of a LOT -------------------------------------------------
def test_a_lot_holds_at_most_9999_units(manager: Client, stack: Stack) -> None:
    before = _lot_total(manager)
    for base in _bases(manager, stack, "lot-service"):
        for quantity in (MAX_TARGET_QUANTITY + 1, 10**12, 0):
            body = _raw({"shift": "D", "target_quantity": quantity})
            data = _error(_post(manager, base, "/api/v1/lots", body), 400, "VALIDATION_ERROR")
            assert data["field"] == "target_quantity"
    assert _lot_total(manager) == before
    r = manager.post("/api/v1/lots", json={"shift": "D", "target_quantity": MAX_TARGET_QUANTITY})
    assert r.status_code == 201, r.text
    lot = r.json()["data"]
    assert lot["target_quantity"] == 9999
    assert (
        manager.get(f"/api/v1/lots/{lot['lot_number']}").json()["data"]["target_quantity"] == 9999
    )


def test_serial_numbers_never_run_past_four_digits(
    manager: Client, worker: Client, stack: Stack, firmware_released: None
) -> None:
    lot = new_lot(manager, worker, quantity=1)
    run_through(worker, lot, "PROC-006")
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-007", at))
    assert r.status_code == 200, r.text
    serials = lambda: manager.get(f"/api/v1/lots/{lot}/serials").json()["data"]  # noqa: E731
    eventually(lambda: serials()["total"] == 1, what="the LOT's serial")

    async def use_up_the_numbers() -> None:
        # 9,998 replacements would take minutes: move the LOT's counter to the last number.
        conn = await asyncpg.connect(asyncpg_dsn(stack.database_url or ""))
        try:
            await conn.execute(
                "UPDATE lot.lots SET last_serial_seq = 9999 WHERE lot_number = $1", lot
            )
        finally:
            await conn.close()

    asyncio.run(use_up_the_numbers())
    r = manager.post(f"/api/v1/lots/{lot}/serials", json={"reason": "one unit too many"})
    data = _error(r, 409, "CONFLICT")
    assert data == {"lot_number": lot, "limit": 9999}
    assert [s["serial_number"] for s in serials()["items"]] == [f"{lot}-0001"]


# -- 7b: lone surrogates anywhere ----------------------------------------------------------
@pytest.fixture(scope="module")
def started_lot(manager: Client, worker: Client) -> tuple[str, datetime]:
    lot = new_lot(manager, worker, quantity=1)
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
    assert r.status_code == 200, r.text
    return lot, at


def test_lone_surrogates_in_a_completion_are_refused_and_nothing_is_stored(
    worker: Client, stack: Stack, started_lot: tuple[str, datetime]
) -> None:
    lot, at = started_lot
    good = complete_body(lot, "PROC-001", at)
    cases = [
        ({**good, "process_data": {**good["process_data"], "\ud800": "x"}}, "process_data.\\ud800"),
        (
            {**good, "process_data": {**good["process_data"], "note": "a\ud800"}},
            "process_data.note",
        ),
        (
            {**good, "process_data": {**good["process_data"], "n": ["ok", "\udfff"]}},
            "process_data.n[1]",
        ),
        ({**good, "station_note": "\udc00"}, "station_note"),  # an extra top-level key
    ]
    for base in _bases(worker, stack, "process-service"):
        for body, field in cases:
            r = _post(worker, base, "/api/v1/process/complete", _raw(body))
            data = _error(r, 400, "VALIDATION_ERROR")
            assert data["field"] == field and data["location"] == "body", data
            assert data["reason"].startswith("lone surrogate U+D"), data
    history = worker.get(f"/api/v1/process/lots/{lot}").json()["data"]["processes"]
    [attempt] = history[0]["attempts"]
    assert history[0]["status"] == "IN_PROGRESS" and attempt["complete_time"] is None
    # The same completion without them is recorded as the first and only one.
    r = worker.post("/api/v1/process/complete", json=good)
    assert r.status_code == 200, r.text
    assert r.json()["data"]["already_recorded"] is False


def test_lone_surrogates_in_paths_and_query_strings_are_refused(
    manager: Client, stack: Stack
) -> None:
    with httpx.Client(headers={"Authorization": manager.headers["Authorization"]}) as c:
        for base in _bases(manager, stack, "trace-service"):
            r = c.get(base.rstrip("/") + "/api/v1/trace/lots/WF-%ED%A0%80")
            assert _error(r, 400, "VALIDATION_ERROR")["location"] == "path"
            r = c.get(base.rstrip("/") + "/api/v1/trace/defects?lot_number=%ED%A0%80")
            data = _error(r, 400, "VALIDATION_ERROR")
            assert data == {"field": "lot_number", "location": "query", "reason": "invalid UTF-8"}
    body = _raw({"shift": "D", "product_model": "\ud800"})
    r = manager.post("/api/v1/lots", content=body, headers=JSON)
    assert _error(r, 400, "VALIDATION_ERROR")["field"] == "product_model"


# -- 10: malformed bodies are the client's error -----------------------------------------
MALFORMED = {
    "invalid UTF-8": b'{"shift": "D", "product_model": "\xff"}',
    "overlong UTF-8": b'{"shift": "D", "product_model": "\xc0\xaf"}',
    "encoded surrogate": b'{"shift": "D", "product_model": "\xed\xa0\x80"}',
    "100,000-deep array": b"[" * 100_000 + b"]" * 100_000,
    "NaN": b'{"shift": "D", "target_quantity": NaN}',
    "truncated": b'{"shift": "D", ',
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_bodies_are_400_malformed_body(manager: Client, stack: Stack, case: str) -> None:
    before = _lot_total(manager)
    for base in _bases(manager, stack, "lot-service"):
        data = _error(_post(manager, base, "/api/v1/lots", MALFORMED[case]), 400, "MALFORMED_BODY")
        assert data["reason"], data
    assert _lot_total(manager) == before


def test_malformed_completions_say_why(worker: Client) -> None:
    r = worker.post(
        "/api/v1/process/complete", content=b'{"lot_number": "\xc0\xae\xc0\xae"}', headers=JSON
    )
    body = r.json()
    assert _error(r, 400, "MALFORMED_BODY") == {"reason": "invalid UTF-8 at byte 16", "byte": 16}
    assert "invalid UTF-8 at byte 16" in body["message"]
    r = worker.post("/api/v1/process/complete", content=b"[" * 100_000, headers=JSON)
    assert _error(r, 400, "MALFORMED_BODY")["max_depth"] == 32


# -- 13: strict numbers and booleans -------------------------------------------------------
@pytest.mark.parametrize("quantity", [True, False, "5", 5.0, 5.5, [5]])
def test_a_lot_quantity_must_be_a_whole_number(manager: Client, quantity: Any) -> None:
    before = _lot_total(manager)
    r = manager.post("/api/v1/lots", json={"shift": "D", "target_quantity": quantity})
    assert _error(r, 400, "VALIDATION_ERROR")["field"] == "target_quantity"
    assert _lot_total(manager) == before


def test_label_printing_and_printers_are_strict(admin: Client, worker: Client) -> None:
    printer = {
        "printer_id": "PRINTER-STRICT",
        "model": "Zebra ZT230",
        "language": "ZPL",
        "transport": "SERIAL",
        "serial_port": "COM7",
        "station_id": "ST-STRICT",
    }
    for field, value in (("dpi", "300"), ("baudrate", 9600.0), ("active", 1)):
        r = admin.post("/api/v1/printers", json={**printer, field: value})
        assert _error(r, 400, "VALIDATION_ERROR")["field"] == field
    assert admin.get("/api/v1/printers/PRINTER-STRICT").status_code == 404
    r = admin.post("/api/v1/printers", json={**printer, "dpi": 300})
    assert r.status_code == 201, r.text
    r = admin.patch("/api/v1/printers/PRINTER-STRICT", json={"label_width_mm": "100"})
    assert _error(r, 400, "VALIDATION_ERROR")["field"] == "label_width_mm"

    label = {
        "label_type": "LOT",
        "lot_number": "WF-KR-251110D-001",
        "product_model": "Withforce",
        "target_quantity": 100,
        "created_date": "2025-11-10",
        "printer_id": "PRINTER-STRICT",
    }
    for field, value in (("target_quantity", True), ("target_quantity", "100"), ("reprint", 1)):
        r = worker.post("/api/v1/label/print", json={**label, field: value})
        data = _error(r, 400, "INVALID_LABEL_DATA")
        assert data["field"] == f"LOT.{field}", data
    r = worker.post("/api/v1/label/print", json={**label, "reprint": False})
    assert r.status_code == 202, r.text  # queued for the station's serial printer


def test_completion_numbers_and_flags_are_strict(
    manager: Client, worker: Client, firmware_released: None
) -> None:
    lot = new_lot(manager, worker, quantity=1)
    run_through(worker, lot, "PROC-002")
    at = datetime.now(KST).replace(microsecond=0)
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-003", at))
    assert r.status_code == 200, r.text
    good = complete_body(lot, "PROC-003", at)
    temp, tof = good["process_data"]["temp_sensor"], good["process_data"]["tof_sensor"]
    for part, field, value in (
        ("temp_sensor", "measured_temp", "60.2"),
        ("temp_sensor", "tolerance", True),
        ("tof_sensor", "i2c_communication", 1),
        ("tof_sensor", "i2c_communication", "true"),
    ):
        data = dict(good["process_data"], **{part: {**(temp if part == "temp_sensor" else tof)}})
        data[part][field] = value
        r = worker.post("/api/v1/process/complete", json={**good, "process_data": data})
        refused = _error(r, 400, "INVALID_PROCESS_DATA")
        assert refused["field"] == f"process_data.{part}.{field}", refused
    # Whole numbers are fine as measurements, and ISO times still parse.
    whole = dict(good["process_data"], temp_sensor={**temp, "measured_temp": 60, "target_temp": 60})
    r = worker.post("/api/v1/process/complete", json={**good, "process_data": whole})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["result"] == "PASS"


def test_user_updates_are_strict(admin: Client) -> None:
    for value in (0, 1, "false", "true"):
        r = admin.patch("/api/v1/users/w002", json={"active": value})
        assert _error(r, 400, "VALIDATION_ERROR")["field"] == "active"
    # Omitted means unchanged; null is no value for a required column (it was a 500).
    for field in ("role", "active", "display_name", "password"):
        r = admin.patch("/api/v1/users/w002", json={field: None})
        assert _error(r, 400, "MISSING_REQUIRED_FIELD")["field"] == field
    user = admin.get("/api/v1/users/w002").json()["data"]
    assert user["active"] is True and user["role"] == "worker"
    r = admin.patch("/api/v1/users/w002", json={"display_name": "작업자 2", "active": True})
    assert r.status_code == 200, r.text


def test_every_json_body_of_every_service_is_strict() -> None:
    """What the services check when they start (servicekit.strict_bodies), over all of them."""
    from fastapi import FastAPI
    from firmware_service import api as firmware_api
    from gateway import auth_api, users_api
    from label_service import api as label_api
    from lot_service import api as lot_api
    from process_service import api as process_api
    from servicekit.strict_bodies import body_routes, lax_body_fields

    app = FastAPI()
    for module in (firmware_api, auth_api, users_api, label_api, lot_api, process_api):
        app.include_router(module.router)
    assert body_routes(app) >= 15
    assert lax_body_fields(app) == []
