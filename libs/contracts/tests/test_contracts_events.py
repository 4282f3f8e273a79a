"""Envelope, registry, make_event / parse_payload, wire format."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from mes_contracts import events as ev
from mes_contracts import wire
from mes_contracts.envelope import Actor, Envelope
from mes_contracts.examples import EXAMPLES
from pydantic import ValidationError

pytestmark = pytest.mark.unit


def lot_created() -> ev.LotCreated:
    return ev.LotCreated.model_validate(EXAMPLES[ev.LOT_CREATED])


def test_envelope_round_trip() -> None:
    env = Envelope(
        type="lot.created",
        source="lot-service",
        subject="WF-KR-251110D-001",
        actor=Actor(user_id="mgr", role="production_manager"),
        data={"lot_number": "WF-KR-251110D-001"},
        correlation_id="req-1",
        traceparent="00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    )
    raw = env.to_json()
    assert isinstance(raw, bytes)
    back = Envelope.from_json(raw)
    assert back == env
    assert isinstance(back.id, uuid.UUID) and back.version == 1
    assert Envelope.from_json(raw.decode()) == env


def test_envelope_time_keeps_offset() -> None:
    env = ev.make_event(ev.LOT_CREATED, EXAMPLES[ev.LOT_CREATED], source="lot-service",
                        time=datetime.fromisoformat("2025-11-10T09:00:00+09:00"))  # fmt: skip
    assert json.loads(env.to_json())["time"] == "2025-11-10T09:00:00+09:00"


def test_envelope_rejects_naive_time_and_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        Envelope(type="x", source="y", time=datetime(2025, 1, 1))
    with pytest.raises(ValidationError):
        Envelope.model_validate({"type": "x", "source": "y", "bogus": 1})


def test_make_event_validates_and_dumps_json_mode() -> None:
    env = ev.make_event(ev.LOT_CREATED, lot_created(), source="lot-service")
    assert env.type == "lot.created" and env.version == 1
    assert env.subject == "WF-KR-251110D-001"
    assert env.data["production_date"] == "2025-11-10"
    assert env.data["created_at"] == "2025-11-10T08:30:00+09:00"
    assert ev.make_event(ev.LOT_CREATED, EXAMPLES[ev.LOT_CREATED], source="x").data == env.data


def test_make_event_accepts_python_values() -> None:
    data = {**EXAMPLES[ev.LOT_STATUS_CHANGED], "changed_at": datetime.now(UTC)}
    env = ev.make_event(ev.LOT_STATUS_CHANGED, data, source="lot-service", subject="override")
    assert env.subject == "override"
    assert isinstance(env.data["changed_at"], str)


def test_make_event_rejects_unknown_type() -> None:
    with pytest.raises(ev.UnknownEventType):
        ev.make_event("lot.exploded", {}, source="lot-service")
    with pytest.raises(ValueError):
        ev.make_event("lot.exploded", {}, source="lot-service")


def test_make_event_rejects_invalid_payloads() -> None:
    bad = {**EXAMPLES[ev.LOT_CREATED], "lot_number": "nope"}
    with pytest.raises(ValidationError):
        ev.make_event(ev.LOT_CREATED, bad, source="lot-service")
    with pytest.raises(ValidationError):
        ev.make_event(ev.LOT_CREATED, {**EXAMPLES[ev.LOT_CREATED], "typo": 1}, source="x")
    naive = {**EXAMPLES[ev.PROCESS_STARTED], "start_time": "2025-11-10T09:00:00"}
    with pytest.raises(ValidationError):
        ev.make_event(ev.PROCESS_STARTED, naive, source="process-service")


def test_parse_payload_is_typed_and_tolerates_new_fields() -> None:
    env = ev.make_event(ev.PROCESS_COMPLETED, EXAMPLES[ev.PROCESS_COMPLETED], source="p")
    env.data["added_later"] = True
    payload = ev.parse_payload(Envelope.from_json(env.to_json()))
    assert isinstance(payload, ev.ProcessCompleted)
    assert payload.defects[0].measured == 62.4


def test_parse_payload_unknown_version() -> None:
    env = ev.make_event(ev.LOT_CREATED, EXAMPLES[ev.LOT_CREATED], source="lot-service")
    with pytest.raises(ev.UnknownEventType):
        ev.parse_payload(env.model_copy(update={"version": 99}))


def test_payload_as_checks_the_model_of_the_type_and_version() -> None:
    """What consumer handlers read: typed, one of the models the handler knows, or fails."""
    env = ev.make_event(ev.LOT_CREATED, EXAMPLES[ev.LOT_CREATED], source="lot-service")
    lot = ev.payload_as(Envelope.from_json(env.to_json()), ev.LotCreated)
    assert isinstance(lot.created_at, datetime) and lot.created_at.tzinfo is not None
    v1 = Envelope(type=ev.LABEL_FAILED, version=1, source="x", data=EXAMPLES[ev.LABEL_FAILED])
    assert type(ev.payload_as(v1, (ev.LabelFailedV1, ev.LabelFailed))) is ev.LabelFailedV1
    with pytest.raises(TypeError, match=r"label\.failed v1 is not a LabelFailed$"):
        ev.payload_as(v1, ev.LabelFailed)  # a handler not taught v1
    broken = env.model_copy(update={"data": {**env.data, "created_at": "yesterday"}})
    with pytest.raises(ValidationError):
        ev.payload_as(broken, ev.LotCreated)


def test_registry_is_complete_and_consistent() -> None:
    constants = {v for k, v in vars(ev).items() if k.isupper() and isinstance(v, str) and "." in v}
    assert constants == set(ev.EVENT_TYPES) == set(ev.ALL_STREAMS)
    # 21 + lot.close_accepted, lot.held, lot.released, ncr.opened, ncr.closed (ADR 0023,
    # 0025), printer.status_changed, alert.raised/acknowledged/resolved (ADR 0024),
    # spc.limits_set, spc.violation_found (ADR 0026)
    assert len(ev.ALL_STREAMS) == 32
    assert [*ev.PUBLISHED_TYPES, *ev.RETIRED] == ev.ALL_STREAMS  # the retired ones last
    for type_, model in ev.EVENT_TYPES.items():
        assert model.event_type == type_
        newest = max(v for t, v in ev.EVENT_MODELS if t == type_)
        assert ev.EVENT_VERSIONS[type_] == model.event_version == newest
        assert ev.EVENT_PRODUCERS[type_]
    assert {t: v for t, v in ev.EVENT_VERSIONS.items() if v != 1} == {ev.LABEL_FAILED: 2}
    assert set(EXAMPLES) == set(ev.EVENT_TYPES)


def test_label_failed_v2_may_name_no_printer_and_v1_stays_readable() -> None:
    no_printer = {
        **EXAMPLES[ev.LABEL_FAILED],
        "printer_id": None,
        "error_code": "NO_PRINTER_ASSIGNED",
        "will_retry": False,
    }
    env = ev.make_event(ev.LABEL_FAILED, no_printer, source="label-service", retired=True)
    assert env.version == 2 and ev.parse_payload(env).printer_id is None
    old = env.model_copy(update={"version": 1, "data": EXAMPLES[ev.LABEL_FAILED]})
    assert isinstance(ev.parse_payload(old), ev.LabelFailedV1)
    with pytest.raises(ValidationError):  # v1 always named its printer
        ev.parse_payload(env.model_copy(update={"version": 1}))


@pytest.mark.parametrize("type_", sorted(EXAMPLES))
def test_every_example_makes_a_valid_event(type_: str) -> None:
    retired = type_ in ev.RETIRED
    env = ev.make_event(type_, EXAMPLES[type_], source=ev.EVENT_PRODUCERS[type_], retired=retired)
    assert env.subject
    typed = ev.ENVELOPE_MODELS[type_].model_validate_json(env.to_json())
    assert typed.data == ev.parse_payload(env)


def test_typed_envelope_refuses_other_types() -> None:
    env = ev.make_event(ev.LOT_CREATED, EXAMPLES[ev.LOT_CREATED], source="lot-service")
    with pytest.raises(ValidationError):
        ev.ENVELOPE_MODELS[ev.PROCESS_STARTED].model_validate_json(env.to_json())


def test_subjects() -> None:
    def subject(type_: str) -> str | None:
        return ev.make_event(type_, EXAMPLES[type_], source="x", retired=True).subject

    assert subject(ev.SERIALS_STATUS_CHANGED) == "WF-KR-251110D-001"  # coarse: the LOT
    assert subject(ev.LABELS_PRINTED) == "WF-KR-251110D-001"
    assert subject(ev.LABELS_FAILED) == "WF-KR-251110D-001"
    assert subject(ev.SERIAL_STATUS_CHANGED) == "WF-KR-251110D-001-0001"  # retired per-unit
    assert subject(ev.LABEL_PRINTED) == "WF-KR-251110D-001-0001"
    assert subject(ev.FIRMWARE_RELEASED) == "v1.2.3"
    assert subject(ev.USER_CREATED) == "kim.w001"
    assert subject(ev.PRINTER_UPDATED) == "PRINTER-07"


def test_dead_letter_streams_and_wire_format() -> None:
    assert ev.dead_letter_stream("lot.created") == "lot.created.dlq"
    assert ev.is_dead_letter_stream("lot.created.dlq")
    env = ev.make_event(ev.LOT_CREATED, EXAMPLES[ev.LOT_CREATED], source="lot-service")
    fields = wire.encode_entry(env)
    assert list(fields) == ["__data__"]
    assert wire.decode_entry({b"__data__": fields["__data__"]}) == env
    assert wire.decode_entry({"__data__": fields["__data__"].decode()}) == env
    with pytest.raises(ValueError):
        wire.decode_entry({b"other": b"{}"})
    dlq = wire.dead_letter_entry(
        fields["__data__"], stream="lot.created", entry_id="1-0", group="trace-service",
        deliveries=5, error="x" * 5000,
    )  # fmt: skip
    assert set(dlq) == {"__data__", *wire.DLQ_FIELDS}
    assert len(dlq[wire.DLQ_ERROR]) == wire.DLQ_ERROR_MAX


def test_retired_types_are_read_not_published() -> None:
    """ADR 0012: the per-unit types stay readable (entries from before an upgrade) and are
    consumed for one release; no producer can publish them any more."""
    assert ev.RETIRED == {
        ev.SERIAL_STATUS_CHANGED: ev.SERIALS_STATUS_CHANGED,
        ev.LABEL_PRINTED: ev.LABELS_PRINTED,
        ev.LABEL_FAILED: ev.LABELS_FAILED,
    }
    for old in ev.RETIRED:
        with pytest.raises(ev.RetiredEventType, match="retired"):
            ev.make_event(old, EXAMPLES[old], source=ev.EVENT_PRODUCERS[old])
        env = Envelope(type=old, version=ev.EVENT_VERSIONS[old], source="x", data=EXAMPLES[old])
        assert ev.parse_payload(Envelope.from_json(env.to_json())).event_type == old


def test_batch_events_list_every_unit() -> None:
    serials = [
        {"serial_number": f"WF-KR-251110D-001-{i:04d}", "from_status": "CREATED",
         "to_status": "IN_PROGRESS"}
        for i in range(1, 101)
    ]  # fmt: skip
    data = {"lot_number": "WF-KR-251110D-001", "serials": serials, "changed_at": _NOW}
    env = ev.make_event(ev.SERIALS_STATUS_CHANGED, data, source="lot-service")
    payload = ev.parse_payload(env)
    assert isinstance(payload, ev.SerialsStatusChanged) and len(payload.serials) == 100
    with pytest.raises(ValidationError):  # a batch of nothing is no fact
        ev.make_event(ev.SERIALS_STATUS_CHANGED, {**data, "serials": []}, source="x")
    no_printer = {
        "job_id": "7", "label_type": "SERIAL", "serial_number": serials[0]["serial_number"],
        "printer_id": None, "error_code": "NO_PRINTER_ASSIGNED",
    }  # fmt: skip
    failed = {"lot_number": data["lot_number"], "failed_at": _NOW, "labels": [no_printer]}
    assert ev.parse_payload(ev.make_event(ev.LABELS_FAILED, failed, source="x")).labels[0]
    with pytest.raises(ValidationError):  # a printed label always names its printer
        ev.make_event(
            ev.LABELS_PRINTED,
            {"lot_number": data["lot_number"], "printed_at": _NOW, "labels": [no_printer]},
            source="x",
        )


_NOW = "2025-11-10T15:00:00+09:00"
