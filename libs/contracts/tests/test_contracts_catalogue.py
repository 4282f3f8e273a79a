"""Routing data and the generated catalogue."""

from __future__ import annotations

import json

import pytest
from mes_contracts import catalogue
from mes_contracts import events as ev
from mes_contracts.process_data_models import PROCESS_DATA_MODELS
from mes_contracts.routing import DEFAULT_ROUTING, is_last_step, previous_step, step_for

pytestmark = pytest.mark.unit


def test_default_routing() -> None:
    assert [s.sequence for s in DEFAULT_ROUTING] == list(range(1, 9))
    assert [s.process_id for s in DEFAULT_ROUTING] == [f"PROC-00{i}" for i in range(1, 9)]
    assert step_for("PROC-003").name_ko == "센서 검사"
    assert previous_step(step_for("PROC-001")) is None
    assert previous_step(step_for("PROC-004")).process_id == "PROC-003"
    assert is_last_step(step_for("PROC-008"))
    assert [s.process_id for s in DEFAULT_ROUTING if s.allocates_serials] == ["PROC-007"]
    assert [s.process_id for s in DEFAULT_ROUTING if s.requires_firmware] == ["PROC-004"]


def test_routing_summary_matches_the_models() -> None:
    for step in DEFAULT_ROUTING:
        model = PROCESS_DATA_MODELS[step.process_id]
        required = [n for n, f in model.model_fields.items() if f.is_required()]
        assert [f.split("{")[0].split("[")[0] for f in step.required_fields] == required


def test_rendering_names_the_given_consumers() -> None:
    """The generator (mes_cli.catalogue) passes each stream's consumers from the services'
    subscriptions; a stream nobody consumes says so."""
    consumers = {ev.LOT_CREATED: ("label-service", "trace-service")}
    text = catalogue.render_markdown(consumers)
    assert "- consumers: label-service, trace-service" in text
    assert "- consumers: — (integrators only)" in text
    doc = json.loads(catalogue.render_asyncapi(consumers))
    described = {k: v.get("description", "") for k, v in doc["channels"].items()}
    assert described[ev.LOT_CREATED].endswith("Consumers: label-service, trace-service.")
    assert described[ev.PRINTER_UPDATED].endswith("Consumers: integrators only.")
