"""The audit trail's pure parts: which entity change an event is (`change_of`) and the row
hash that chains the rows (`row_hash`). Appending under the chain's lock and walking the
chain (`record`, `verify_chain`) read and write the table: test_audit_chain_sql covers them."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from gateway.audit import AUDITED_STREAMS, GENESIS_HASH, change_of, row_hash
from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from mes_contracts.examples import EXAMPLES

pytestmark = pytest.mark.unit

LOT = "WF-KR-251110D-001"


def event(type_: str, **data: Any) -> Envelope:
    return Envelope(type=type_, source="test", data={**EXAMPLES[type_], **data})


@pytest.mark.parametrize(
    ("type_", "entity_type", "entity_id", "action"),
    [
        (ev.LOT_CREATED, "lot", LOT, "create"),
        (ev.LOT_STATUS_CHANGED, "lot", LOT, "update"),
        (ev.SERIALS_ALLOCATED, "lot_serials", LOT, "create"),
        (ev.SERIALS_STATUS_CHANGED, "lot_serial_statuses", LOT, "update"),
        (ev.PROCESS_STARTED, "process_record", "WO-20251110-003", "create"),
        (ev.LOT_HELD, "lot_hold", LOT, "update"),
        (ev.LOT_RELEASED, "lot_hold", LOT, "update"),
        (ev.NCR_OPENED, "ncr", "NCR-251110-001", "create"),
        (ev.NCR_CLOSED, "ncr", "NCR-251110-001", "update"),
        (ev.FIRMWARE_UPLOADED, "firmware", "v1.2.3", "create"),
        (ev.USER_CREATED, "user", "kim.w001", "create"),
        (ev.USER_DEACTIVATED, "user", "kim.w001", "delete"),
        (ev.PRINTER_REGISTERED, "printer", "PRINTER-07", "create"),
    ],
)
def test_an_event_is_one_change_of_one_entity(
    type_: str, entity_type: str, entity_id: str, action: str
) -> None:
    change = change_of(event(type_))
    assert change is not None
    assert (change.entity_type, change.entity_id, change.action) == (
        entity_type,
        entity_id,
        action,
    )


@pytest.mark.parametrize("type_", AUDITED_STREAMS)
def test_every_audited_type_maps_its_example(type_: str) -> None:
    change = change_of(event(type_))
    assert (
        change is not None
        and change.entity_id
        and change.action
        in {
            "create",
            "update",
            "delete",
        }
    )


def test_events_that_change_no_entity_are_not_audited() -> None:
    assert ev.ROUTING_UPDATED not in AUDITED_STREAMS
    assert change_of(event(ev.ROUTING_UPDATED)) is None


def test_an_event_without_its_id_field_is_its_own_entity() -> None:
    old = Envelope(type=ev.LOT_STATUS_CHANGED, source="test", data={"to_status": "CLOSED"})
    change = change_of(old)
    assert change is not None and change.entity_id == str(old.id)


def test_batch_events_carry_each_units_before_and_after() -> None:
    change = change_of(event(ev.SERIALS_STATUS_CHANGED))
    assert change is not None
    assert change.values == {f"{LOT}-0001": "PASSED", f"{LOT}-0002": "PASSED"}
    assert change.before == {f"{LOT}-0001": "IN_PROGRESS", f"{LOT}-0002": "IN_PROGRESS"}
    status = change_of(event(ev.LOT_STATUS_CHANGED, reason="manager closed"))
    assert status is not None
    assert status.values == {"status": "IN_PROGRESS", "status_reason": "manager closed"}
    assert status.before is None


KST = timezone(timedelta(hours=9))
ROW: dict[str, Any] = {
    "seq": 7,
    "event_id": uuid.UUID("3f2b8a9e-0d4c-4a51-9e0f-6a1d2b3c4d5e"),
    "occurred_at": datetime(2025, 11, 10, 0, 0, tzinfo=UTC),
    "recorded_at": datetime(2025, 11, 10, 0, 0, 1, tzinfo=UTC),
    "service": "lot-service",
    "event_type": ev.LOT_STATUS_CHANGED,
    "entity_type": "lot",
    "entity_id": LOT,
    "action": "update",
    "user_id": "manager01",
    "role": "manager",
    "worker_id": None,
    "source_ip": "10.0.0.5",
    "correlation_id": "req-1",
    "old_values": {"status": "CREATED"},
    "new_values": {"status": "IN_PROGRESS"},
    "prev_hash": GENESIS_HASH,
}
BASE = row_hash(ROW)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seq", 8),
        ("event_id", uuid.uuid4()),
        ("occurred_at", ROW["occurred_at"] + timedelta(microseconds=1)),
        ("recorded_at", ROW["recorded_at"] + timedelta(seconds=1)),
        ("service", "process-service"),
        ("event_type", ev.LOT_CREATED),
        ("entity_type", "lot_serials"),
        ("entity_id", "WF-KR-251110D-002"),
        ("action", "delete"),
        ("user_id", "admin"),
        ("role", "admin"),
        ("worker_id", "W001"),
        ("source_ip", "10.0.0.6"),
        ("correlation_id", "req-2"),
        ("old_values", {"status": "COMPLETED"}),
        ("new_values", {"status": "CLOSED"}),
        ("new_values", None),
        ("prev_hash", "f" * 64),  # the link: a row cannot be moved to another place
    ],
)
def test_the_hash_covers_every_field(field: str, value: Any) -> None:
    assert row_hash({**ROW, field: value}) != BASE


@pytest.mark.parametrize(
    "same",
    [
        {**ROW, "hash": "anything"},  # the stored hash is not part of its own content
        dict(reversed(ROW.items())),  # key order does not count
        {**ROW, "event_id": str(ROW["event_id"])},  # as read back from the table
        {**ROW, "occurred_at": ROW["occurred_at"].astimezone(KST)},  # the instant counts
        {**ROW, "recorded_at": ROW["recorded_at"].isoformat()},
    ],
)
def test_the_hash_is_of_the_content_not_its_representation(same: dict[str, Any]) -> None:
    assert row_hash(same) == BASE


def test_a_chain_breaks_at_the_first_edited_row() -> None:
    """Each row's hash covers the previous row's: recomputing finds the first edit."""
    rows = []
    prev = GENESIS_HASH
    for seq in range(1, 6):
        row = {**ROW, "seq": seq, "event_id": uuid.uuid4(), "prev_hash": prev}
        row["hash"] = prev = row_hash(row)
        rows.append(row)
    rows[2]["new_values"] = {"status": "CLOSED"}  # an edit in place, hash left as it was
    broken = [r["seq"] for r in rows if row_hash(r) != r["hash"]]
    assert broken == [3]
    rows[2]["hash"] = row_hash(rows[2])  # re-hashing the edited row moves the break on
    pairs = itertools.pairwise(rows)
    assert [r["seq"] for r, nxt in pairs if nxt["prev_hash"] != r["hash"]] == [3]
