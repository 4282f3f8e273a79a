"""Coarse events (ADR 0012): one event per fact a person would name. A LOT through all 8
processes produces O(processes) stream entries whatever its size — 3 units or 100 — while
every serial and label still appears in the payloads, in the trace read model and in the
audit trail. Entries of the retired per-unit types (left in the streams by an upgrade) are
still applied."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis
from mes_cli.pytest_plugin import eventually, streams_consumed
from mes_cli.stack import Stack
from mes_contracts import events as ev
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.wire import DATA_FIELD, encode_entry

from .conftest import Client
from .production import KST, complete_body, new_lot, start_body
from .test_labels import ThreadedEmulator

PROCESSES = 8
STATION = "ST-EVT"
PRINTER = "PRINTER-EVT"
#: What one LOT through the 8 processes publishes, whatever its size.
PER_LOT = {
    ev.LOT_CREATED: 1,
    ev.LOT_STATUS_CHANGED: 2,  # CREATED → IN_PROGRESS → COMPLETED
    ev.PROCESS_STARTED: PROCESSES,
    ev.PROCESS_COMPLETED: PROCESSES,
    ev.SERIALS_ALLOCATED: 1,  # at the PROC-007 start, every serial listed
    ev.SERIALS_STATUS_CHANGED: 2,  # PROC-007 passed → IN_PROGRESS, PROC-008 → PASSED
}


@dataclass
class Run:
    lot: str
    quantity: int
    per_type: Counter  # entries about this LOT, by stream
    added: Counter  # XLEN after − before, by stream (everything published meanwhile)


def _lengths(client: redis.Redis) -> dict[str, int]:
    return {s: client.xlen(s) for s in ev.ALL_STREAMS}


def _last_ids(client: redis.Redis) -> dict[str, str]:
    out = {}
    for stream in ev.ALL_STREAMS:
        last = client.xrevrange(stream, count=1)
        out[stream] = last[0][0].decode() if last else "0-0"
    return out


def _about(env: Envelope, lot: str) -> bool:
    return env.data.get("lot_number") == lot or (env.subject or "").startswith(lot)


def _entries_about(client: redis.Redis, since: dict[str, str], lot: str) -> Counter:
    found: Counter = Counter()
    for stream, after in since.items():
        for _, fields in client.xrange(stream, min=f"({after}", max="+"):
            if _about(Envelope.from_json(fields[DATA_FIELD.encode()]), lot):
                found[stream] += 1
    return found


def _jobs(client: Client, lot: str) -> list[dict]:
    r = client.get("/api/v1/label/jobs", params={"lot_number": lot, "limit": 500})
    assert r.status_code == 200, r.text
    return r.json()["data"]["items"]


def _drive(stack: Stack, manager: Client, worker: Client, viewer: Client, quantity: int) -> Run:
    """A LOT of `quantity` units through all 8 processes over the gateway (started at
    STATION, whose serial printer is an emulator), then settled: every consumer applied
    everything, every label job had its first outcome."""
    client = redis.Redis.from_url(stack.redis_url or "")
    try:
        before, since = _lengths(client), _last_ids(client)
        lot = new_lot(manager, worker, quantity=quantity)
        for step in range(1, PROCESSES + 1):
            process = f"PROC-{step:03d}"
            at = datetime.now(KST).replace(microsecond=0)
            start = {**start_body(lot, process, at), "station_id": STATION}
            r = worker.post("/api/v1/process/start", json=start)
            assert r.status_code == 200, r.text
            r = worker.post("/api/v1/process/complete", json=complete_body(lot, process, at))
            assert r.status_code == 200 and r.json()["data"]["result"] == "PASS", r.text

        def settled() -> bool:
            trace = viewer.get(f"/api/v1/trace/lots/{lot}").json()["data"]
            jobs = _jobs(manager, lot)
            serial = [j for j in jobs if j["label_type"] == "SERIAL"]
            lot_label = [j for j in jobs if j["label_type"] == "LOT"]
            return (
                trace["status"] == "COMPLETED"
                and trace["serials"]["by_status"] == {"PASSED": quantity}
                and len(serial) == quantity
                and {j["state"] for j in serial} == {"sent"}
                and len(lot_label) == 1
                and lot_label[0]["state"] not in ("queued", "sending")
                and streams_consumed(stack.redis_url or "")
            )

        eventually(settled, timeout=90)
        after = _lengths(client)
        added = Counter({s: after[s] - before[s] for s in after if after[s] != before[s]})
        return Run(lot, quantity, _entries_about(client, since, lot), added)
    finally:
        client.close()


@pytest.fixture(scope="module")
def runs(
    stack: Stack, admin: Client, manager: Client, worker: Client, viewer: Client, firmware_released
) -> Iterator[dict[int, Run]]:
    printer = ThreadedEmulator()
    body = {
        "printer_id": PRINTER,
        "model": "Zebra ZT410 (emulated)",
        "language": "ZPL",
        "host": "127.0.0.1",
        "port": printer.emu.port,
        "purpose": "SERIAL",
        "station_id": STATION,
    }
    r = admin.post("/api/v1/printers", json=body)
    assert r.status_code == 201, r.text
    try:
        yield {n: _drive(stack, manager, worker, viewer, n) for n in (3, 100)}
    finally:
        admin.patch(f"/api/v1/printers/{PRINTER}", json={"active": False})
        printer.stop()


def test_a_lot_publishes_o_processes_events_whatever_its_size(runs: dict[int, Run]) -> None:
    small, big = runs[3], runs[100]
    for run in (small, big):
        facts = {t: n for t, n in run.per_type.items() if t in PER_LOT}
        assert facts == PER_LOT, (run.quantity, run.per_type)
        # The serial labels: one labels.printed for the batch; the LOT label: its outcome
        # (PRINTER-01 may have no printer listening: then a labels.failed).
        labels = run.per_type[ev.LABELS_PRINTED] + run.per_type[ev.LABELS_FAILED]
        assert 2 <= labels <= 3, run.per_type
        # Alerts are about the line, raised once per condition (the LOT label's printer
        # being down, say), never per unit: counted apart.
        alerts = sum(n for t, n in run.per_type.items() if t in ALERT_TYPES)
        assert alerts <= 2, run.per_type
        total = sum(run.per_type.values()) - alerts
        assert total <= 3 * PROCESSES, (run.quantity, total, run.per_type)
        # Nothing per unit: the retired streams got nothing.
        assert not {t: n for t, n in run.added.items() if t in ev.RETIRED}, run.added
        # XLEN over every stream: what the run added is this LOT's events (give or take
        # another test's straggler), not a multiple of its units. Label outcomes are left
        # out here: earlier tests' jobs for printers nobody listens on keep failing in the
        # background (this LOT's own label events are counted above, from their payloads).
        assert _beside_labels(run.added) <= 3 * PROCESSES + 3, run.added

    def production(run: Run) -> int:
        return sum(n for t, n in run.per_type.items() if t not in ALERT_TYPES)

    assert production(big) - production(small) <= 1
    assert _beside_labels(big.added) - _beside_labels(small.added) <= 3


ALERT_TYPES = (ev.ALERT_RAISED, ev.ALERT_ACKNOWLEDGED, ev.ALERT_RESOLVED, ev.PRINTER_STATUS_CHANGED)


def _beside_labels(added: Counter) -> int:
    """What a run added, beside label outcomes and the alerts they raise."""
    left_out = (ev.LABELS_PRINTED, ev.LABELS_FAILED, *ALERT_TYPES)
    return sum(n for t, n in added.items() if t not in left_out)


def test_every_serial_and_label_is_in_the_payloads(stack: Stack, runs: dict[int, Run]) -> None:
    lot = runs[100].lot
    client = redis.Redis.from_url(stack.redis_url or "")
    try:

        def about(stream: str) -> list[dict]:
            envs = [Envelope.from_json(f[DATA_FIELD.encode()]) for _, f in client.xrange(stream)]
            return [e.data for e in envs if e.data.get("lot_number") == lot]

        serials = [f"{lot}-{i:04d}" for i in range(1, 101)]
        [allocated] = about(ev.SERIALS_ALLOCATED)
        assert [s["serial_number"] for s in allocated["serials"]] == serials
        assert allocated["station_id"] == STATION  # label-service needs no process.started
        moves = about(ev.SERIALS_STATUS_CHANGED)
        assert [(m["process_id"], [s["serial_number"] for s in m["serials"]]) for m in moves] == [
            ("PROC-007", serials),
            ("PROC-008", serials),
        ]
        assert {(s["from_status"], s["to_status"]) for s in moves[0]["serials"]} == {
            ("CREATED", "IN_PROGRESS")
        }
        assert {(s["from_status"], s["to_status"]) for s in moves[1]["serials"]} == {
            ("IN_PROGRESS", "PASSED")
        }
        printed = [x for b in about(ev.LABELS_PRINTED) for x in b["labels"]]
        assert sorted(x["serial_number"] for x in printed if x["label_type"] == "SERIAL") == serials
        assert {x["printer_id"] for x in printed if x["label_type"] == "SERIAL"} == {PRINTER}
    finally:
        client.close()


def _audit(admin: Client, **filters: str) -> list[dict]:
    r = admin.get("/api/v1/audit", params={**filters, "limit": 50})
    assert r.status_code == 200, r.text
    return r.json()["data"]["items"]


def test_the_audit_trail_records_every_serial_and_label_of_a_batch(
    admin: Client, runs: dict[int, Run]
) -> None:
    """One audit row per batch event, holding every unit's old → new value."""
    lot = runs[100].lot
    serials = {f"{lot}-{i:04d}" for i in range(1, 101)}
    rows = eventually(
        lambda: (
            (e := _audit(admin, entity_type="lot_serial_statuses", entity_id=lot))
            and len(e) == 2
            and e
        ),
        timeout=30,
    )
    passed, moved = rows  # newest first
    assert moved["event_type"] == "serials.status_changed" and moved["action"] == "update"
    assert moved["old_values"] == dict.fromkeys(serials, "CREATED")
    assert moved["new_values"] == dict.fromkeys(serials, "IN_PROGRESS")
    assert passed["old_values"] == dict.fromkeys(serials, "IN_PROGRESS")
    assert passed["new_values"] == dict.fromkeys(serials, "PASSED")
    assert passed["service"] == "lot-service" and passed["worker_id"] == "W001"

    labels = eventually(lambda: _audit(admin, entity_type="lot_labels", entity_id=lot))
    outcomes = [v for row in labels for v in row["new_values"].values()]
    sent = {v["serial_number"] for v in outcomes if v["label_type"] == "SERIAL"}
    assert sent == serials
    assert {v["state"] for v in outcomes if v["label_type"] == "SERIAL"} == {"sent"}
    assert len(labels) <= 3  # the serial batch and the LOT label's outcome(s)
    assert admin.get("/api/v1/audit/verify").json()["data"]["valid"] is True


