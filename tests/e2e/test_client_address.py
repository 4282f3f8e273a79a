"""The audit trail's address and correlation id cannot be chosen by a caller: a service
believes only the client address the gateway signed (X-Forwarded-For from anyone else is
ignored), and a request id of any other shape than a plain token is replaced."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import eventually
from mes_cli.stack import Stack

from .conftest import Client

LOT = {"product_model": "WF", "target_quantity": 1, "shift": "D"}
SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
FORGED_ADDRESS = "203.0.113.66"
HOSTILE_IDS = ["\"quoted\" 'id'", "x" * 500, "<script>alert(1)</script>", "id with spaces"]


def _created(admin: Client, lot: str) -> dict:
    def entry() -> dict | None:
        r = admin.get("/api/v1/audit", params={"entity_type": "lot", "entity_id": lot})
        assert r.status_code == 200, r.text
        rows = [e for e in r.json()["data"]["items"] if e["action"] == "create"]
        return rows[0] if rows else None

    return eventually(entry, timeout=30, what=f"audit entry of {lot}")


def _lot(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    return response.json()["data"]["lot_number"]


def _forged(request_id: str) -> dict[str, str]:
    return {
        "X-Forwarded-For": FORGED_ADDRESS,
        "X-Real-IP": FORGED_ADDRESS,
        "Forwarded": f"for={FORGED_ADDRESS}",
        # The gateway's own header, without a valid signature.
        "X-Mes-Client-Ip": FORGED_ADDRESS,
        "X-Mes-Hop": "0" * 64,
        "X-Request-ID": request_id,
    }


def test_a_direct_call_cannot_write_its_own_address_or_correlation_id_into_the_audit(
    admin: Client, manager: Client, stack: Stack
):
    lot_service = stack.services["lot-service"].url
    lots = {}
    for request_id in HOSTILE_IDS:
        r = httpx.post(
            lot_service + "/api/v1/lots",
            json=LOT,
            headers={"Authorization": manager.headers["Authorization"], **_forged(request_id)},
        )
        lots[_lot(r)] = request_id
    for lot, request_id in lots.items():
        entry = _created(admin, lot)
        assert entry["source_ip"] == "127.0.0.1", entry  # the caller's own address
        assert entry["correlation_id"] != request_id and SAFE.fullmatch(entry["correlation_id"])


def test_a_newline_in_the_request_id_never_reaches_the_audit(
    admin: Client, manager: Client, stack: Stack
):
    """A folded header line (obs-fold) carries a line break inside the value."""
    parts = urlsplit(stack.services["lot-service"].url)
    body = b'{"product_model": "WF", "target_quantity": 1, "shift": "D"}'
    head = (
        f"POST /api/v1/lots HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Authorization: {manager.headers['Authorization']}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Request-ID: first-line\r\n injected-line\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head.encode() + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    assert status in {201, 400}, answer[:300]
    if status == 201:  # accepted: the folded value was replaced, not recorded
        lot = re.search(rb'"lot_number":"([^"]+)"', answer).group(1).decode()
        entry = _created(admin, lot)
        assert "injected" not in entry["correlation_id"] and "\n" not in entry["correlation_id"]


def test_through_the_gateway_a_safe_correlation_id_is_kept_and_a_forged_address_ignored(
    admin: Client, manager: Client
):
    request_id = f"ws-07:{uuid.uuid4().hex[:12]}"
    lot = _lot(manager.post("/api/v1/lots", json=LOT, headers=_forged(request_id)))
    entry = _created(admin, lot)
    # The gateway trusts no proxy by default: the address is its peer's (this test's).
    assert entry["source_ip"] == "127.0.0.1" and entry["correlation_id"] == request_id
    hostile = "bad\tid"
    lot = _lot(manager.post("/api/v1/lots", json=LOT, headers={"X-Request-ID": hostile}))
    assert _created(admin, lot)["correlation_id"] != hostile


@pytest.fixture(scope="module")
def proxied_gateway(stack: Stack) -> Iterator[str]:
    """A gateway behind a reverse proxy on loopback (it believes that proxy's
    X-Forwarded-For), in front of the same services."""
    name = "gateway-behind-proxy"
    gw = stack.start_gateway(
        free_port(), name=name, extra_env={"MES_TRUSTED_PROXIES": "127.0.0.1/32"}
    )
    try:
        stack.wait_ready(timeout=120)
        yield gw.url
    finally:
        stack.stop_service(name)
        stack.services.pop(name, None)


def test_the_client_address_the_gateway_resolved_reaches_the_services(
    admin: Client, manager: Client, proxied_gateway: str
):
    client = "198.51.100.23"
    r = httpx.post(
        proxied_gateway + "/api/v1/lots",
        json=LOT,
        headers={"Authorization": manager.headers["Authorization"], "X-Forwarded-For": client},
    )
    entry = _created(admin, _lot(r))
    assert entry["source_ip"] == client and entry["service"] == "lot-service", entry
