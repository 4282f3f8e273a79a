"""All six services up; a LOT created through the gateway flows to other services' schemas."""

from __future__ import annotations

import subprocess
import sys

import httpx
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack

from .conftest import Client


def test_every_service_answers_health_ready_and_metrics(stack: Stack):
    core = {
        "gateway",
        "lot-service",
        "process-service",
        "label-service",
        "firmware-service",
        "trace-service",
    }
    assert core <= set(stack.services)
    for name in core:
        svc = stack.services[name]
        assert httpx.get(svc.url + "/health").json() == {"status": "ok", "service": name}
        ready = httpx.get(svc.url + "/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
        assert "mes_http_requests_total" in httpx.get(svc.url + "/metrics").text


def test_lot_created_through_gateway_is_consumed_by_other_services(manager: Client, worker: Client):
    r = manager.post(
        "/api/v1/lots", json={"product_model": "WF", "target_quantity": 100, "shift": "D"}
    )
    assert r.status_code == 201, r.text
    lot = r.json()["data"]
    assert lot["status"] == "CREATED"
    number = lot["lot_number"]

    # process-service learnt the LOT from lot.created, into its own schema.
    history = eventually(
        lambda: (x := worker.get(f"/api/v1/process/lots/{number}")).status_code == 200 and x
    )
    steps = history.json()["data"]["processes"]
    assert [s["process_id"] for s in steps] == [f"PROC-00{i}" for i in range(1, 9)]
    assert all(s["status"] == "NOT_STARTED" for s in steps)

    # trace-service recorded the same event in its schema.
    events = eventually(
        lambda: (x := worker.get(f"/api/v1/trace/lots/{number}/events")).status_code == 200 and x
    )
    assert [e["type"] for e in events.json()["data"]["events"]] == ["lot.created"]


def test_a_service_refuses_a_direct_call_without_a_token(stack: Stack):
    lot_service = stack.services["lot-service"].url
    r = httpx.get(lot_service + "/api/v1/lots")
    assert r.status_code == 401
    body = r.json()
    assert body["status"] == "error" and body["error_code"] == "UNAUTHORIZED"
    assert set(body) == {"status", "message", "error_code", "data"}


def test_invalid_input_gets_the_contract_error_body(manager: Client):
    r = manager.post("/api/v1/lots", json={"product_model": "WF", "shift": "X"})
    assert r.status_code == 400
    body = r.json()
    assert body["error_code"] == "VALIDATION_ERROR"
    assert body["data"]["field"] == "shift"

    r = manager.post("/api/v1/lots", json={"product_model": "WF"})
    assert r.status_code == 400
    assert r.json()["error_code"] == "MISSING_REQUIRED_FIELD"
    assert r.json()["data"]["field"] == "shift"


def test_demo_drives_a_lot_through_all_eight_processes(gateway: str):
    out = subprocess.run(
        [sys.executable, "-m", "mes_cli", "demo", "--url", gateway],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    history = [line for line in lines if line.strip()[:2] in {f"{i}." for i in range(1, 9)}]
    assert len(history) == 8
    assert all(line.rstrip().endswith("PASS") for line in history)
    assert any("CREATED → IN_PROGRESS → COMPLETED" in line for line in lines)
