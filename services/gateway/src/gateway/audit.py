"""The audit trail: every create/update/delete of every service, built from the events
(which carry the actor), kept append-only and hash-chained.

One row per event. A batch event (ADR 0012) is one row on its LOT's entity that holds every
unit it changed: `serials.status_changed` → `lot_serial_statuses` / LOT number, values
keyed by serial number (old_values = each serial's status before, new_values = after);
`labels.printed` / `labels.failed` → `lot_labels` / LOT number, values keyed by job id
(each label's outcome: state, printer, attempt, error).

Each row's hash covers its content and the previous row's hash, so editing or deleting
any row breaks the chain from there on (`verify_chain`). A database trigger refuses
UPDATE and DELETE on the table (see migration 0002).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mes_contracts import events as ev
from mes_contracts.envelope import Envelope
from servicekit.db import raw
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import audit_log

GENESIS_HASH = "0" * 64
_CHAIN_LOCK = 0x4D45_5341  # advisory lock id serializing appends to the chain


@dataclass(frozen=True)
class Change:
    entity_type: str
    entity_id: str
    action: str  # create | update | delete
    values: dict[str, Any]  # the entity's fields this event sets
    before: dict[str, Any] | None = None  # what the event says they were (batch events)


def _fields(*keys: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda d: {k: d.get(k) for k in keys if k in d}


def _everything(d: dict[str, Any]) -> dict[str, Any]:
    return dict(d)


def _serial_statuses(d: dict[str, Any]) -> dict[str, Any]:
    return {s["serial_number"]: s["to_status"] for s in d["serials"]}


def _label_state(label: dict[str, Any], at: str) -> str:
    if at == "printed_at":
        return "sent"
    return "retrying" if label.get("will_retry") else "failed"


def _label_outcomes(at: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Each label of a labels.printed / labels.failed, by job id: its state as the job list
    shows it (sent, retrying, failed), when, and everything the event says of it."""
    return lambda d: {
        str(x["job_id"]): {"state": _label_state(x, at), at: d[at], **x} for x in d["labels"]
    }


# event type → (entity type, id field, action, which fields of the entity it sets)
MAPPING: dict[str, tuple[str, str, str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    ev.LOT_CREATED: ("lot", "lot_number", "create", _everything),
    ev.LOT_STATUS_CHANGED: (
        "lot",
        "lot_number",
        "update",
        lambda d: {"status": d["to_status"], "status_reason": d.get("reason")},
    ),
    ev.SERIALS_ALLOCATED: (
        "lot_serials",
        "lot_number",
        "create",
        lambda d: {
            "serials": [s["serial_number"] for s in d["serials"]],
            "reason": d.get("reason"),
            "replacement_reason": d.get("replacement_reason"),
        },
    ),
    ev.SERIALS_STATUS_CHANGED: ("lot_serial_statuses", "lot_number", "update", _serial_statuses),
    # who closed the LOT, why, and whether steps were still open (ADR 0025)
    ev.LOT_CLOSE_ACCEPTED: ("lot_close", "lot_number", "create", _everything),
    ev.PROCESS_STARTED: ("process_record", "work_order_id", "create", _everything),
    ev.PROCESS_COMPLETED: (
        "process_record",
        "work_order_id",
        "update",
        _fields(
            "complete_time", "result", "process_data", "defects", "component_lots", "worker_id"
        ),
    ),
    # Holds and NCRs (ADR 0023): the LOT's hold is one entity, each NCR another.
    ev.LOT_HELD: (
        "lot_hold",
        "lot_number",
        "update",
        lambda d: {"on_hold": True, "ncr_number": d["ncr_number"], "process_id": d["process_id"]},
    ),
    ev.LOT_RELEASED: (
        "lot_hold",
        "lot_number",
        "update",
        lambda d: {"on_hold": False, "ncr_number": d["ncr_number"], "cause": d["cause"]},
    ),
    ev.NCR_OPENED: ("ncr", "ncr_number", "create", _everything),
    ev.NCR_CLOSED: (
        "ncr",
        "ncr_number",
        "update",
        _fields(
            "disposition",
            "reason",
            "rework_from",
            "scrap_count",
            "scrap_serials",
            "closed_at",
            "closed_by",
        ),
    ),
    ev.LABELS_PRINTED: (
        "lot_labels",
        "lot_number",
        "update",
        _label_outcomes("printed_at"),
    ),
    ev.LABELS_FAILED: (
        "lot_labels",
        "lot_number",
        "update",
        _label_outcomes("failed_at"),
    ),
    ev.FIRMWARE_UPLOADED: ("firmware", "version", "create", _everything),
    ev.FIRMWARE_RELEASED: (
        "firmware",
        "version",
        "update",
        lambda d: {"state": "RELEASED", "released_by": d.get("released_by")},
    ),
    ev.FIRMWARE_ROLLED_BACK: (
        "firmware",
        "withdrawn_version",
        "update",
        lambda d: {
            "state": "WITHDRAWN",
            "reason": d.get("reason"),
            "replaced_by": d.get("version"),
        },
    ),
    # A download creates a download record in firmware-service: who fetched which build
    # for which station, from where (ADR 0009).
    ev.FIRMWARE_DOWNLOADED: ("firmware_download", "download_id", "create", _everything),
    ev.USER_CREATED: ("user", "username", "create", _everything),
    ev.USER_UPDATED: ("user", "username", "update", _everything),
    ev.USER_DEACTIVATED: ("user", "username", "delete", _everything),
    ev.PRINTER_REGISTERED: ("printer", "printer_id", "create", _everything),
    ev.PRINTER_UPDATED: ("printer", "printer_id", "update", _everything),
    # The alerts centre: raised by a rule, acknowledged by a person (who, when, note),
    # resolved when its condition cleared. What a reader of the trail needs, in words: the
    # rule's codes and condition key stay in the alert itself.
    ev.ALERT_RAISED: (
        "alert",
        "alert_id",
        "create",
        _fields("severity", "subject_type", "subject_id", "message", "raised_at"),
    ),
    ev.ALERT_ACKNOWLEDGED: (
        "alert",
        "alert_id",
        "update",
        _fields("acknowledged_by", "acknowledged_at", "note"),
    ),
    ev.ALERT_RESOLVED: ("alert", "alert_id", "update", _fields("resolved_at")),
    # A check's SPC control limits, reset by a quality or production manager (ADR 0026).
    ev.SPC_LIMITS_SET: ("spc_limits", "check", "update", _everything),
    # retired per-unit types (ADR 0012): entries published before the upgrade, one release
    ev.SERIAL_STATUS_CHANGED: (
        "serial",
        "serial_number",
        "update",
        lambda d: {"status": d["to_status"]},
    ),
    ev.LABEL_PRINTED: ("label_job", "job_id", "update", _everything),
    ev.LABEL_FAILED: ("label_job", "job_id", "update", _everything),
}
#: event type → the values the event says its entity had before it (each serial's
#: from_status), so old_values are right even for a LOT's first change
BEFORE: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    ev.SERIALS_STATUS_CHANGED: lambda d: {
        s["serial_number"]: s.get("from_status") for s in d["serials"]
    },
}
AUDITED_STREAMS = tuple(MAPPING)
_CREATED_BY_EVENT = frozenset(
    entity for entity, _, action, _ in MAPPING.values() if action == "create"
)


