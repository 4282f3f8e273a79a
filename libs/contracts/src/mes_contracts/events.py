"""Event catalogue: type strings, payload registry, producers, helpers. Who consumes a
stream is each service's own declared fact (`<package>.subscriptions`), not kept here.

Stream name == event type string. Build events with `make_event` (validates the payload
against its registered model) and read them back with `parse_payload`.

Events are coarse: one per fact a person would name ("serials of LOT X passed", "labels
of LOT X printed"), each listing every unit it concerns (ADR 0012). The per-unit types it
replaced are `RETIRED`: still registered so entries already in the streams stay readable,
consumed for one more release, never published again (`make_event` refuses them).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from mes_contracts.envelope import Actor, Envelope
from mes_contracts.payloads import *  # noqa: F403 - re-exported payload models
from mes_contracts.payloads import ALL_PAYLOADS, EventPayload
from mes_contracts.payloads import __all__ as _payload_names
from mes_contracts.wire import dead_letter_stream, is_dead_letter_stream

LOT_CREATED = "lot.created"
LOT_STATUS_CHANGED = "lot.status_changed"
SERIALS_ALLOCATED = "serials.allocated"
SERIALS_STATUS_CHANGED = "serials.status_changed"
PROCESS_STARTED = "process.started"
PROCESS_COMPLETED = "process.completed"
ROUTING_UPDATED = "routing.updated"
LOT_CLOSE_ACCEPTED = "lot.close_accepted"
LOT_HELD = "lot.held"
LOT_RELEASED = "lot.released"
NCR_OPENED = "ncr.opened"
NCR_CLOSED = "ncr.closed"
LABELS_PRINTED = "labels.printed"
LABELS_FAILED = "labels.failed"
FIRMWARE_UPLOADED = "firmware.uploaded"
FIRMWARE_RELEASED = "firmware.released"
FIRMWARE_ROLLED_BACK = "firmware.rolled_back"
FIRMWARE_DOWNLOADED = "firmware.downloaded"
USER_CREATED = "user.created"
USER_UPDATED = "user.updated"
USER_DEACTIVATED = "user.deactivated"
PRINTER_REGISTERED = "printer.registered"
PRINTER_UPDATED = "printer.updated"
PRINTER_STATUS_CHANGED = "printer.status_changed"
ALERT_RAISED = "alert.raised"
ALERT_ACKNOWLEDGED = "alert.acknowledged"
ALERT_RESOLVED = "alert.resolved"
SPC_LIMITS_SET = "spc.limits_set"
SPC_VIOLATION_FOUND = "spc.violation_found"
# Retired per-unit types (ADR 0012): read-only, see RETIRED.
SERIAL_STATUS_CHANGED = "serial.status_changed"
LABEL_PRINTED = "label.printed"
LABEL_FAILED = "label.failed"

#: Retired type → the type producers publish instead. Consumers keep reading the retired
#: streams for one release after 0012 (entries published before an upgrade); the release
#: after drops them.
RETIRED: dict[str, str] = {
    SERIAL_STATUS_CHANGED: SERIALS_STATUS_CHANGED,
    LABEL_PRINTED: LABELS_PRINTED,
    LABEL_FAILED: LABELS_FAILED,
}

#: Every (type, version) ever published → payload model. Old versions stay readable.
EVENT_MODELS: dict[tuple[str, int], type[EventPayload]] = {
    (m.event_type, m.event_version): m for m in ALL_PAYLOADS
}
#: Event type → payload model of the version producers publish today.
EVENT_TYPES: dict[str, type[EventPayload]] = {}
for _model in ALL_PAYLOADS:
    _current = EVENT_TYPES.get(_model.event_type)
    if _current is None or _model.event_version > _current.event_version:
        EVENT_TYPES[_model.event_type] = _model
#: Event type → version producers publish today.
EVENT_VERSIONS: dict[str, int] = {t: m.event_version for t, m in EVENT_TYPES.items()}
#: One stream per event type, named after it (the retired ones last: they still hold
#: entries from before the upgrade).
ALL_STREAMS: list[str] = list(EVENT_TYPES)
#: The streams producers publish to today.
PUBLISHED_TYPES: list[str] = [t for t in ALL_STREAMS if t not in RETIRED]

_LOT = "lot-service"
_PROCESS = "process-service"
_LABEL = "label-service"
_FIRMWARE = "firmware-service"
_TRACE = "trace-service"
_GATEWAY = "gateway"

#: Event type → the one service that publishes it.
EVENT_PRODUCERS: dict[str, str] = {
    LOT_CREATED: _LOT,
    LOT_STATUS_CHANGED: _LOT,
    SERIALS_ALLOCATED: _LOT,
    SERIALS_STATUS_CHANGED: _LOT,
    PROCESS_STARTED: _PROCESS,
    PROCESS_COMPLETED: _PROCESS,
    ROUTING_UPDATED: _PROCESS,
    LOT_CLOSE_ACCEPTED: _PROCESS,
    LOT_HELD: _PROCESS,
    LOT_RELEASED: _PROCESS,
    NCR_OPENED: _PROCESS,
    NCR_CLOSED: _PROCESS,
    LABELS_PRINTED: _LABEL,
    LABELS_FAILED: _LABEL,
    FIRMWARE_UPLOADED: _FIRMWARE,
    FIRMWARE_RELEASED: _FIRMWARE,
    FIRMWARE_ROLLED_BACK: _FIRMWARE,
    FIRMWARE_DOWNLOADED: _FIRMWARE,
    USER_CREATED: _GATEWAY,
    USER_UPDATED: _GATEWAY,
    USER_DEACTIVATED: _GATEWAY,
    PRINTER_REGISTERED: _LABEL,
    PRINTER_UPDATED: _LABEL,
    PRINTER_STATUS_CHANGED: _LABEL,
    ALERT_RAISED: _TRACE,
    ALERT_ACKNOWLEDGED: _TRACE,
    ALERT_RESOLVED: _TRACE,
    SPC_LIMITS_SET: _TRACE,
    SPC_VIOLATION_FOUND: _TRACE,
    # retired: who published them before ADR 0012
    SERIAL_STATUS_CHANGED: _LOT,
    LABEL_PRINTED: _LABEL,
    LABEL_FAILED: _LABEL,
}


class UnknownEventType(ValueError):
    """No payload model is registered for this event type (or version)."""


class RetiredEventType(ValueError):
    """The type is retired (ADR 0012): it can be read, not published."""


def _model_for(type_: str, version: int | None = None) -> type[EventPayload]:
    model = EVENT_TYPES.get(type_) if version is None else EVENT_MODELS.get((type_, version))
    if model is None:
        suffix = "" if version is None else f" v{version}"
        raise UnknownEventType(f"unknown event type {type_!r}{suffix}")
    return model


def validate_payload(type_: str, data: BaseModel | dict[str, Any]) -> EventPayload:
    """Validate `data` as the current payload of `type_`; unknown keys are refused."""
    model = _model_for(type_)
    if isinstance(data, model):
        return data
    raw = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    return model.model_validate(raw, extra="forbid")


def make_event(
    type_: str,
    data: BaseModel | dict[str, Any],
    *,
    source: str,
    subject: str | None = None,
    actor: Actor | None = None,
    correlation_id: str | None = None,
    traceparent: str | None = None,
    event_id: uuid.UUID | None = None,
    time: datetime | None = None,
    retired: bool = False,
) -> Envelope:
    """Build an envelope after validating `data` against the registered payload model.

    Raises `UnknownEventType` (a ValueError) for an unregistered type, `RetiredEventType`
    (a ValueError) for a retired one unless `retired` (tests and examples of entries from
    before ADR 0012), and pydantic's `ValidationError` (also a ValueError) for an invalid
    payload. `subject` defaults to the LOT / serial / entity id of the payload.
    """
    if type_ in RETIRED and not retired:
        raise RetiredEventType(f"{type_!r} is retired: publish {RETIRED[type_]!r}")
    payload = validate_payload(type_, data)
    fields: dict[str, Any] = {
        "type": type_,
        "version": payload.event_version,
        "source": source,
        "subject": subject if subject is not None else payload.event_subject(),
        "actor": actor,
        "correlation_id": correlation_id,
        "traceparent": traceparent,
        "data": payload.model_dump(mode="json"),
    }
    if event_id is not None:
        fields["id"] = event_id
    if time is not None:
        fields["time"] = time
    return Envelope(**fields)


def parse_payload(env: Envelope) -> EventPayload:
    """The typed payload of an envelope, by its type and version."""
    return _model_for(env.type, env.version).model_validate(env.data)


P = TypeVar("P", bound=EventPayload)


def payload_as(env: Envelope, model: type[P] | tuple[type[P], ...]) -> P:
    """`parse_payload`, checked to be a `model` (one of them, for a handler of several
    types): what a consumer handler reads. A payload that does not validate raises
    pydantic's `ValidationError`; a version whose model is not `model` a `TypeError` (teach
    the handler the new version). Both fail the event: retried, then dead-lettered."""
    payload = parse_payload(env)
    if not isinstance(payload, model):
        models = model if isinstance(model, tuple) else (model,)
        names = " or ".join(m.__name__ for m in models)
        raise TypeError(f"{env.type} v{env.version} is not a {names}")
    return payload


def _summary(model: type[BaseModel]) -> str:
    """First line of a model's docstring."""
    lines = (model.__doc__ or "").strip().splitlines()
    return lines[0] if lines else model.__name__