def test_a_person_marking_one_unit_is_one_event_of_one_serial(
    stack: Stack, admin: Client, manager: Client, viewer: Client, runs: dict[int, Run]
) -> None:
    lot = runs[3].lot
    serial = f"{lot}-0002"
    r = manager.patch(f"/api/v1/serials/{serial}", json={"status": "FAILED", "reason": "dropped"})
    assert r.status_code == 200, r.text
    eventually(
        lambda: viewer.get(f"/api/v1/trace/serials/{serial}").json()["data"]["status"] == "FAILED"
    )
    [row] = eventually(
        lambda: [
            e
            for e in _audit(admin, entity_type="lot_serial_statuses", entity_id=lot)
            if e["new_values"] == {serial: "FAILED"}
        ]
    )
    assert row["old_values"] == {serial: "PASSED"} and row["user_id"] == "manager"


def _retired(type_: str, data: dict, subject: str) -> dict[str, bytes]:
    env = ev.make_event(
        type_,
        data,
        source=ev.EVENT_PRODUCERS[type_],
        subject=subject,
        actor=Actor(user_id="legacy", role="quality_manager"),
        retired=True,
    )
    return encode_entry(env)


def test_entries_of_the_retired_per_unit_types_are_still_applied(
    stack: Stack, admin: Client, viewer: Client, manager: Client, runs: dict[int, Run]
) -> None:
    """An upgrade of a running plant leaves per-unit entries in the streams: trace-service
    and the audit trail apply them for one release (ADR 0012)."""
    lot = runs[3].lot
    serial = f"{lot}-0003"
    [job] = [j for j in _jobs(manager, lot) if j["serial_number"] == serial]
    later = datetime.now(UTC) + timedelta(seconds=1)
    client = redis.Redis.from_url(stack.redis_url or "")
    try:
        change = {
            "serial_number": serial,
            "lot_number": lot,
            "from_status": "PASSED",
            "to_status": "FAILED",
            "changed_at": later.isoformat(),
            "reason": "published before the upgrade",
        }
        client.xadd(ev.SERIAL_STATUS_CHANGED, _retired(ev.SERIAL_STATUS_CHANGED, change, serial))
        printed = {
            "job_id": job["job_id"],
            "label_type": "SERIAL",
            "lot_number": lot,
            "serial_number": serial,
            "printer_id": PRINTER,
            "printed_at": later.isoformat(),
        }
        client.xadd(ev.LABEL_PRINTED, _retired(ev.LABEL_PRINTED, printed, serial))
    finally:
        client.close()
    eventually(
        lambda: viewer.get(f"/api/v1/trace/serials/{serial}").json()["data"]["status"] == "FAILED"
    )
    [row] = eventually(lambda: _audit(admin, entity_type="serial", entity_id=serial))
    assert row["event_type"] == "serial.status_changed" and row["new_values"] == {
        "status": "FAILED"
    }
    [row] = eventually(lambda: _audit(admin, entity_type="label_job", entity_id=job["job_id"]))
    assert row["event_type"] == "label.printed" and row["new_values"]["serial_number"] == serial
    used = [ev.SERIAL_STATUS_CHANGED, ev.LABEL_PRINTED]
    eventually(lambda: streams_consumed(stack.redis_url or "", used))
    r = redis.Redis.from_url(stack.redis_url or "")
    try:
        assert all(r.xlen(f"{t}.dlq") == 0 for t in used)
    finally:
        r.close()