def change_of(event: Envelope) -> Change | None:
    spec = MAPPING.get(event.type)
    if spec is None:
        return None
    entity_type, id_field, action, project = spec
    entity_id = event.data.get(id_field)
    if entity_id is None:  # an event from before its id field existed: its own id is unique
        entity_id = event.id
    before = BEFORE.get(event.type)
    data = event.data
    return Change(
        entity_type, str(entity_id), action, project(data), before(data) if before else None
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def row_hash(row: dict[str, Any]) -> str:
    """SHA-256 over the row's content (everything but `hash`), canonical JSON."""
    content = {k: v for k, v in row.items() if k != "hash"}
    for key in ("occurred_at", "recorded_at"):
        if isinstance(content.get(key), datetime):
            content[key] = _iso(content[key])
    content["event_id"] = str(content["event_id"])
    canonical = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_TIP = "audit_chain_tip"

# Raw asyncpg, one prepared statement each (ADR 0014).
_LOCK = "SELECT pg_advisory_xact_lock($1)"
_LAST = "SELECT seq, hash FROM gateway.audit_log ORDER BY seq DESC LIMIT 1"
_STATE = "SELECT state::text FROM gateway.audit_entities WHERE entity_type = $1 AND entity_id = $2"
# The row and the entity's new state in one statement.
_APPEND_COLUMNS = (
    "seq",
    "event_id",
    "occurred_at",
    "recorded_at",
    "service",
    "event_type",
    "entity_type",
    "entity_id",
    "action",
    "user_id",
    "role",
    "worker_id",
    "source_ip",
    "correlation_id",
)
_APPEND = """
WITH appended AS (
  INSERT INTO gateway.audit_log (seq, event_id, occurred_at, recorded_at, service, event_type,
                                 entity_type, entity_id, action, user_id, role, worker_id,
                                 source_ip, correlation_id, old_values, new_values, prev_hash,
                                 hash)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text::jsonb,
          $16::text::jsonb, $17, $18)
)
INSERT INTO gateway.audit_entities (entity_type, entity_id, state, deleted)
VALUES ($7, $8, $19::text::jsonb, $20)
ON CONFLICT (entity_type, entity_id) DO UPDATE SET state = EXCLUDED.state,
                                                   deleted = EXCLUDED.deleted
"""


async def _chain_tip(session: AsyncConnection) -> tuple[int, str] | None:
    """The last row of the chain, under the chain's lock. Events consumed in one batch share
    a transaction: the lock is taken and the tip read once, then carried along."""
    transaction = session.sync_connection.get_transaction()  # type: ignore[union-attr]
    carried = session.info.get(_TIP)
    if carried is not None and carried[0] is transaction:
        return carried[1]
    conn = await raw(session)
    await conn.execute(_LOCK, _CHAIN_LOCK)
    # A statement of its own: its snapshot is taken once the lock is held, so it sees the
    # rows the previous holder committed.
    tip = await conn.fetchrow(_LAST)
    return (tip["seq"], tip["hash"]) if tip else None


async def record(session: AsyncConnection, event: Envelope) -> None:
    """Consumer handler: one audit row per entity change, chained to the previous row."""
    change = change_of(event)
    if change is None:
        return
    # The chain's lock first: every writer of audit_entities holds it, so the state read
    # next is the latest.
    tip = await _chain_tip(session)
    conn = await raw(session)
    stored = await conn.fetchval(_STATE, change.entity_type, change.entity_id)
    previous = json.loads(stored) if stored is not None else None
    if previous is None and change.action != "create" and change.entity_type in _CREATED_BY_EVENT:
        # Streams are per event type, so an update can overtake its entity's create.
        # Refuse for now: the reclaimer retries it after the create is recorded.
        raise LookupError(f"{change.entity_type} {change.entity_id}: create not audited yet")
    # What a batch event says its units were wins (their producer saw it under its lock).
    known = previous if previous is not None else change.before
    old_state = {**(previous or {}), **(change.before or {})}
    new_state = {**old_state, **change.values} if change.action != "create" else dict(change.values)
    changed = sorted(k for k in new_state if old_state.get(k) != new_state.get(k))
    old_values = {k: old_state.get(k) for k in changed} if known is not None else None
    new_values = {k: new_state[k] for k in changed}
    actor = event.actor
    row = {
        "seq": (tip[0] + 1) if tip else 1,
        "event_id": event.id,
        "occurred_at": event.time,
        "recorded_at": datetime.now(UTC),
        "service": event.source,
        "event_type": event.type,
        "entity_type": change.entity_type,
        "entity_id": change.entity_id,
        "action": change.action,
        "user_id": actor.user_id if actor else None,
        "role": actor.role if actor else None,
        "worker_id": actor.worker_id if actor else None,
        "source_ip": actor.source_ip if actor else None,
        "correlation_id": event.correlation_id,
        "old_values": old_values,
        "new_values": new_values,
        "prev_hash": tip[1] if tip else GENESIS_HASH,
    }
    row["hash"] = row_hash(row)
    await conn.execute(
        _APPEND,
        *(row[k] for k in _APPEND_COLUMNS),
        json.dumps(old_values),
        json.dumps(new_values),
        row["prev_hash"],
        row["hash"],
        json.dumps(new_state),
        change.action == "delete",
    )
    session.info[_TIP] = (session.sync_connection.get_transaction(), (row["seq"], row["hash"]))  # type: ignore[union-attr]


async def verify_chain(
    session: AsyncConnection, batch: int = 5000, after: tuple[int, str] = (0, GENESIS_HASH)
) -> dict[str, Any]:
    """Recompute every hash in order (from the row after `after`, a known good (seq, hash));
    report the first row that does not match, and the tip reached."""
    last_seq, expected_prev = after
    checked = 0
    while True:
        rows = (
            await session.execute(
                select(audit_log)
                .where(audit_log.c.seq > last_seq)
                .order_by(audit_log.c.seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            return {
                "valid": True,
                "rows_checked": checked,
                "first_broken_seq": None,
                "tip": {"seq": last_seq, "hash": expected_prev},
            }
        for r in rows:
            row = dict(r._mapping)
            if (
                row["seq"] != last_seq + 1
                or row["prev_hash"] != expected_prev
                or row_hash(row) != row["hash"]
            ):
                reason = "gap in sequence" if row["seq"] != last_seq + 1 else "hash mismatch"
                return {
                    "valid": False,
                    "rows_checked": checked,
                    "first_broken_seq": last_seq + 1,
                    "reason": reason,
                    "tip": None,
                }
            expected_prev = row["hash"]
            last_seq = row["seq"]
            checked += 1


async def hash_at(session: AsyncConnection, seq: int) -> str | None:
    """The stored hash of row `seq` (seq 0 is the genesis)."""
    if seq == 0:
        return GENESIS_HASH
    return (
        await session.execute(select(audit_log.c.hash).where(audit_log.c.seq == seq))
    ).scalar_one_or_none()


async def newest_row(session: AsyncConnection) -> tuple[int, str]:
    """(seq, hash) of the chain's last row, (0, genesis) when it is empty."""
    tip = (
        await session.execute(
            select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        )
    ).first()
    return (tip.seq, tip.hash) if tip else (0, GENESIS_HASH)