def _typed_envelope(model: type[EventPayload]) -> type[Envelope]:
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"`{model.event_type}` v{model.event_version} as it travels on its stream.",
        "__annotations__": {
            "type": Literal[model.event_type],  # type: ignore[valid-type]
            "version": Literal[model.event_version],  # type: ignore[valid-type]
            "data": model,
        },
        "model_config": ConfigDict(extra="forbid", title=f"{model.__name__}Event"),
        "type": Field(default=model.event_type, description="Event type = stream name"),
        "version": Field(default=model.event_version, description="Payload schema version"),
        "data": Field(description=_summary(model)),
    }
    return type(f"{model.__name__}Event", (Envelope,), namespace)


#: Event type → envelope model whose `data` is the typed payload (for FastStream
#: handlers: `async def on_lot(event: ENVELOPE_MODELS[LOT_CREATED]) -> None`).
ENVELOPE_MODELS: dict[str, type[Envelope]] = {t: _typed_envelope(m) for t, m in EVENT_TYPES.items()}

__all__ = [
    "ALERT_ACKNOWLEDGED",
    "ALERT_RAISED",
    "ALERT_RESOLVED",
    "ALL_STREAMS",
    "ENVELOPE_MODELS",
    "EVENT_MODELS",
    "EVENT_PRODUCERS",
    "EVENT_TYPES",
    "EVENT_VERSIONS",
    "FIRMWARE_DOWNLOADED",
    "FIRMWARE_RELEASED",
    "FIRMWARE_ROLLED_BACK",
    "FIRMWARE_UPLOADED",
    "LABELS_FAILED",
    "LABELS_PRINTED",
    "LABEL_FAILED",
    "LABEL_PRINTED",
    "LOT_CREATED",
    "LOT_HELD",
    "LOT_RELEASED",
    "LOT_STATUS_CHANGED",
    "NCR_CLOSED",
    "NCR_OPENED",
    "PRINTER_REGISTERED",
    "PRINTER_STATUS_CHANGED",
    "PRINTER_UPDATED",
    "PROCESS_COMPLETED",
    "PROCESS_STARTED",
    "PUBLISHED_TYPES",
    "RETIRED",
    "SERIALS_ALLOCATED",
    "SERIALS_STATUS_CHANGED",
    "SERIAL_STATUS_CHANGED",
    "SPC_LIMITS_SET",
    "SPC_VIOLATION_FOUND",
    "USER_CREATED",
    "USER_DEACTIVATED",
    "USER_UPDATED",
    "RetiredEventType",
    "UnknownEventType",
    "dead_letter_stream",
    "is_dead_letter_stream",
    "make_event",
    "parse_payload",
    "payload_as",
    "validate_payload",
    *_payload_names,
]
