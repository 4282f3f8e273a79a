"""Object-level authorization, proven with real, valid requests (not empty bodies): a worker
acts only under its own worker id, a viewer writes nothing, a worker manages nothing, and the
quality and production managers get exactly their rows of docs/rbac.md — with nothing
changed behind a refusal. The role × route matrix itself is test_gateway_rbac.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from mes_cli.stack import Stack

from .conftest import Client
from .production import KST, complete_body, new_lot, start_body
from .test_gateway_rbac import concrete, matrix

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _forbidden(r: httpx.Response) -> None:
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["status"] == "error" and body["error_code"] == "FORBIDDEN"
    assert set(body) == {"status", "message", "error_code", "data"}


@pytest.fixture(scope="module")
def w002(gateway: str) -> Client:
    return Client(gateway, "w002", "demo-worker-1234")


@pytest.fixture(scope="module")
def quality(gateway: str) -> Client:
    return Client(gateway, "quality", "demo-quality-1234")


@pytest.fixture(scope="module")
def lot(manager: Client, worker: Client) -> str:
    return new_lot(manager, worker, quantity=5)


def _history(client: Client, lot: str) -> list[dict[str, Any]]:
    """Every recorded attempt of every step of the LOT."""
    r = client.get(f"/api/v1/process/lots/{lot}")
    assert r.status_code == 200, r.text
    return [a for step in r.json()["data"]["processes"] for a in step["attempts"]]


def test_a_worker_cannot_start_or_complete_as_another_worker(
    worker: Client, w002: Client, lot: str, stack: Stack
):
    assert worker.user["worker_id"] == "W001" and w002.user["worker_id"] == "W002"
    at = datetime.now(KST).replace(microsecond=0)
    before = _history(worker, lot)
    # W001 claiming to be W002, and W002 claiming to be W001, through the gateway …
    _forbidden(worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at, "W002")))
    _forbidden(w002.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at, "W001")))
    _forbidden(
        worker.post(
            "/api/v1/process/complete", json=complete_body(lot, "PROC-001", at, worker_id="W002")
        )
    )
    # … and straight at process-service with the same token (the gateway is not the only check).
    direct = stack.services["process-service"].url + "/api/v1/process/start"
    _forbidden(
        httpx.post(
            direct,
            json=start_body(lot, "PROC-001", at, "W002"),
            headers={"Authorization": worker.headers["Authorization"]},
        )
    )
    # Lower case or padded ids are not a way around it either.
    for alias in ("w001", "w001 ", "W0010"):
        r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at, alias))
        assert r.status_code in {400, 403}, r.text
    assert before == [] and _history(worker, lot) == [], "a refused start left a record"

    # Under its own id the very same start is accepted, and recorded under W001.
    r = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at, "W001"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["worker_id"] == "W001"
    # W002 cannot complete W001's open work as W001 either.
    _forbidden(
        w002.post(
            "/api/v1/process/complete", json=complete_body(lot, "PROC-001", at, worker_id="W001")
        )
    )


def test_managers_may_record_work_for_any_worker(manager: Client, admin: Client, worker: Client):
    """The object rule binds workers only (a manager books work on a worker's behalf)."""
    fresh = new_lot(manager, worker, quantity=1)
    at = datetime.now(KST).replace(microsecond=0)
    r = manager.post("/api/v1/process/start", json=start_body(fresh, "PROC-001", at, "W002"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["worker_id"] == "W002"


def test_a_viewer_cannot_write_anything(viewer: Client, gateway: str):
    """Every write row of docs/rbac.md, with a body that would otherwise be valid enough."""
    rows = [(m, p) for m, p, allowed in matrix() if m in WRITE_METHODS]
    assert len(rows) >= 15
    for method, path in rows:
        if path == "/api/v1/auth/logout":
            continue  # signing oneself out is every role's right
        r = viewer.request(method, concrete(path), json=_plausible_body(path))
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json()["error_code"] == "FORBIDDEN"
    # A multipart firmware upload is refused the same way.
    files = {"file": ("fw.bin", b"\x00" * 64, "application/octet-stream")}
    data = {"version": "v9.9.9", "target_mcu": "STM32"}
    _forbidden(viewer.post("/api/v1/firmware", data=data, files=files))


def _plausible_body(path: str) -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/lots": {"product_model": "WF", "target_quantity": 1, "shift": "D"},
        "/api/v1/users": {
            "username": "intruder",
            "password": "intruder-pass-1234",
            "role": "admin",
            "display_name": "x",
        },
        "/api/v1/users/{username}": {"role": "admin"},
        "/api/v1/serials/{serial_number}": {"status": "PASSED", "reason": "looks fine"},
        "/api/v1/lots/{lot_number}/serials": {"reason": "damaged label"},
        "/api/v1/printers/{printer_id}": {"name": "hijacked"},
    }
    return bodies.get(path, {})


def test_a_worker_cannot_create_lots_users_or_release_firmware(
    worker: Client, admin: Client, manager: Client
):
    lots_before = manager.get("/api/v1/lots").json()["data"]["total"]
    _forbidden(
        worker.post(
            "/api/v1/lots", json={"product_model": "WF", "target_quantity": 1, "shift": "D"}
        )
    )
    name = f"sec-{uuid.uuid4().hex[:8]}"
    _forbidden(
        worker.post(
            "/api/v1/users",
            json={
                "username": name,
                "password": "not-a-real-pass-123",
                "role": "admin",
                "display_name": "escalation",
            },
        )
    )
    # Nor promote itself, nor read the account list or the audit trail.
    _forbidden(worker.patch("/api/v1/users/w001", json={"role": "admin"}))
    _forbidden(worker.get("/api/v1/users"))
    _forbidden(worker.get("/api/v1/audit"))
    files = {"file": ("fw.bin", b"\x01" * 64, "application/octet-stream")}
    _forbidden(
        worker.post(
            "/api/v1/firmware", data={"version": "v9.9.8", "target_mcu": "STM32"}, files=files
        )
    )
    _forbidden(worker.post("/api/v1/firmware/v1.0.0/release", json={}))
    _forbidden(worker.post("/api/v1/firmware/v1.0.0/rollback", json={}))
    _forbidden(worker.post("/api/v1/printers", json={"printer_id": "PRINTER-66"}))
    # Nothing changed behind the refusals.
    assert manager.get("/api/v1/lots").json()["data"]["total"] == lots_before
    assert admin.get(f"/api/v1/users/{name}").status_code == 404
    assert admin.get("/api/v1/users/w001").json()["data"]["role"] == "worker"
    assert admin.get("/api/v1/firmware/v9.9.8").status_code == 404


def test_quality_and_production_managers_get_their_rows(
    quality: Client, manager: Client, worker: Client, lot: str
):
    at = datetime.now(KST).replace(microsecond=0)
    # The quality manager is read-only on production …
    _forbidden(
        quality.post(
            "/api/v1/lots", json={"product_model": "WF", "target_quantity": 1, "shift": "N"}
        )
    )
    _forbidden(quality.post(f"/api/v1/lots/{lot}/close", json={"reason": "quality says so"}))
    _forbidden(quality.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at)))
    _forbidden(quality.post(f"/api/v1/lots/{lot}/serials", json={"reason": "replacement"}))
    _forbidden(quality.post("/api/v1/label/print", json={}))
    _forbidden(quality.get("/api/v1/firmware/downloads"))
    # … but decides on serial status (404 here: the serial does not exist, yet it got past RBAC).
    r = quality.patch(
        f"/api/v1/serials/{lot}-9999", json={"status": "FAILED", "reason": "visual defect"}
    )
    assert r.status_code == 404 and r.json()["error_code"] == "SERIAL_NOT_FOUND", r.text
    # The production manager runs production but administers nothing.
    _forbidden(manager.get("/api/v1/users"))
    _forbidden(manager.get("/api/v1/audit/verify"))
    _forbidden(manager.post("/api/v1/firmware/v1.0.0/release", json={}))
    _forbidden(manager.patch("/api/v1/printers/PRINTER-01", json={"name": "hijacked"}))
    assert quality.get(f"/api/v1/trace/lots/{lot}").status_code in {200, 404}
    assert worker.get(f"/api/v1/lots/{lot}").status_code == 200


def test_nobody_deactivates_themselves_and_a_deactivated_account_is_locked_out(
    admin: Client, gateway: str
):
    """On accounts of this test's own (the demo accounts are never touched)."""
    name = f"sec-admin-{uuid.uuid4().hex[:6]}"
    password = f"pw-{uuid.uuid4().hex}"
    r = admin.post(
        "/api/v1/users",
        json={"username": name, "password": password, "role": "admin", "display_name": "Sec"},
    )
    assert r.status_code == 201, r.text
    own = Client(gateway, name, password)
    r = own.delete(f"/api/v1/users/{name}")
    assert r.status_code == 409 and r.json()["error_code"] == "SELF_LOCKOUT", r.text
    # Another admin deactivates it: its sign-in and its refresh token stop working.
    login = httpx.post(
        gateway + "/api/v1/auth/login", json={"username": name, "password": password}
    ).json()["data"]
    assert admin.delete(f"/api/v1/users/{name}").status_code == 200
    r = httpx.post(gateway + "/api/v1/auth/login", json={"username": name, "password": password})
    assert r.status_code == 401 and r.json()["error_code"] == "INVALID_CREDENTIALS"
    r = httpx.post(gateway + "/api/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})
    assert r.status_code == 401, r.text
