"""Trace and dashboard routes (every signed-in role may read them)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from mes_contracts.api.dashboard import DashboardSummary
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
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from mes_contracts.times import AwareTimestamp
from servicekit.auth import Reader
from servicekit.paging import PageOffset

from . import queries

router = APIRouter(prefix="/api/v1")
Id64 = Annotated[str, Query(min_length=1, max_length=64)]


def _ok(data: Any) -> dict[str, Any]:
    return {"status": "success", "message": "OK", "data": data}


def _answer(data: Any) -> JSONResponse:
    """The body as FastAPI would encode it: the route's `response_model` documents it
    without re-serialising (ADR 0021)."""
    return JSONResponse(jsonable_encoder(_ok(data)))


def _db(request: Request):
    return request.app.state.runtime.db


@router.get(
    "/trace/serials/{serial_number}", tags=["trace"], response_model=SuccessBody[TraceSerial]
)
async def trace_serial(serial_number: str, request: Request, _: Reader) -> JSONResponse:
    async with _db(request).transaction() as session:
        data = await queries.serial_history(session, serial_number)
    if data is None:
        raise MesError(ErrorCode.SERIAL_NOT_FOUND, data={"serial_number": serial_number[:64]})
    return _answer(data)


@router.get("/trace/lots/{lot_number}", tags=["trace"], response_model=SuccessBody[TraceLot])
async def trace_lot(lot_number: str, request: Request, _: Reader) -> JSONResponse:
    async with _db(request).transaction() as session:
        data = await queries.lot_history(session, lot_number)
    if data is None:
        raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": lot_number[:64]})
    return _answer(data)


@router.get(
    "/trace/lots/{lot_number}/events", tags=["trace"], response_model=SuccessBody[LotEvents]
)
async def trace_lot_events(lot_number: str, request: Request, _: Reader) -> JSONResponse:
    async with _db(request).transaction() as session:
        items = await queries.lot_events(session, lot_number)
    if not items:
        raise MesError(ErrorCode.LOT_NOT_FOUND, data={"lot_number": lot_number[:64]})
    return _answer({"lot_number": lot_number, "events": items})


@router.get(
    "/trace/components/{component_lot}",
    tags=["trace"],
    response_model=SuccessBody[Recall],
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ?format=csv"}},
)
async def trace_component(
    component_lot: str, request: Request, _: Reader, format: Literal["json", "csv"] = "json"
) -> Response:
    """Recall: every LOT and serial that used this component LOT (`?format=csv` to export)."""
    async with _db(request).transaction() as session:
        data = await queries.recall(session, component_lot[:64])
    if format == "json":
        return _answer(data)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "component_lot",
            "component_type",
            "lot_number",
            "lot_status",
            "process_id",
            "used_at",
            "worker_id",
            "serial_number",
            "serial_status",
        ]
    )
    for use in data["usages"]:
        head = [
            component_lot,
            use["component_type"],
            use["lot_number"],
            use["lot_status"],
            use["process_id"],
            use["used_at"],
            use["worker_id"],
        ]
        for s in use["serials"] or [{"serial_number": "", "status": ""}]:
            writer.writerow([*head, s["serial_number"], s["status"]])
    safe = (c if (c.isascii() and c.isalnum()) or c in "-_" else "_" for c in component_lot)
    filename = "".join(safe)[:64]  # a header is latin-1: no Korean or emoji in it
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="recall_{filename}.csv"'},
    )


@router.get("/trace/defects", tags=["trace"], response_model=SuccessBody[DefectList])
async def trace_defects(
    request: Request,
    _: Reader,
    since: AwareTimestamp | None = None,
    until: AwareTimestamp | None = None,
    process_id: Annotated[str | None, Query(pattern=r"^PROC-[0-9]{3}$")] = None,
    lot_number: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: PageOffset = 0,
) -> JSONResponse:
    async with _db(request).transaction() as session:
        data = await queries.defect_list(
            session,
            since=since,
            until=until,
            process_id=process_id,
            lot_number=lot_number,
            limit=limit,
            offset=offset,
        )
    return _answer(data)


@router.get(
    "/trace/workers/{worker_id}", tags=["trace"], response_model=SuccessBody[WorkerActivity]
)
async def trace_worker(
    worker_id: str,
    request: Request,
    _: Reader,
    since: AwareTimestamp | None = None,
    until: AwareTimestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> JSONResponse:
    async with _db(request).transaction() as session:
        data = await queries.worker_activity(
            session, worker_id[:32], since=since, until=until, limit=limit
        )
    return _answer(data)


@router.get(
    "/trace/measurements",
    tags=["trace"],
    response_model=SuccessBody[MeasurementSeries | MeasurementChecks],
)
async def trace_measurements(
    request: Request,
    _: Reader,
    check: Annotated[str | None, Query(max_length=100)] = None,
    since: AwareTimestamp | None = None,
    until: AwareTimestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> JSONResponse:
    """Without `check`: which checks have data. With it: the series with its spec limits."""
    async with _db(request).transaction() as session:
        if check is None:
            return _answer({"checks": await queries.measurement_checks(session)})
        data = await queries.measurement_series(
            session, check, since=since, until=until, limit=limit
        )
    return _answer(data)


@router.get("/dashboard/summary", tags=["dashboard"], response_model=SuccessBody[DashboardSummary])
async def dashboard_summary(request: Request, _: Reader, day: date | None = None) -> JSONResponse:
    """Today's (factory date) started / completed / defects by process, WIP, open LOTs,
    recent events."""
    today = day or datetime.now(request.app.state.factory_tz).date()
    async with _db(request).transaction() as session:
        data = await queries.dashboard_summary(session, today)
    # Already JSON types: skip FastAPI's encoder, the summary is polled by every dashboard.
    return JSONResponse(_ok(data))
