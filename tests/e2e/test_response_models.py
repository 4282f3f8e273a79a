"""The main routes answer what their contract response models say (ADR 0021), and the
OpenAPI document shows those models: every key of the body is declared, and the body
validates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from mes_cli.pytest_plugin import eventually
from mes_contracts.api import LotRead, Page, ProcessCompleteData, ProcessStartData
from mes_contracts.api.dashboard import DashboardSummary
from mes_contracts.errors import SuccessBody
from pydantic import BaseModel

from .conftest import Client
from .production import KST, complete_body, new_lot, run_process, start_body

ROUTES = {
    ("/api/v1/lots", "post", "201"): "SuccessBody_LotRead_",
    ("/api/v1/lots", "get", "200"): "SuccessBody_Page_LotRead__",
    ("/api/v1/lots/{lot_number}", "get", "200"): "SuccessBody_LotRead_",
    ("/api/v1/process/start", "post", "200"): "SuccessBody_ProcessStartData_",
    ("/api/v1/process/complete", "post", "200"): "SuccessBody_ProcessCompleteData_",
    ("/api/v1/dashboard/summary", "get", "200"): "SuccessBody_DashboardSummary_",
}


def _keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(v) for v in value]
    return None


def conforms(model: type[BaseModel], response: httpx.Response) -> BaseModel:
    """`response`'s body validated by `model`, with no key the model does not declare."""
    body = response.json()
    parsed = model.model_validate(body)
    # Undeclared keys are dropped by validation: the dump of what was set must have them all.
    assert _keys(parsed.model_dump(mode="json", exclude_unset=True)) == _keys(body)
    return parsed


def test_lot_routes_answer_their_models(manager: Client, worker: Client) -> None:
    r = manager.post("/api/v1/lots", json={"target_quantity": 5, "shift": "D"})
    assert r.status_code == 201, r.text
    created = conforms(SuccessBody[LotRead], r).data
    assert created.target_quantity == 5
    # The body keeps the service's own formatting: the model documents it, not rewrites it.
    assert r.json()["data"]["created_at"] == created.created_at.isoformat()

    run_process(worker, created.lot_number, "PROC-001")

    def detail_with_the_completion() -> SuccessBody[LotRead] | None:
        # lot-service learns of the completion from process-service's event.
        body = conforms(SuccessBody[LotRead], manager.get(f"/api/v1/lots/{created.lot_number}"))
        return body if body.data.processes[0].status == "COMPLETED" else None

    detail = eventually(detail_with_the_completion, what="PROC-001 COMPLETED in the LOT detail")
    assert detail.data.progress_percent > 0
    assert detail.data.status_history[0].to_status == "CREATED"

    page = conforms(SuccessBody[Page[LotRead]], manager.get("/api/v1/lots", params={"limit": 3}))
    assert page.data.limit == 3 and 1 <= len(page.data.items) <= 3


def test_process_routes_and_the_summary_answer_their_models(
    manager: Client, worker: Client
) -> None:
    lot = new_lot(manager, worker, quantity=3)
    at = datetime.now(KST).replace(microsecond=0)
    started = worker.post("/api/v1/process/start", json=start_body(lot, "PROC-001", at))
    assert started.status_code == 200, started.text
    assert conforms(SuccessBody[ProcessStartData], started).data.sequence_number == 1
    done = worker.post("/api/v1/process/complete", json=complete_body(lot, "PROC-001", at))
    assert done.status_code == 200, done.text
    completed = conforms(SuccessBody[ProcessCompleteData], done).data
    assert completed.result == "PASS" and completed.already_recorded is False
    again = worker.post("/api/v1/process/complete", json=complete_body(lot, "PROC-001", at))
    assert conforms(SuccessBody[ProcessCompleteData], again).data.already_recorded is True

    def summary_with_the_lot() -> DashboardSummary | None:
        r = manager.get("/api/v1/dashboard/summary")
        data = conforms(SuccessBody[DashboardSummary], r).data
        return data if any(e.subject == lot for e in data.recent_events) else None

    summary = eventually(summary_with_the_lot, what="the LOT's events in the summary")
    assert summary.by_process and summary.open_lots_total >= 1


def test_the_openapi_document_shows_the_response_models(gateway: str) -> None:
    doc = httpx.get(gateway + "/openapi.json").json()
    for (path, method, status), name in ROUTES.items():
        content = doc["paths"][path][method]["responses"][status]["content"]
        assert content["application/json"]["schema"] == {"$ref": f"#/components/schemas/{name}"}
        assert name in doc["components"]["schemas"], name
    lot = doc["components"]["schemas"]["LotRead"]
    assert {"lot_number", "created_at", "status"} <= set(lot["required"])
