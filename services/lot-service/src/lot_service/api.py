"""HTTP routes of lot-service: parse, call the use case, shape the contract's body."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from mes_contracts import routing_progress as rp
from mes_contracts.api import (
    LotCreateRequest,
    LotRead,
    LotSerials,
    ProductModelRead,
    SerialRead,
    SerialReplacementRequest,
    SerialStatusChangeRequest,
)
from mes_contracts.api.common import Page
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from mes_contracts.roles import Role
from servicekit.auth import Manager, Principal, Reader, require_roles
from servicekit.paging import PageLimit, PageOffset
from servicekit.runtime import actor_of

from . import repository as repo
from .service import LotService

router = APIRouter(prefix="/api/v1")
QualityDecider = Annotated[
    Principal, Depends(require_roles({Role.ADMIN, Role.PRODUCTION_MANAGER, Role.QUALITY_MANAGER}))
]


def _svc(request: Request) -> LotService:
    return request.app.state.lot_service


def _ok(message: str, data: Any) -> dict[str, Any]:
    return {"status": "success", "message": message, "data": data}


def _answer(message: str, data: Any, status_code: int = 200) -> JSONResponse:
    """The body as built (JSON types already): the route's `response_model` documents it
    in the OpenAPI document without re-serialising it (datetimes keep `+00:00`)."""
    return JSONResponse(_ok(message, data), status_code=status_code)


def _lot_view(lot: dict[str, Any]) -> dict[str, Any]:
    return {
        "lot_number": lot["lot_number"],
        "product_model": lot["product_model"],
        "factory": lot["factory"],
        "production_date": lot["production_date"].isoformat(),
        "shift": lot["shift"],
        "sequence": lot["sequence"],
        "target_quantity": lot["target_quantity"],
        "scrapped_quantity": lot.get("scrapped_quantity") or 0,
        "good_quantity": lot["target_quantity"] - (lot.get("scrapped_quantity") or 0),
        "status": lot["status"],
        "on_hold": lot.get("hold_ncr") is not None,
        "hold": _hold_view(lot),
        "created_at": lot["created_at"].isoformat(),
        "created_by": lot["created_by"],
    }


def _hold_view(lot: dict[str, Any]) -> dict[str, Any] | None:
    if lot.get("hold_ncr") is None:
        return None
    return {
        "ncr_number": lot["hold_ncr"],
        "process_id": lot["hold_process_id"],
        "phase": lot["hold_phase"],
        "rework_from": lot["rework_from"],
    }


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def lot_progress(
    routing: list[dict[str, Any]], records: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """Every step of the routing with what is known of it (NOT_STARTED when nothing), and
    the percent completed (`mes_contracts.routing_progress`)."""
    known = {r["process_id"]: r for r in records}
    steps = [
        rp.Step(s["process_id"], s["sequence"], s["name_ko"], s["name_en"]) for s in routing
    ] or [rp.Step(r["process_id"], r["sequence_number"], r["process_name"]) for r in records]
    where = rp.progress(
        steps,
        (rp.StepRecord(r["process_id"], r["status"] == "COMPLETED", r["result"]) for r in records),
    )
    out = []
    for status in where.steps:
        record = known.get(status.step.process_id, {})
        out.append(
            {
                **status.fields(),
                "worker_id": record.get("worker_id"),
                "start_time": _iso(record.get("start_time")),
                "complete_time": _iso(record.get("complete_time")),
                "result": record.get("result"),
                "work_order_id": record.get("work_order_id"),
            }
        )
    return out, where.percent


@router.get("/products", tags=["lots"], response_model=SuccessBody[list[ProductModelRead]])
async def list_products(request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        models = await repo.list_product_models(session)
    return _answer("OK", [{k: _iso(v) for k, v in m.items()} for m in models])


@router.post("/lots", status_code=201, tags=["lots"], response_model=SuccessBody[LotRead])
async def create_lot(body: LotCreateRequest, request: Request, principal: Manager) -> JSONResponse:
    svc = _svc(request)
    async with svc.rt.db.transaction() as session:
        lot = await svc.create_lot(
            session,
            product_model=body.product_model,
            target_quantity=body.target_quantity,
            shift=body.shift.value,
            actor=actor_of(principal),
            correlation_id=request.state.request_id,
        )
    return _answer("LOT이 생성되었습니다 (LOT created)", _lot_view(lot), status_code=201)


@router.get("/lots", tags=["lots"], response_model=SuccessBody[Page[LotRead]])
async def list_lots(
    request: Request,
    _: Reader,
    status: Literal["CREATED", "IN_PROGRESS", "COMPLETED", "CLOSED"] | None = None,
    product_model: Annotated[str | None, Query(max_length=8)] = None,
    production_date: date | None = None,
    shift: Literal["D", "N"] | None = None,
    on_hold: bool | None = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        rows, total = await repo.list_lots(
            session,
            status=status,
            product_model=product_model,
            production_date=production_date,
            shift=shift,
            on_hold=on_hold,
            limit=limit,
            offset=offset,
        )
    items = [_lot_view(r) for r in rows]
    return _answer("OK", {"items": items, "total": total, "limit": limit, "offset": offset})


@router.get("/lots/{lot_number}", tags=["lots"], response_model=SuccessBody[LotRead])
async def get_lot(lot_number: str, request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        lot = await repo.get_lot(session, lot_number)
        if lot is None:
            raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": lot_number})
        processes = await repo.lot_process_rows(session, lot_number)
        routing = await repo.routing_of(session, lot["product_model"])
        history = await repo.status_history(session, lot_number)
        serial_count = await repo.count_serials(session, lot_number)
    view = _lot_view(lot)
    view["processes"], view["progress_percent"] = lot_progress(routing, processes)
    view["status_history"] = [
        {k: _iso(v) for k, v in h.items() if k not in ("id", "lot_number")} for h in history
    ]
    view["serial_count"] = serial_count
    return _answer("OK", view)


def _serial_view(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "serial_number": s["serial_number"],
        "lot_number": s["lot_number"],
        "sequence": s["sequence"],
        "status": s["status"],
        "created_at": s["created_at"].isoformat(),
        "created_by": s["created_by"],
        "replacement_reason": s["replacement_reason"],
        "status_reason": s.get("status_reason"),
    }


@router.get("/lots/{lot_number}/serials", tags=["serials"], response_model=SuccessBody[LotSerials])
async def lot_serials(lot_number: str, request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        if await repo.get_lot(session, lot_number) is None:
            raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": lot_number})
        rows = await repo.list_serials(session, lot_number)
    return _answer("OK", {"items": [_serial_view(s) for s in rows], "total": len(rows)})


@router.post(
    "/lots/{lot_number}/serials",
    status_code=201,
    tags=["serials"],
    response_model=SuccessBody[SerialRead],
)
async def add_replacement_serial(
    lot_number: str, body: SerialReplacementRequest, request: Request, principal: Manager
) -> JSONResponse:
    svc = _svc(request)
    async with svc.rt.db.transaction() as session:
        row = await svc.add_replacement_serial(
            session,
            lot_number,
            reason=body.reason,
            actor=actor_of(principal),
            correlation_id=request.state.request_id,
        )
    return _answer("시리얼이 추가되었습니다 (serial allocated)", _serial_view(row), status_code=201)


@router.get("/serials/{serial_number}", tags=["serials"], response_model=SuccessBody[SerialRead])
async def get_serial(serial_number: str, request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        serial = await repo.get_serial(session, serial_number)
    if serial is None:
        raise MesError(ErrorCode.SERIAL_NOT_FOUND, data={"serial_number": serial_number})
    return _answer("OK", _serial_view(serial))


@router.patch("/serials/{serial_number}", tags=["serials"], response_model=SuccessBody[SerialRead])
async def change_serial_status(
    serial_number: str, body: SerialStatusChangeRequest, request: Request, principal: QualityDecider
) -> JSONResponse:
    svc = _svc(request)
    async with svc.rt.db.transaction() as session:
        serial = await svc.change_serial_status(
            session,
            serial_number,
            body.status,
            reason=body.reason,
            actor=actor_of(principal),
            correlation_id=request.state.request_id,
        )
    return _answer("시리얼 상태가 변경되었습니다 (serial status changed)", _serial_view(serial))
