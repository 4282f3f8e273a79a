"""HTTP routes of process-service: /api/v1/process/start and /api/v1/process/complete."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from mes_contracts import routing_progress
from mes_contracts.api import (
    MAX_PAGE_LIMIT,
    LotCloseData,
    LotCloseRequest,
    LotProcessHistory,
    NcrDispositionRequest,
    NcrRead,
    Page,
    ProcessCompleteData,
    ProcessCompleteRequest,
    ProcessStartData,
    ProcessStartRequest,
    RoutingStepRead,
)
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from mes_contracts.identifiers import NCR_NUMBER_RE
from mes_contracts.limits import MAX_OFFSET
from mes_contracts.roles import NCR_DISPOSERS, Role
from servicekit.auth import FloorWriter, Manager, Principal, Reader, require_roles
from servicekit.runtime import actor_of

from . import closing
from . import repository as repo
from .service import ProcessService, ncr_view

router = APIRouter(prefix="/api/v1")
Disposer = Annotated[Principal, Depends(require_roles(NCR_DISPOSERS))]
NcrNumberPath = Annotated[str, Path(max_length=32, pattern=NCR_NUMBER_RE)]


def _svc(request: Request) -> ProcessService:
    return request.app.state.process_service


def _check_acting_worker(principal: Principal, worker_id: str) -> None:
    """A worker account may only record work under its own worker id."""
    if principal.role == Role.WORKER and principal.worker_id != worker_id:
        raise MesError(
            ErrorCode.FORBIDDEN,
            message="작업자는 본인 작업자 ID로만 기록할 수 있습니다 (workers may only act as themselves)",
            data={"worker_id": worker_id, "your_worker_id": principal.worker_id},
        )


# The bodies are built from JSON types: returned as they are, the response models document
# them without re-serialising (a station's times keep the offset it sent).
@router.post("/process/start", tags=["process"], response_model=SuccessBody[ProcessStartData])
async def start_process(
    body: ProcessStartRequest, request: Request, principal: FloorWriter
) -> JSONResponse:
    _check_acting_worker(principal, body.worker_id)
    svc = _svc(request)

    async def start() -> dict[str, Any]:
        async with svc.rt.db.transaction() as session:
            return await svc.start(
                session,
                body.model_dump(),
                actor=actor_of(principal),
                correlation_id=request.state.request_id,
            )

    data = await svc.arrivals.retry_on_miss(body.lot_number, start)
    return JSONResponse({"status": "success", "message": "착공이 등록되었습니다", "data": data})


@router.post("/process/complete", tags=["process"], response_model=SuccessBody[ProcessCompleteData])
async def complete_process(
    body: ProcessCompleteRequest, request: Request, principal: FloorWriter
) -> JSONResponse:
    _check_acting_worker(principal, body.worker_id)
    svc = _svc(request)

    async def complete() -> dict[str, Any]:
        async with svc.rt.db.transaction() as session:
            return await svc.complete(
                session,
                body.model_dump(),
                actor=actor_of(principal),
                correlation_id=request.state.request_id,
            )

    data = await svc.arrivals.retry_on_miss(body.lot_number, complete)
    message = (
        "이미 기록된 완공입니다 (already recorded)"
        if data["already_recorded"]
        else "완공이 등록되었습니다"
    )
    return JSONResponse({"status": "success", "message": message, "data": data})


@router.get("/process/routing", tags=["process"], response_model=SuccessBody[list[RoutingStepRead]])
async def get_routing(request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        rows = await repo.all_routings(session)
    return JSONResponse({"status": "success", "message": "OK", "data": rows})


@router.get(
    "/process/lots/{lot_number}", tags=["process"], response_model=SuccessBody[LotProcessHistory]
)
async def lot_process_history(lot_number: str, request: Request, _: Reader) -> JSONResponse:
    """Every step of the LOT's routing with its records (NOT_STARTED steps included)."""

    async def read() -> tuple[dict[str, Any], list[Any], list[dict[str, Any]]]:
        async with request.app.state.runtime.db.transaction() as session:
            lot = await repo.get_lot(session, lot_number)
            if lot is None:
                raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": lot_number})
            steps = await _svc(request).routing.steps(session, lot["product_model"])
            return lot, steps, await repo.lot_records(session, lot_number)

    lot, steps, records = await _svc(request).arrivals.retry_on_miss(lot_number, read)
    by_process: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_process.setdefault(r["process_id"], []).append(r)
    where = routing_progress.progress(
        steps,
        (
            routing_progress.StepRecord(
                r["process_id"], r["complete_time"] is not None, r["result"], r["attempt"]
            )
            for r in records
        ),
    )
    out = []
    for status in where.steps:
        attempts = by_process.get(status.step.process_id, [])
        out.append(
            {
                **status.fields(),
                "result": status.result,
                "attempts": [
                    {
                        "work_order_id": a["work_order_id"],
                        "attempt": a["attempt"],
                        "worker_id": a["worker_id"],
                        "complete_worker_id": a["complete_worker_id"],
                        "start_time": a["start_time_raw"],
                        "complete_time": a["complete_time_raw"],
                        "result": a["result"],
                        "process_data": a["process_data"],
                        "defects": a["defects"] or [],
                    }
                    for a in attempts
                ],
            }
        )
    hold = (
        {
            "ncr_number": lot["hold_ncr"],
            "process_id": lot["hold_process_id"],
            "phase": lot["hold_phase"],
            "rework_from": lot["rework_from"],
        }
        if lot["hold_ncr"]
        else None
    )
    data = {"lot_number": lot_number, "status": lot["status"], "processes": out, "hold": hold}
    return JSONResponse(jsonable_encoder({"status": "success", "message": "OK", "data": data}))


