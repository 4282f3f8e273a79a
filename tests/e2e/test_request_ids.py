"""One request id per answer: the gateway passes its id upstream, so one id spans the hop,
and every answer (proxied or the gateway's own) carries exactly one X-Request-ID."""

from __future__ import annotations

import uuid

import httpx
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack

from .conftest import Client


def _one_id(r: httpx.Response) -> str:
    ids = r.headers.get_list("x-request-id")
    assert len(ids) == 1, (r.request.method, r.url, ids)
    return ids[0]


def test_proxied_and_gateway_answers_carry_exactly_one_request_id(admin: Client, gateway: str):
    answers = [
        admin.get("/api/v1/lots"),  # proxied to lot-service
        admin.get("/api/v1/trace/lots/WF-KR-000101D-999"),  # proxied, an error body
        admin.get("/api/v1/auth/me"),  # the gateway's own route
        admin.get("/api/v1/audit", params={"limit": 1}),
        httpx.get(gateway + "/api/v1/lots"),  # refused at the gateway (no token)
        httpx.get(gateway + "/health"),
    ]
    for r in answers:
        _one_id(r)

    chosen = uuid.uuid4().hex
    for path in ("/api/v1/lots", "/api/v1/auth/me"):
        assert _one_id(admin.get(path, headers={"X-Request-ID": chosen})) == chosen


def test_services_answer_one_request_id_when_called_directly(stack: Stack):
    chosen = uuid.uuid4().hex
    r = httpx.get(stack.services["lot-service"].url + "/health", headers={"X-Request-ID": chosen})
    assert _one_id(r) == chosen


def test_the_gateway_request_id_is_the_service_correlation_id(admin: Client, manager: Client):
    """No client id: the id the gateway made up is the one lot-service records with the
    change (its event's correlation id, shown in the audit trail) and the one answered."""
    r = manager.post(
        "/api/v1/lots", json={"product_model": "WF", "target_quantity": 1, "shift": "D"}
    )
    assert r.status_code == 201, r.text
    request_id = _one_id(r)
    lot = r.json()["data"]["lot_number"]

    def created() -> dict | None:
        items = admin.get("/api/v1/audit", params={"entity_type": "lot", "entity_id": lot}).json()[
            "data"
        ]["items"]
        return items[0] if items else None

    entry = eventually(created, what="the LOT's audit entry")
    assert entry["correlation_id"] == request_id
