"""How events sit in Redis Streams: entry fields, consumer groups, dead letters.

* One stream per event type; the stream name is the type string (`lot.created`).
* Each entry has exactly one field, `__data__`, holding the envelope JSON (UTF-8) with
  no FastStream framing, so any Redis client can read it (FastStream's default
  `BinaryMessageFormatV1` parser falls back to the raw bytes for such entries).
* Consumer group = the consuming service's name (`trace-service`); consumer name = that
  service's instance (pod / host name). Groups are created at id `0`, not `$`.
* An entry that keeps failing is moved to `<stream>.dlq` with the same `__data__` plus the
  `dlq_*` fields below, then acknowledged on the source stream.
* The idempotency key is the envelope `id`, never the Redis entry id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from mes_contracts.envelope import Envelope

DATA_FIELD = "__data__"
DLQ_SUFFIX = ".dlq"

DLQ_ORIGINAL_STREAM = "dlq_original_stream"
DLQ_ORIGINAL_ID = "dlq_original_id"
DLQ_GROUP = "dlq_group"
DLQ_DELIVERIES = "dlq_deliveries"
DLQ_ERROR = "dlq_error"
DLQ_AT = "dlq_at"
DLQ_FIELDS = (DLQ_ORIGINAL_STREAM, DLQ_ORIGINAL_ID, DLQ_GROUP, DLQ_DELIVERIES, DLQ_ERROR, DLQ_AT)

#: Cut error texts stored in dead-letter entries to this many characters.
DLQ_ERROR_MAX = 2000


def dead_letter_stream(stream: str) -> str:
    """`lot.created` → `lot.created.dlq`."""
    return f"{stream}{DLQ_SUFFIX}"


def is_dead_letter_stream(stream: str) -> bool:
    return stream.endswith(DLQ_SUFFIX)


def consumer_group(service: str) -> str:
    """Consumer group name of a service: the service name itself."""
    return service


def encode_entry(envelope: Envelope) -> dict[str, bytes]:
    """Fields for `XADD <envelope.type> * …`."""
    return {DATA_FIELD: envelope.to_json()}


def decode_entry(fields: Mapping[bytes, bytes] | Mapping[str, bytes | str]) -> Envelope:
    """Envelope of a stream entry as returned by redis-py (bytes or decoded keys)."""
    raw = fields.get(DATA_FIELD.encode())  # type: ignore[call-overload]
    if raw is None:
        raw = fields.get(DATA_FIELD)  # type: ignore[call-overload]
    if raw is None:
        raise ValueError(f"stream entry has no {DATA_FIELD!r} field")
    return Envelope.from_json(raw)


def dead_letter_entry(
    raw: bytes,
    *,
    stream: str,
    entry_id: str,
    group: str,
    deliveries: int,
    error: str,
    at: datetime | None = None,
) -> dict[str, bytes | str]:
    """Fields for `XADD <stream>.dlq * …`: the original `__data__` plus where and why."""
    return {
        DATA_FIELD: raw,
        DLQ_ORIGINAL_STREAM: stream,
        DLQ_ORIGINAL_ID: entry_id,
        DLQ_GROUP: group,
        DLQ_DELIVERIES: str(deliveries),
        DLQ_ERROR: error[:DLQ_ERROR_MAX],
        DLQ_AT: (at or datetime.now(UTC)).isoformat(),
    }
