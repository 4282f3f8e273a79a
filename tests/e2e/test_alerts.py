"""The alerts centre on a stack of its own (its webhook targets are settings): a printer
emulator answering paper-out raises an alert within 10 s that resolves itself when the
paper is back, both on the live feed; an acknowledgement records who, when and the note, and is in the audit
trail; a loopback receiver gets signed deliveries, also after it was down; dead letters
raise an alert that resolves when the dead-letter stream is emptied."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis
from mes_cli.infra import free_port
from mes_cli.pytest_plugin import eventually, running_stack
from mes_cli.stack import Stack
from mes_contracts.api.alerts import AlertList, AlertRead, DeliveryList
from mes_contracts.errors import SuccessBody
from mes_label_drivers.drivers import PrinterState
from trace_service.alerts.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify

from .conftest import STACK_ENV, Client
from .production import KST, dispose, failing_sensor_data, new_lot, run_process, run_through
from .test_gateway_live import _until, sse
from .test_labels import ThreadedEmulator
from .test_response_models import conforms

SECRET = "e2e-webhook-secret"
SLACK_SECRET = "e2e-slack-secret"
RECEIVER_PORT = free_port()
Received = tuple[dict[str, Any], bytes, dict[str, str]]  # parsed body, raw body, headers


class Receiver:
    """A webhook receiver on loopback that can be down (nothing listening) and up."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.got: list[dict[str, Any]] = []
        self.server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        got = self.got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                got.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def bodies(self, path: str) -> list[Received]:
        return [
            (json.loads(g["body"]), g["body"], g["headers"]) for g in self.got if g["path"] == path
        ]


def _target(name: str, path: str, secret: str, fmt: str) -> dict[str, str]:
    url = f"http://127.0.0.1:{RECEIVER_PORT}{path}"
    return {"name": name, "url": url, "secret": secret, "format": fmt}


ENV = {
    **STACK_ENV,
    "MES_ALERT_WEBHOOKS": json.dumps(
        [
            _target("e2e-json", "/hook", SECRET, "json"),
            _target("e2e-slack", "/slack", SLACK_SECRET, "slack"),
        ]
    ),
    "MES_ALERT_WEBHOOK_RETRY_BASE_SECONDS": "0.5",
    "MES_ALERT_WEBHOOK_RETRY_MAX_SECONDS": "2",
    "MES_ALERT_POLL_SECONDS": "1",
    # One FAIL among today's completions of a process is over the line here.
    "MES_ALERT_DEFECT_RATE_THRESHOLD": "0.5",
    "MES_ALERT_DEFECT_RATE_MIN_COMPLETED": "1",
    "MES_ALERT_LABEL_QUEUED_MINUTES": "0.05",  # 3 s
}


@pytest.fixture(scope="module")
def alert_stack(pg_url: str, redis_url: str) -> Iterator[Stack]:
    with running_stack(pg_url, redis_url, name="alerts", redis_index=9, env=ENV) as running:
        yield running


@pytest.fixture(scope="module")
def admin(alert_stack: Stack) -> Client:
    return Client(alert_stack.gateway_url, "admin", "demo-admin-1234")


@pytest.fixture(scope="module")
def manager(alert_stack: Stack) -> Client:
    return Client(alert_stack.gateway_url, "manager", "demo-manager-1234")


@pytest.fixture(scope="module")
def worker(alert_stack: Stack) -> Client:
    return Client(alert_stack.gateway_url, "w001", "demo-worker-1234")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver(RECEIVER_PORT)
    yield r
    r.down()


@pytest.fixture
def printer(admin: Client) -> Iterator[tuple[str, ThreadedEmulator]]:
    """A registered network printer on an emulator that is ready, as the poll saw it."""
    emulator = ThreadedEmulator()
    printer_id = f"PRINTER-AL{int(time.time() * 1000) % 100_000:05d}"
    body = {
        "printer_id": printer_id,
        "model": "Zebra ZT410 (emulated)",
        "language": "ZPL",
        "host": "127.0.0.1",
        "port": emulator.emu.port,
    }
    r = admin.post("/api/v1/printers", json=body)
    assert r.status_code == 201, r.text

    def polled_ready() -> bool:
        got = admin.get(f"/api/v1/printers/{printer_id}").json()["data"]
        return got["last_state"] == "ready"

    eventually(polled_ready, timeout=20, what="the first status poll")
    yield printer_id, emulator
    admin.patch(f"/api/v1/printers/{printer_id}", json={"active": False})
    emulator.stop()


