"""The main routes answer what their contract response models say (ADR 0021), and the
OpenAPI document shows those models: every key of the body is declared, and the body
validates."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Any

import httpx
import pytest
import redis
from gateway.audit_anchor import STREAM as ANCHOR_STREAM
from gateway.audit_anchor import Checkpoint, now_iso
from mes_cli.pytest_plugin import eventually, streams_consumed
from mes_cli.stack import Stack
from mes_contracts.api import (
    LotCloseData,
    LotProcessHistory,
    LotRead,
    LotSerials,
    NcrRead,
    Page,
    ProcessCompleteData,
    ProcessStartData,
    ProductModelRead,
    RoutingStepRead,
    SerialRead,
)
from mes_contracts.api.admin import (
    AuditPage,
    AuditVerifyReport,
    AuthEvents,
    LogoutData,
    ReanchorData,
    TokenPair,
    UserRead,
)
from mes_contracts.api.dashboard import DashboardSummary
from mes_contracts.api.firmware import (
    FirmwareDetail,
    FirmwareDownloadRecord,
    FirmwareReleaseData,
    FirmwareReleaseRecord,
    FirmwareRollbackData,
    FirmwareUploadData,
)
from mes_contracts.api.label import LabelJobRead, LabelPrintData, ReprintList
from mes_contracts.api.printers import PrinterRead, PrinterStatus
from mes_contracts.api.trace import (
    DefectList,
    LotEvents,
    MeasurementChecks,
    MeasurementSeries,
    Recall,
    TraceLot,
    TraceSerial,
    WorkerActivity,
)
from mes_contracts.errors import SuccessBody
from pydantic import BaseModel

from .conftest import Client
from .production import (
    KST,
    TAKES,
    complete_body,
    new_lot,
    run_process,
    start_body,
    station_file,
)
from .test_labels import ThreadedEmulator

ROUTES = {
    ("/api/v1/products", "get", "200"): "SuccessBody_list_ProductModelRead__",
    ("/api/v1/lots", "post", "201"): "SuccessBody_LotRead_",
    ("/api/v1/lots", "get", "200"): "SuccessBody_Page_LotRead__",
    ("/api/v1/lots/{lot_number}", "get", "200"): "SuccessBody_LotRead_",
    ("/api/v1/lots/{lot_number}/close", "post", "200"): "SuccessBody_LotCloseData_",
    ("/api/v1/lots/{lot_number}/serials", "get", "200"): "SuccessBody_LotSerials_",
    ("/api/v1/lots/{lot_number}/serials", "post", "201"): "SuccessBody_SerialRead_",
    ("/api/v1/serials/{serial_number}", "get", "200"): "SuccessBody_SerialRead_",
    ("/api/v1/serials/{serial_number}", "patch", "200"): "SuccessBody_SerialRead_",
    ("/api/v1/process/start", "post", "200"): "SuccessBody_ProcessStartData_",
    ("/api/v1/process/complete", "post", "200"): "SuccessBody_ProcessCompleteData_",
    ("/api/v1/process/routing", "get", "200"): "SuccessBody_list_RoutingStepRead__",
    ("/api/v1/process/lots/{lot_number}", "get", "200"): "SuccessBody_LotProcessHistory_",
    ("/api/v1/ncr", "get", "200"): "SuccessBody_Page_NcrRead__",
    ("/api/v1/ncr/{ncr_number}", "get", "200"): "SuccessBody_NcrRead_",
    ("/api/v1/ncr/{ncr_number}/disposition", "post", "200"): "SuccessBody_NcrRead_",
    ("/api/v1/dashboard/summary", "get", "200"): "SuccessBody_DashboardSummary_",
    # checked against their models in test_kpis
    ("/api/v1/dashboard/kpis", "get", "200"): "SuccessBody_DashboardKpis_",
    ("/api/v1/quality/yield", "get", "200"): "SuccessBody_YieldReport_",
    ("/api/v1/quality/pareto", "get", "200"): "SuccessBody_DefectPareto_",
    ("/api/v1/trace/serials/{serial_number}", "get", "200"): "SuccessBody_TraceSerial_",
    ("/api/v1/trace/lots/{lot_number}", "get", "200"): "SuccessBody_TraceLot_",
    ("/api/v1/trace/lots/{lot_number}/events", "get", "200"): "SuccessBody_LotEvents_",
    ("/api/v1/trace/components/{component_lot}", "get", "200"): "SuccessBody_Recall_",
    ("/api/v1/trace/defects", "get", "200"): "SuccessBody_DefectList_",
    ("/api/v1/trace/workers/{worker_id}", "get", "200"): "SuccessBody_WorkerActivity_",
    ("/api/v1/trace/measurements", "get", "200"): (
        "SuccessBody_Union_MeasurementSeries__MeasurementChecks__"
    ),
    ("/api/v1/printers", "get", "200"): "SuccessBody_list_PrinterRead__",
    ("/api/v1/printers", "post", "201"): "SuccessBody_PrinterRead_",
    ("/api/v1/printers/{printer_id}", "get", "200"): "SuccessBody_PrinterRead_",
    ("/api/v1/printers/{printer_id}", "patch", "200"): "SuccessBody_PrinterRead_",
    ("/api/v1/printers/{printer_id}/status", "get", "200"): "SuccessBody_PrinterStatus_",
    ("/api/v1/label/print", "post", "200"): "SuccessBody_LabelPrintData_",
    ("/api/v1/label/print", "post", "202"): "SuccessBody_LabelPrintData_",
    ("/api/v1/label/reprint", "post", "200"): "SuccessBody_LabelPrintData_",
    ("/api/v1/label/reprint", "post", "202"): "SuccessBody_LabelPrintData_",
    ("/api/v1/label/reprints", "get", "200"): "SuccessBody_ReprintList_",
    ("/api/v1/label/jobs", "get", "200"): "SuccessBody_Page_LabelJobRead__",
    ("/api/v1/label/jobs/{job_id}", "get", "200"): "SuccessBody_LabelJobRead_",
    ("/api/v1/label/jobs/{job_id}/result", "post", "200"): "SuccessBody_LabelJobRead_",
    ("/api/v1/label/jobs/{job_id}/retry", "post", "200"): "SuccessBody_LabelJobRead_",
    ("/api/v1/firmware", "post", "201"): "SuccessBody_FirmwareUploadData_",
    ("/api/v1/firmware", "post", "200"): "SuccessBody_FirmwareUploadData_",
    ("/api/v1/firmware", "get", "200"): "SuccessBody_Page_FirmwareDetail__",
    ("/api/v1/firmware/current", "get", "200"): "SuccessBody_FirmwareDetail_",
    ("/api/v1/firmware/releases", "get", "200"): "SuccessBody_Page_FirmwareReleaseRecord__",
    ("/api/v1/firmware/downloads", "get", "200"): "SuccessBody_Page_FirmwareDownloadRecord__",
    ("/api/v1/firmware/{version}", "get", "200"): "SuccessBody_FirmwareDetail_",
    ("/api/v1/firmware/{version}/release", "post", "200"): "SuccessBody_FirmwareReleaseData_",
    ("/api/v1/firmware/{version}/rollback", "post", "200"): "SuccessBody_FirmwareRollbackData_",
    ("/api/v1/auth/login", "post", "200"): "SuccessBody_TokenPair_",
    ("/api/v1/auth/refresh", "post", "200"): "SuccessBody_TokenPair_",
    ("/api/v1/auth/logout", "post", "200"): "SuccessBody_LogoutData_",
    ("/api/v1/auth/me", "get", "200"): "SuccessBody_UserRead_",
    ("/api/v1/users", "get", "200"): "SuccessBody_Page_UserRead__",
    ("/api/v1/users", "post", "201"): "SuccessBody_UserRead_",
    ("/api/v1/users/{username}", "get", "200"): "SuccessBody_UserRead_",
    ("/api/v1/users/{username}", "patch", "200"): "SuccessBody_UserRead_",
    ("/api/v1/users/{username}", "delete", "200"): "SuccessBody_UserRead_",
    ("/api/v1/audit", "get", "200"): "SuccessBody_AuditPage_",
    ("/api/v1/audit/verify", "get", "200"): "SuccessBody_AuditVerifyReport_",
    ("/api/v1/audit/anchor", "post", "200"): "SuccessBody_ReanchorData_",
    ("/api/v1/audit/auth-events", "get", "200"): "SuccessBody_AuthEvents_",
    # checked against their models in test_alerts (a stack of its own)
    ("/api/v1/alerts", "get", "200"): "SuccessBody_AlertList_",
    ("/api/v1/alerts/deliveries", "get", "200"): "SuccessBody_DeliveryList_",
    ("/api/v1/alerts/{alert_id}", "get", "200"): "SuccessBody_AlertRead_",
    ("/api/v1/alerts/{alert_id}/ack", "post", "200"): "SuccessBody_AlertRead_",
    # checked against their models in test_quality_spc
    ("/api/v1/quality/spc/{check}", "get", "200"): "SuccessBody_SpcChart_",
    ("/api/v1/quality/capability", "get", "200"): "SuccessBody_CapabilityList_",
    ("/api/v1/quality/spc/{check}/limits", "post", "200"): "SuccessBody_SpcLimits_",
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


def test_every_json_route_has_a_response_model(gateway: str) -> None:
    """No success answer in JSON is left as `object`; the live feed (SSE) is not JSON."""
    doc = httpx.get(gateway + "/openapi.json").json()
    untyped = {
        (path, method, status)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        for status, answer in op["responses"].items()
        if status.startswith("2")
        and "application/json" in answer.get("content", {})
        and "$ref" not in answer["content"]["application/json"]["schema"]
    }
    assert untyped == {("/api/v1/live", "get", "200")}
    documented = untyped | set(ROUTES)
    json_routes = {
        (path, method, status)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        for status, answer in op["responses"].items()
        if status.startswith("2") and "application/json" in answer.get("content", {})
    }
    assert json_routes == documented, json_routes ^ documented


# -- the other routes, group by group, on one LOT taken to its serial labels ---------------


@pytest.fixture(scope="module")
def serial_lot(manager: Client, worker: Client, firmware_released: None) -> str:
    """A LOT of 3 through PROC-007 (its serials allocated), with a FAIL at PROC-003, its NCR
    disposed as REWORK and the rework, and a component LOT of its own at PROC-002."""
    lot = new_lot(manager, worker, quantity=3)
    run_process(worker, lot, "PROC-001")
    run_process(worker, lot, "PROC-002", {"sma_spring_lot": f"SPRING-{lot}", "busbar_lot": "B-1"})
    at = datetime.now(KST).replace(microsecond=0)
    assert worker.post("/api/v1/process/start", json=start_body(lot, "PROC-003", at)).is_success
    failing = station_file("invalid", "defect-is-valid-but-FAIL")
    failing.update(
        lot_number=lot, start_time=at.isoformat(), complete_time=(at + TAKES).isoformat()
    )
    failed = _ok(
        SuccessBody[ProcessCompleteData], worker.post("/api/v1/process/complete", json=failing)
    )
    assert failed.result == "FAIL" and failed.ncr_number
    r = manager.post(f"/api/v1/ncr/{failed.ncr_number}/disposition", json={"disposition": "REWORK"})
    assert _ok(SuccessBody[NcrRead], r).status == "CLOSED"
    for step in range(3, 8):
        run_process(worker, lot, f"PROC-{step:03d}")
    return lot


def _ok(model: Any, response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return conforms(model, response).data


def test_lot_service_serial_and_product_routes(manager: Client, serial_lot: str) -> None:
    products = _ok(SuccessBody[list[ProductModelRead]], manager.get("/api/v1/products"))
    assert "WF" in {p.code for p in products}
    serials = eventually(
        lambda: (
            _ok(SuccessBody[LotSerials], manager.get(f"/api/v1/lots/{serial_lot}/serials")).items
        ),
        what="the LOT's serials",
    )
    first = serials[0].serial_number
    assert _ok(SuccessBody[SerialRead], manager.get(f"/api/v1/serials/{first}")).sequence == 1
    change = {"status": "FAILED", "reason": "scratched housing"}
    r = manager.patch(f"/api/v1/serials/{first}", json=change)
    assert _ok(SuccessBody[SerialRead], r).status_reason == "scratched housing"
    r = manager.post(f"/api/v1/lots/{serial_lot}/serials", json={"reason": "label torn off"})
    assert _ok(SuccessBody[SerialRead], r, 201).replacement_reason == "label torn off"
    r = manager.post(f"/api/v1/lots/{serial_lot}/close", json={"reason": "response models"})
    assert _ok(SuccessBody[LotCloseData], r).status == "CLOSED"


def test_process_service_read_routes(worker: Client, serial_lot: str) -> None:
    routing = _ok(SuccessBody[list[RoutingStepRead]], worker.get("/api/v1/process/routing"))
    assert {s.process_id for s in routing if s.product_model == "WF"} >= {"PROC-001", "PROC-008"}
    history = _ok(SuccessBody[LotProcessHistory], worker.get(f"/api/v1/process/lots/{serial_lot}"))
    sensor = next(p for p in history.processes if p.process_id == "PROC-003")
    assert [a.result for a in sensor.attempts] == ["FAIL", "PASS"] and sensor.attempts[0].defects


def test_ncr_routes(viewer: Client, serial_lot: str) -> None:
    page = _ok(
        SuccessBody[Page[NcrRead]], viewer.get("/api/v1/ncr", params={"lot_number": serial_lot})
    )
    [ncr] = page.items
    assert ncr.disposition == "REWORK" and ncr.failed_checks[0].check == "temp_sensor"
    one = _ok(SuccessBody[NcrRead], viewer.get(f"/api/v1/ncr/{ncr.ncr_number}"))
    assert one.lot_number == serial_lot and one.closed_by == "manager"


def test_trace_routes(viewer: Client, serial_lot: str) -> None:
    def traced() -> TraceLot | None:
        lot = _ok(SuccessBody[TraceLot], viewer.get(f"/api/v1/trace/lots/{serial_lot}"))
        return lot if lot.serials.total >= 3 else None

    lot = eventually(traced, what="the LOT's serials in its trace")
    assert lot.component_lots and lot.processes[2].attempts[0].defects
    serial = f"{serial_lot}-0001"
    traced_serial = _ok(SuccessBody[TraceSerial], viewer.get(f"/api/v1/trace/serials/{serial}"))
    assert traced_serial.lot is not None and traced_serial.lot.lot_number == serial_lot
    events = viewer.get(f"/api/v1/trace/lots/{serial_lot}/events")
    assert _ok(SuccessBody[LotEvents], events).events[0].type == "lot.created"
    recall = viewer.get(f"/api/v1/trace/components/SPRING-{serial_lot}")
    assert _ok(SuccessBody[Recall], recall).usages[0].serials
    defects = viewer.get("/api/v1/trace/defects", params={"lot_number": serial_lot})
    assert _ok(SuccessBody[DefectList], defects).by_cause
    activity = viewer.get("/api/v1/trace/workers/W001", params={"limit": 5})
    assert len(_ok(SuccessBody[WorkerActivity], activity).records) == 5
    checks = _ok(SuccessBody[MeasurementChecks], viewer.get("/api/v1/trace/measurements"))
    name = checks.checks[0].check
    series = viewer.get("/api/v1/trace/measurements", params={"check": name, "limit": 5})
    assert _ok(SuccessBody[MeasurementSeries], series).points


def test_label_routes(admin: Client, worker: Client) -> None:
    """A TCP printer on an emulator and a workstation's serial printer, each on a station of
    its own (so no other label goes to them), printed to, reprinted, reported on."""
    tag = uuid.uuid4().hex[:6].upper()
    emulator = ThreadedEmulator()
    tcp = {"printer_id": f"P-RM-{tag}", "model": "ZT410", "language": "ZPL"}
    tcp |= {"host": "127.0.0.1", "port": emulator.emu.port, "station_id": f"ST-T{tag}"}
    serial = {"printer_id": f"P-RS-{tag}", "model": "ZD421", "language": "ZPL"}
    serial |= {"transport": "SERIAL", "serial_port": "COM9", "station_id": f"ST-S{tag}"}
    try:
        for body in (tcp, serial):
            body["purpose"] = "SERIAL"
            _ok(SuccessBody[PrinterRead], admin.post("/api/v1/printers", json=body), 201)
        listed = _ok(SuccessBody[list[PrinterRead]], admin.get("/api/v1/printers"))
        assert {tcp["printer_id"], serial["printer_id"]} <= {p.printer_id for p in listed}
        one = admin.get(f"/api/v1/printers/{tcp['printer_id']}")
        assert _ok(SuccessBody[PrinterRead], one).port == emulator.emu.port
        r = admin.patch(f"/api/v1/printers/{tcp['printer_id']}", json={"name": "response models"})
        assert _ok(SuccessBody[PrinterRead], r).name == "response models"
        status = worker.get(f"/api/v1/printers/{tcp['printer_id']}/status")
        assert _ok(SuccessBody[PrinterStatus], status).state == "ready"

        lot = f"WF-KR-251203D-{uuid.uuid4().int % 900 + 100}"
        label = {"label_type": "LOT", "lot_number": lot, "product_model": "Withforce"}
        label |= {"created_date": "2025-12-03", "target_quantity": 3}
        r = worker.post("/api/v1/label/print", json={**label, "printer_id": tcp["printer_id"]})
        assert _ok(SuccessBody[LabelPrintData], r).state == "sent"
        r = worker.post("/api/v1/label/reprint", json={"lot_number": lot, "reason": "torn"})
        assert _ok(SuccessBody[LabelPrintData], r).reprint is True
        reprints = worker.get("/api/v1/label/reprints", params={"lot_number": lot})
        assert _ok(SuccessBody[ReprintList], reprints).items[0].reason == "torn"

        label |= {"label_type": "SERIAL", "serial_number": f"{lot}-0001"}
        del label["target_quantity"]
        r = worker.post("/api/v1/label/print", json={**label, "printer_id": serial["printer_id"]})
        queued = _ok(SuccessBody[LabelPrintData], r, 202)
        station = worker.get("/api/v1/label/jobs", params={"station_id": serial["station_id"]})
        [job] = _ok(SuccessBody[Page[LabelJobRead]], station).items
        assert job.job_id == queued.job_id and job.content_base64 and job.serial_port == "COM9"
        failed = {"result": "failed", "message": "paper jam"}
        r = worker.post(f"/api/v1/label/jobs/{job.job_id}/result", json=failed)
        assert _ok(SuccessBody[LabelJobRead], r).state == "failed"
        r = worker.post(f"/api/v1/label/jobs/{job.job_id}/retry")
        assert _ok(SuccessBody[LabelJobRead], r).state == "pending"
        r = worker.get(f"/api/v1/label/jobs/{job.job_id}")
        assert _ok(SuccessBody[LabelJobRead], r).last_error == "paper jam"
    finally:
        for body in (tcp, serial):
            admin.patch(f"/api/v1/printers/{body['printer_id']}", json={"active": False})
        emulator.stop()


def test_firmware_routes(admin: Client, stack: Stack, firmware_released: None) -> None:
    """A version uploaded (twice), released, downloaded and rolled back: the release
    before it is the released one again."""
    version = f"v8.{uuid.uuid4().int % 999_999}.0"
    blob = hashlib.sha256(version.encode()).digest() * 1000
    form = {"version": version, "target_mcu": "STM32F103"}
    files = {"file": (f"firmware_{version}.bin", blob, "application/octet-stream")}
    r = admin.post("/api/v1/firmware", data=form, files=files)
    assert _ok(SuccessBody[FirmwareUploadData], r, 201).already_uploaded is False
    r = admin.post("/api/v1/firmware", data=form, files=files)
    assert _ok(SuccessBody[FirmwareUploadData], r).already_uploaded is True
    before = _ok(SuccessBody[FirmwareDetail], admin.get("/api/v1/firmware/current"))
    r = admin.post(f"/api/v1/firmware/{version}/release", json={"reason": "response models"})
    assert _ok(SuccessBody[FirmwareReleaseData], r).state == "RELEASED"
    assert _ok(SuccessBody[FirmwareDetail], admin.get(f"/api/v1/firmware/{version}")).released_at
    page = admin.get("/api/v1/firmware", params={"limit": 5})
    assert _ok(SuccessBody[Page[FirmwareDetail]], page).items
    assert admin.get(f"/api/v1/firmware/download/{version}").content == blob

    def downloaded() -> list[FirmwareDownloadRecord] | None:
        r = admin.get("/api/v1/firmware/downloads", params={"version": version})
        items = _ok(SuccessBody[Page[FirmwareDownloadRecord]], r).items
        return items if items and items[0].finished_at else None

    assert eventually(downloaded, what="the download logged")[0].completed
    r = admin.post(f"/api/v1/firmware/{version}/rollback", json={"reason": "response models"})
    rolled = _ok(SuccessBody[FirmwareRollbackData], r)
    assert rolled.released is not None and rolled.released.version == before.version
    assert rolled.withdrawn.withdrawn_reason == "response models"
    releases = admin.get("/api/v1/firmware/releases", params={"version": version})
    history = _ok(SuccessBody[Page[FirmwareReleaseRecord]], releases).items
    assert [h.action for h in history] == ["ROLLBACK", "RELEASE"]
    # PROC-004 starts of later tests get the version released before this one.
    eventually(
        lambda: streams_consumed(stack.redis_url or "", ["firmware.rolled_back"], "process-service")
    )


def test_gateway_auth_and_user_routes(gateway: str, admin: Client) -> None:
    username = f"models-{uuid.uuid4().hex[:6]}"
    body = {"username": username, "password": "a-long-password-1", "role": "viewer"}
    r = admin.post("/api/v1/users", json={**body, "display_name": "Models"})
    assert _ok(SuccessBody[UserRead], r, 201).active is True
    assert _ok(SuccessBody[UserRead], admin.get(f"/api/v1/users/{username}")).role == "viewer"
    r = admin.patch(f"/api/v1/users/{username}", json={"display_name": "Models 2"})
    assert _ok(SuccessBody[UserRead], r).display_name == "Models 2"
    users = admin.get("/api/v1/users", params={"role": "viewer", "limit": 500})
    assert username in {u.username for u in _ok(SuccessBody[Page[UserRead]], users).items}

    with httpx.Client(base_url=gateway, timeout=30) as http:
        signin = {"username": username, "password": body["password"]}
        tokens = _ok(SuccessBody[TokenPair], http.post("/api/v1/auth/login", json=signin))
        refresh = {"refresh_token": tokens.refresh_token}
        tokens = _ok(SuccessBody[TokenPair], http.post("/api/v1/auth/refresh", json=refresh))
        http.headers["Authorization"] = f"Bearer {tokens.access_token}"
        assert _ok(SuccessBody[UserRead], http.get("/api/v1/auth/me")).username == username
        refresh = {"refresh_token": tokens.refresh_token}
        out = http.post("/api/v1/auth/logout", json=refresh)
        assert _ok(SuccessBody[LogoutData], out).revoked_refresh_family is True

    r = admin.delete(f"/api/v1/users/{username}")
    assert _ok(SuccessBody[UserRead], r).active is False
    events = admin.get("/api/v1/audit/auth-events", params={"username": username})
    assert {e.action for e in _ok(SuccessBody[AuthEvents], events).items} >= {"login", "logout"}

    def audited() -> AuditPage | None:
        r = admin.get("/api/v1/audit", params={"entity_type": "user", "entity_id": username})
        page = _ok(SuccessBody[AuditPage], r)
        return page if page.total >= 3 else None

    assert eventually(audited, what="the user's changes audited").items[0].old_values


def test_gateway_audit_anchor_routes(admin: Client, stack: Stack) -> None:
    """An unsigned checkpoint in the anchor stream is reported, then acknowledged by a
    re-anchor (as test_gateway_audit does), after which the chain verifies clean."""
    head = _ok(SuccessBody[AuditVerifyReport], admin.get("/api/v1/audit/verify")).tip
    assert head is not None
    claim = json.dumps(asdict(Checkpoint(head.seq, "f" * 64, now_iso())))
    client = redis.Redis.from_url(stack.redis_url or "")
    client.xadd(ANCHOR_STREAM, {"checkpoint": claim.encode()})
    client.close()
    report = _ok(SuccessBody[AuditVerifyReport], admin.get("/api/v1/audit/verify"))
    assert report.valid is False and report.forged_checkpoints, report
    r = admin.post("/api/v1/audit/anchor", json={"reason": "response models: forged claim"})
    assert _ok(SuccessBody[ReanchorData], r).acknowledged.forged
    report = _ok(SuccessBody[AuditVerifyReport], admin.get("/api/v1/audit/verify"))
    assert report.valid is True and report.reanchors, report
