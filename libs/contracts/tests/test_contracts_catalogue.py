"""Routing data and the generated catalogue."""

from __future__ import annotations

import json
from pathlib import Path

from mes_contracts import catalogue
from mes_contracts import events as ev
from mes_contracts.process_data_models import PROCESS_DATA_MODELS
from mes_contracts.routing import DEFAULT_ROUTING, is_last_step, previous_step, step_for


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


def test_committed_catalogue_is_current() -> None:
    assert catalogue.main(["--check"]) == 0, "run: uv run python -m mes_contracts.catalogue"


def test_generation_and_check(tmp_path: Path) -> None:
    assert catalogue.main(["--check", "--docs-dir", str(tmp_path)]) == 1
    assert catalogue.main(["--docs-dir", str(tmp_path)]) == 0
    assert catalogue.main(["--check", "--docs-dir", str(tmp_path)]) == 0
    (tmp_path / "events.md").write_text("stale", encoding="utf-8")
    assert catalogue.main(["--check", "--docs-dir", str(tmp_path)]) == 1


def test_asyncapi_document() -> None:
    doc = json.loads(catalogue.render_asyncapi())
    assert doc["asyncapi"] == "3.0.0"
    assert list(doc["channels"]) == ev.ALL_STREAMS
    for stream in ev.ALL_STREAMS:
        assert doc["channels"][stream]["bindings"]["redis"]["method"] == "xadd"
        message = doc["components"]["messages"][f"{stream}:Message"]
        assert message["examples"][0]["payload"]["type"] == stream
    schemas = doc["components"]["schemas"]
    assert "LotCreatedEvent" in schemas and "LotCreated" in schemas


def test_markdown_mentions_every_stream() -> None:
    text = catalogue.render_markdown()
    for stream in ev.ALL_STREAMS:
        assert f"## `{stream}`" in text
        assert f"`{stream}.dlq`" in text
    assert "`__data__`" in text
