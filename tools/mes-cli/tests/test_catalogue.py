"""The event catalogue is generated from what the services declare and wire: each app
registers exactly its SUBSCRIPTIONS, and the committed docs are what the generator writes."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from mes_cli import catalogue as generator
from mes_cli.stack import GATEWAY, SERVICES
from mes_contracts import catalogue
from mes_contracts import events as ev
from servicekit.subscriptions import Subscriptions

pytestmark = pytest.mark.unit

PACKAGES = {spec.name: spec.package for spec in (*SERVICES, GATEWAY)}


def _build(package: str, keys: Any) -> Any:
    app = importlib.import_module(f"{package}.app")
    if package == "gateway":
        from gateway.settings import GatewaySettings

        return app.build_app(
            GatewaySettings(jwt_private_key=keys.private_pem, jwt_public_key=keys.public_pem)
        )
    return app.build_app()


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_each_app_consumes_exactly_what_it_declares(name: str, jwt_keys: Any) -> None:
    declared = importlib.import_module(f"{PACKAGES[name]}.subscriptions").SUBSCRIPTIONS
    app = _build(PACKAGES[name], jwt_keys)
    consumers = app.state.runtime.consumers
    assert consumers.streams == list(declared.streams)
    assert consumers.group == declared.service == name


def test_the_committed_catalogue_is_current() -> None:
    assert generator.main(["--check"]) == 0, "run: uv run python -m mes_cli.catalogue"


def test_generation_and_check(tmp_path: Path) -> None:
    assert generator.main(["--check", "--docs-dir", str(tmp_path)]) == 1
    assert generator.main(["--docs-dir", str(tmp_path)]) == 0
    assert generator.main(["--check", "--docs-dir", str(tmp_path)]) == 0
    (tmp_path / "events.md").write_text("stale", encoding="utf-8")
    assert generator.main(["--check", "--docs-dir", str(tmp_path)]) == 1


def test_consumers_are_the_declared_subscriptions() -> None:
    by_stream = generator.consumers()
    assert set(by_stream) == set(ev.ALL_STREAMS)
    # label-service learns the station from serials.allocated (ADR 0012), not every start
    assert by_stream[ev.PROCESS_STARTED] == ("gateway", "lot-service", "trace-service")
    assert by_stream[ev.SERIALS_ALLOCATED] == ("gateway", "label-service", "trace-service")
    assert by_stream[ev.FIRMWARE_DOWNLOADED] == ("gateway",)  # the audit trail (ADR 0009)
    # process-service too: its replicas' routing caches forget a changed routing (ADR 0014).
    assert by_stream[ev.ROUTING_UPDATED] == ("lot-service", "process-service", "trace-service")
    # coarse events and, for one release, the retired per-unit streams (ADR 0012)
    assert by_stream[ev.SERIALS_STATUS_CHANGED] == ("gateway", "trace-service")
    # trace-service's alert rules read the label outcomes (ADR 0024)
    assert (
        by_stream[ev.LABELS_PRINTED]
        == by_stream[ev.LABELS_FAILED]
        == (
            "gateway",
            "trace-service",
        )
    )
    assert by_stream[ev.PRINTER_STATUS_CHANGED] == ("trace-service",)
    assert by_stream[ev.ALERT_ACKNOWLEDGED] == ("gateway",)  # the audit trail
    assert by_stream[ev.SERIAL_STATUS_CHANGED] == ("gateway", "trace-service")
    assert by_stream[ev.LABEL_PRINTED] == by_stream[ev.LABEL_FAILED] == ("gateway",)
    text = (catalogue.default_docs_dir() / "events.md").read_text(encoding="utf-8")
    assert (
        "| [`firmware.downloaded`](#firmwaredownloaded) | 1 | firmware-service | gateway |" in text
    )


def test_a_subscription_to_an_unknown_stream_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown streams"):
        Subscriptions("x-service", {"lot.exploded": "on_it"})


def test_asyncapi_document() -> None:
    doc = json.loads(catalogue.render_asyncapi(generator.consumers()))
    assert doc["asyncapi"] == "3.0.0"
    assert list(doc["channels"]) == ev.ALL_STREAMS
    for stream in ev.ALL_STREAMS:
        assert doc["channels"][stream]["bindings"]["redis"]["method"] == "xadd"
        message = doc["components"]["messages"][f"{stream}:Message"]
        assert message["examples"][0]["payload"]["type"] == stream
    schemas = doc["components"]["schemas"]
    assert "LotCreatedEvent" in schemas and "LotCreated" in schemas


def test_markdown_mentions_every_stream() -> None:
    text = catalogue.render_markdown(generator.consumers())
    for stream in ev.ALL_STREAMS:
        assert f"## `{stream}`" in text
        assert f"`{stream}.dlq`" in text
    assert "`__data__`" in text