# The public path is the LOT's; the gateway sends it here, where starts are decided (ADR 0025).
@router.post("/lots/{lot_number}/close", tags=["lots"], response_model=SuccessBody[LotCloseData])
async def close_lot(
    lot_number: str, request: Request, principal: Manager, body: LotCloseRequest | None = None
) -> JSONResponse:
    body = body or LotCloseRequest()
    svc = _svc(request)
    actor = actor_of(principal)

    async def close() -> dict[str, Any]:
        async with svc.rt.db.transaction() as session:
            return await closing.close_lot(
                svc.rt,
                session,
                lot_number,
                force=body.force,
                reason=body.reason,
                actor=actor,
                closed_by=principal.user_id,
                correlation_id=request.state.request_id,
            )

    data = await svc.arrivals.retry_on_miss(lot_number, close)
    message = "LOT이 마감되었습니다 (LOT closed)"
    if data["forced"]:
        message = (
            "LOT이 강제 마감되었습니다 (LOT closed by force; its open steps can still complete)"
        )
    return JSONResponse({"status": "success", "message": message, "data": data})


# -- non-conformance reports (ADR 0023) ---------------------------------------------------


@router.get("/ncr", tags=["ncr"], response_model=SuccessBody[Page[NcrRead]])
async def list_ncrs(
    request: Request,
    _: Reader,
    status: Literal["OPEN", "CLOSED"] | None = None,
    lot_number: Annotated[str | None, Query(max_length=64)] = None,
    process_id: Annotated[str | None, Query(max_length=16)] = None,
    date_from: Annotated[date | None, Query(description="Opened on or after (factory day)")] = None,
    date_to: Annotated[date | None, Query(description="Opened on or before (factory day)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JSONResponse:
    tz = _svc(request).tz

    def start_of(day: date | None) -> datetime | None:
        return datetime.combine(day, time(), tz) if day else None

    async with request.app.state.runtime.db.transaction() as session:
        rows, total = await repo.list_ncrs(
            session,
            status=status,
            lot_number=lot_number,
            process_id=process_id,
            opened_from=start_of(date_from),
            opened_to=start_of(date_to + timedelta(days=1)) if date_to else None,
            limit=limit,
            offset=offset,
        )
    data = {"items": [ncr_view(r) for r in rows], "total": total, "limit": limit, "offset": offset}
    return JSONResponse({"status": "success", "message": "OK", "data": data})


@router.get("/ncr/{ncr_number}", tags=["ncr"], response_model=SuccessBody[NcrRead])
async def get_ncr(ncr_number: NcrNumberPath, request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        row = await repo.get_ncr(session, ncr_number)
    if row is None:
        raise MesError(ErrorCode.NCR_NOT_FOUND, data={"ncr_number": ncr_number})
    return JSONResponse({"status": "success", "message": "OK", "data": ncr_view(row)})


@router.post("/ncr/{ncr_number}/disposition", tags=["ncr"], response_model=SuccessBody[NcrRead])
async def dispose_ncr(
    ncr_number: NcrNumberPath,
    body: NcrDispositionRequest,
    request: Request,
    principal: Disposer,
) -> JSONResponse:
    svc = _svc(request)
    async with svc.rt.db.transaction() as session:
        data = await svc.dispose(
            session,
            ncr_number,
            body.model_dump(mode="json"),
            actor=actor_of(principal),
            correlation_id=request.state.request_id,
        )
    message = "부적합 보고서가 종결되었습니다 (NCR closed)"
    return JSONResponse({"status": "success", "message": message, "data": data})