def _alerts(client: Client, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/api/v1/alerts", params=params)
    assert r.status_code == 200, r.text
    conforms(SuccessBody[AlertList], r)
    return r.json()["data"]["items"]


def _paper_out(client: Client, printer_id: str, emulator: ThreadedEmulator) -> dict[str, Any]:
    emulator.emu.state = PrinterState.PAPER_OUT
    t0 = time.monotonic()
    [alert] = eventually(
        lambda: _alerts(client, subject=printer_id, status="open"),
        timeout=10,
        what="an open paper-out alert within 10 s",
    )
    assert time.monotonic() - t0 < 10
    return alert


def test_paper_out_raises_one_alert_that_resolves_when_paper_is_back(
    alert_stack: Stack, manager: Client, printer: tuple[str, ThreadedEmulator]
) -> None:
    printer_id, emulator = printer
    with sse(alert_stack.gateway_url, manager.auth.token()) as feed:
        alert = _paper_out(manager, printer_id, emulator)
        # The dashboards hear of it on the live feed: the printer's change, then the alert.
        seen = _until(
            feed,
            lambda e: e[2] == "alert.raised" and e[3]["data"]["alert_id"] == alert["alert_id"],
        )
        changes = [e[3]["data"] for e in seen if e[2] == "printer.status_changed"]
        assert {"printer_id": printer_id, "state": "paper_out"}.items() <= changes[-1].items()
    assert alert["rule"] == "printer.paper_out" and alert["severity"] == "critical"
    assert alert["code"] == "ALERT_PRINTER_PAPER_OUT" and alert["subject_type"] == "printer"
    assert alert["params"] == {"printer_id": printer_id, "state": "paper_out"}
    time.sleep(6)  # more polls while the paper is out: still the one alert (no storm)
    assert [a["alert_id"] for a in _alerts(manager, subject=printer_id)] == [alert["alert_id"]]

    with sse(alert_stack.gateway_url, manager.auth.token()) as feed:
        emulator.emu.state = PrinterState.READY
        resolved = eventually(
            lambda: _alerts(manager, subject=printer_id, status="resolved"), timeout=10
        )
        _until(
            feed,
            lambda e: e[2] == "alert.resolved" and e[3]["data"]["alert_id"] == alert["alert_id"],
        )
    assert [a["alert_id"] for a in resolved] == [alert["alert_id"]]
    assert resolved[0]["resolved_at"] and not _alerts(manager, subject=printer_id, status="open")
    r = manager.get(f"/api/v1/alerts/{alert['alert_id']}")
    one = conforms(SuccessBody[AlertRead], r).data
    assert one.status == "resolved" and one.resolved_at and one.raised_at < one.resolved_at


def test_a_printer_out_of_service_has_its_alerts_resolved_and_raised_again_when_back(
    admin: Client, manager: Client, printer: tuple[str, ThreadedEmulator]
) -> None:
    printer_id, emulator = printer
    alert = _paper_out(manager, printer_id, emulator)
    r = admin.patch(f"/api/v1/printers/{printer_id}", json={"active": False})
    assert r.status_code == 200 and r.json()["data"]["last_state"] is None, r.text
    eventually(lambda: _alerts(manager, subject=printer_id, status="resolved"), timeout=10)
    assert admin.patch(f"/api/v1/printers/{printer_id}", json={"active": True}).status_code == 200
    [again] = eventually(
        lambda: _alerts(manager, subject=printer_id, status="open"),
        timeout=10,
        what="the paper-out alert again after reactivation",
    )
    assert again["alert_id"] != alert["alert_id"] and again["rule"] == "printer.paper_out"
    emulator.emu.state = PrinterState.READY


def test_an_acknowledgement_records_who_when_and_the_note_and_is_audited(
    admin: Client, manager: Client, printer: tuple[str, ThreadedEmulator]
) -> None:
    printer_id, emulator = printer
    alert = _paper_out(manager, printer_id, emulator)
    note = "새 용지 넣는 중"
    r = manager.post(f"/api/v1/alerts/{alert['alert_id']}/ack", json={"note": note})
    assert r.status_code == 200, r.text
    conforms(SuccessBody[AlertRead], r)
    acked = r.json()["data"]
    assert acked["status"] == "acknowledged" and acked["acknowledged_by"] == "manager"
    assert acked["note"] == note and acked["acknowledged_at"]
    listed = _alerts(manager, status="acknowledged", subject=printer_id)
    assert [a["alert_id"] for a in listed] == [alert["alert_id"]]

    def audited() -> list[dict[str, Any]]:
        params = {"entity_type": "alert", "entity_id": alert["alert_id"]}
        rows = admin.get("/api/v1/audit", params=params).json()["data"]["items"]
        return [x for x in rows if x["event_type"] == "alert.acknowledged"]

    [row] = eventually(audited, timeout=15, what="the acknowledgement in the audit trail")
    assert row["user_id"] == "manager" and row["role"] == "production_manager"
    assert row["new_values"]["note"] == note
    assert row["new_values"]["acknowledged_by"] == "manager"

    assert manager.post("/api/v1/alerts/999999999/ack", json={}).status_code == 404
    too_long = manager.post(f"/api/v1/alerts/{alert['alert_id']}/ack", json={"note": "x" * 501})
    assert too_long.status_code == 400 and too_long.json()["error_code"] == "VALIDATION_ERROR"
    emulator.emu.state = PrinterState.READY
    eventually(lambda: _alerts(manager, subject=printer_id, status="resolved"), timeout=10)


def test_webhooks_are_signed_and_redelivered_after_the_receiver_and_the_service_were_down(
    alert_stack: Stack,
    admin: Client,
    manager: Client,
    receiver: Receiver,
    printer: tuple[str, ThreadedEmulator],
) -> None:
    printer_id, emulator = printer
    receiver.down()
    alert_id = _paper_out(manager, printer_id, emulator)["alert_id"]

    def deliveries() -> list[dict[str, Any]]:
        r = admin.get("/api/v1/alerts/deliveries", params={"alert_id": alert_id})
        assert r.status_code == 200, r.text
        conforms(SuccessBody[DeliveryList], r)
        return r.json()["data"]["items"]

    def retried() -> list[dict[str, Any]]:
        tried = [d for d in deliveries() if d["attempts"] >= 2 and d["state"] == "pending"]
        return tried if len(tried) == 2 else []

    tried = eventually(retried, timeout=20, what="retries while the receiver is down")
    assert {d["target"] for d in tried} == {"e2e-json", "e2e-slack"}
    assert all(d["last_error"] and d["event_type"] == "alert.raised" for d in tried)

    # A crash of trace-service loses nothing: the deliveries are rows.
    alert_stack.kill_service("trace-service")
    alert_stack.respawn("trace-service")
    alert_stack.wait_ready(timeout=90)
    receiver.up()

    def delivered(event: str) -> list[Received]:
        return [
            b
            for b in receiver.bodies("/hook")
            if b[0]["event"] == event and b[0]["alert"]["alert_id"] == alert_id
        ]

    [(doc, raw, headers)] = eventually(lambda: delivered("alert.raised"), timeout=20)
    assert doc["alert"]["rule"] == "printer.paper_out"
    assert verify(SECRET, raw, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    assert not verify(SLACK_SECRET, raw, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    assert abs(int(headers[TIMESTAMP_HEADER]) - time.time()) < 120
    [slack] = eventually(
        lambda: [b for b in receiver.bodies("/slack") if f"alert {alert_id}," in b[0]["text"]]
    )
    assert verify(SLACK_SECRET, slack[1], slack[2][SIGNATURE_HEADER], slack[2][TIMESTAMP_HEADER])

    def all_delivered() -> list[dict[str, Any]]:
        items = deliveries()
        return items if {d["state"] for d in items} == {"delivered"} else []

    done = eventually(all_delivered, what="the delivery log says delivered")
    assert len(done) == 2 and all(d["last_status"] == 204 and d["delivered_at"] for d in done)
    assert all(d["attempts"] >= 3 for d in done)  # two failed tries at least, then this one

    emulator.emu.state = PrinterState.READY
    [(_, raw, headers)] = eventually(lambda: delivered("alert.resolved"), timeout=20)
    assert verify(SECRET, raw, headers[SIGNATURE_HEADER], headers[TIMESTAMP_HEADER])
    assert manager.get("/api/v1/alerts/deliveries").status_code == 403


def test_dead_letters_raise_an_alert_resolved_when_the_dlq_is_emptied(
    alert_stack: Stack, manager: Client
) -> None:
    client = redis.Redis.from_url(alert_stack.redis_url or "")
    try:
        client.xadd("firmware.downloaded.dlq", {"__data__": b"{}", "dlq_error": "e2e"})
        [alert] = eventually(
            lambda: _alerts(manager, subject="firmware.downloaded", status="open"), timeout=10
        )
        assert alert["rule"] == "stream.dead_letters" and alert["params"]["count"] == 1
        client.delete("firmware.downloaded.dlq")
        eventually(
            lambda: _alerts(manager, subject="firmware.downloaded", status="resolved"),
            timeout=10,
        )
    finally:
        client.delete("firmware.downloaded.dlq")
        client.close()


def test_labels_that_fail_or_wait_raise_alerts_per_lot_resolved_once_printed(
    admin: Client, manager: Client, worker: Client
) -> None:
    """The LOT printer (dev-seeded PRINTER-01) out of paper: the LOT's label fails, one
    `label.failed` alert on the LOT, and once it has waited longer than this stack's 3 s a
    `label.queued_too_long`; paper back, the retry prints it, both resolve."""
    before = admin.get("/api/v1/printers/PRINTER-01").json()["data"]
    emulator = ThreadedEmulator()
    emulator.emu.state = PrinterState.PAPER_OUT
    r = admin.patch("/api/v1/printers/PRINTER-01", json={"port": emulator.emu.port})
    assert r.status_code == 200, r.text
    try:
        lot = new_lot(manager, worker, quantity=5)
        [alert] = eventually(
            lambda: _alerts(manager, subject=lot, rule="label.failed", status="open"),
            timeout=30,
            what="the LOT's label.failed alert",
        )
        assert alert["subject_type"] == "lot" and len(alert["params"]["jobs"]) == 1
        [waiting] = eventually(
            lambda: _alerts(manager, subject=lot, rule="label.queued_too_long", status="open"),
            timeout=20,
            what="the label waiting longer than 3 s",
        )
        assert waiting["params"]["jobs"] == 1
        emulator.emu.state = PrinterState.READY
        eventually(lambda: emulator.emu.labels, timeout=60, what="the retry printed")
        for rule in ("label.failed", "label.queued_too_long"):
            resolved = eventually(
                lambda rule=rule: _alerts(manager, subject=lot, rule=rule, status="resolved"),
                timeout=15,
            )
            assert len(resolved) == 1
    finally:
        admin.patch("/api/v1/printers/PRINTER-01", json={"port": before["port"]})
        emulator.stop()


def test_a_defect_rate_over_the_threshold_raises_and_resolves_when_it_falls(
    manager: Client, worker: Client
) -> None:
    """Threshold 50 % from the first completion (this stack's settings): one FAIL at
    PROC-001 raises; two PASS bring today's rate to 33 % and resolve it."""
    lots = [new_lot(manager, worker, quantity=5) for _ in range(3)]
    failed = run_process(
        worker,
        lots[0],
        "PROC-001",
        {"lot_number_engraved": lots[0], "marking_result": "FAIL"},
    )
    assert failed["result"] == "FAIL", failed
    [alert] = eventually(lambda: _alerts(manager, subject="PROC-001", status="open"), timeout=15)
    assert alert["rule"] == "process.defect_rate" and alert["params"]["failed"] == 1
    for lot in lots[1:]:
        run_process(worker, lot, "PROC-001")
    eventually(lambda: _alerts(manager, subject="PROC-001", status="resolved"), timeout=15)


def test_a_lot_on_hold_raises_an_alert_until_its_ncr_releases_it(
    manager: Client, worker: Client
) -> None:
    """A FAIL at PROC-003 holds the LOT (ADR 0023): one `lot.held` alert naming the NCR;
    a USE_AS_IS disposition releases the LOT and resolves it. (After the defect-rate test:
    its PROC-001 counts must not move while it runs.)"""
    lot = new_lot(manager, worker, quantity=5)
    run_through(worker, lot, "PROC-002")
    at = datetime.now(KST).replace(microsecond=0)
    failed = run_process(worker, lot, "PROC-003", failing_sensor_data(lot, at))
    number = failed["ncr_number"]
    assert failed["result"] == "FAIL" and number, failed
    [alert] = eventually(
        lambda: _alerts(manager, subject=lot, rule="lot.held", status="open"), timeout=15
    )
    assert alert["params"] == {"lot_number": lot, "reason": number}
    dispose(manager, number, "USE_AS_IS", reason="deviation approved by QA")
    resolved = eventually(
        lambda: _alerts(manager, subject=lot, rule="lot.held", status="resolved"), timeout=15
    )
    assert [a["alert_id"] for a in resolved] == [alert["alert_id"]]


def test_the_list_filters_and_refuses_bad_input(manager: Client) -> None:
    assert manager.get("/api/v1/alerts", params={"status": "nope"}).status_code == 400
    assert manager.get("/api/v1/alerts", params={"limit": 0}).status_code == 400
    assert manager.get("/api/v1/alerts/0").status_code == 400
    assert manager.get("/api/v1/alerts/abc").status_code == 400
    assert manager.get("/api/v1/alerts/999999999").status_code == 404
    page = manager.get("/api/v1/alerts", params={"rule": "printer.paper_out", "limit": 1})
    assert page.status_code == 200, page.text
    data = conforms(SuccessBody[AlertList], page).data
    assert data.limit == 1 and len(data.items) <= 1
    assert all(a.rule == "printer.paper_out" for a in data.items)
