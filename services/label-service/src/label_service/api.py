"""HTTP routes of label-service: printers, printing, jobs, reprints, previews."""

from __future__ import annotations

import asyncio
import base64
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from mes_contracts.api.common import Page
from mes_contracts.api.label import (
    JobResult,
    LabelJobRead,
    LabelPrintData,
    LabelPrintRequest,
    LotLabelRequest,
    ReprintList,
    ReprintRequest,
    SerialLabelRequest,
)
from mes_contracts.api.printers import PrinterBody, PrinterPatch, PrinterRead, PrinterStatus
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from mes_contracts.limits import MAX_BIGINT
from mes_contracts.validation import mes_error_from_validation
from mes_label_drivers.labels import LabelData, Media, invalid
from pydantic import TypeAdapter, ValidationError
from servicekit.auth import Admin, FloorWriter, Reader
from servicekit.paging import PageLimit, PageOffset
from servicekit.runtime import actor_of
from zplkit.rendering import RenderError

from . import printers as registry
from . import repository as repo
from .jobs import job_view
from .preview import render_png
from .service import LabelService, label_from_request

router = APIRouter(prefix="/api/v1")
_REQUEST = TypeAdapter(LabelPrintRequest)
# A BIGINT: a larger id is a 400, not a database error.
JobId = Annotated[int, Path(ge=1, le=MAX_BIGINT)]
JOB_STATES = Literal["queued", "sending", "retrying", "pending", "sent", "failed"]


def _svc(request: Request) -> LabelService:
    return request.app.state.label_service


def _ok(message: str, data: Any, status: int = 200) -> JSONResponse:
    """The body as FastAPI would encode it: the route's `response_model` documents it
    without re-serialising (ADR 0021)."""
    body = {"status": "success", "message": message, "data": data}
    return JSONResponse(jsonable_encoder(body), status_code=status)


def _print_answer(job: dict[str, Any], printed: bool) -> JSONResponse:
    data = {
        "label_type": job["label_type"],
        "lot_number": job["lot_number"],
        "serial_number": job["serial_number"],
        "printer_id": job["printer_id"],
        "print_time": job["sent_at"].isoformat() if printed else None,
        "job_id": str(job["id"]),
        "state": job["state"],
        "reprint": job["reprint"],
    }
    if printed:
        return _ok("라벨이 출력되었습니다", data)
    return _ok(
        "라벨이 작업장 프린터 대기열에 등록되었습니다 (queued for the workstation)", data, 202
    )


# Printed: 200; queued for a workstation's serial printer: 202, the same body.
_PRINT_ANSWER: dict[str, Any] = {
    "response_model": SuccessBody[LabelPrintData],
    "responses": {202: {"model": SuccessBody[LabelPrintData]}},
}


# -- printers ---------------------------------------------------------------------------
@router.get("/printers", tags=["printers"], response_model=SuccessBody[list[PrinterRead]])
async def list_printers(request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        rows = await repo.list_printers(session)
    return _ok("OK", [registry.printer_view(p) for p in rows])


@router.post(
    "/printers", status_code=201, tags=["printers"], response_model=SuccessBody[PrinterRead]
)
async def register_printer(body: PrinterBody, request: Request, who: Admin) -> JSONResponse:
    rt = request.app.state.runtime
    async with rt.db.transaction() as session:
        row = await registry.register(rt, session, body, actor_of(who), request.state.request_id)
    return _ok("프린터가 등록되었습니다 (printer registered)", registry.printer_view(row), 201)


@router.get("/printers/{printer_id}", tags=["printers"], response_model=SuccessBody[PrinterRead])
async def get_printer(printer_id: str, request: Request, _: Reader) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        row = await repo.get_printer(session, printer_id)
    if row is None:
        raise MesError(ErrorCode.PRINTER_NOT_FOUND, data={"printer_id": printer_id})
    return _ok("OK", registry.printer_view(row))


@router.patch("/printers/{printer_id}", tags=["printers"], response_model=SuccessBody[PrinterRead])
async def update_printer(
    printer_id: str, body: PrinterPatch, request: Request, who: Admin
) -> JSONResponse:
    rt = request.app.state.runtime
    async with rt.db.transaction() as session:
        row = await registry.update(
            rt, session, printer_id, body, actor_of(who), request.state.request_id
        )
    return _ok("프린터가 수정되었습니다 (printer updated)", registry.printer_view(row))


@router.get(
    "/printers/{printer_id}/status", tags=["printers"], response_model=SuccessBody[PrinterStatus]
)
async def printer_status(printer_id: str, request: Request, _: Reader) -> JSONResponse:
    svc = _svc(request)
    async with svc.rt.db.transaction() as session:
        printer = await repo.get_printer(session, printer_id)
    if printer is None:
        raise MesError(ErrorCode.PRINTER_NOT_FOUND, data={"printer_id": printer_id})
    if printer["transport"] != "TCP":
        return _ok(
            "OK",
            {
                "printer_id": printer_id,
                "state": "unknown",
                "detail": "serial printers are queried by their workstation",
            },
        )
    report = await svc.jobs.tcp(printer).status()
    return _ok(
        "OK", {"printer_id": printer_id, "state": report.state.value, "detail": report.detail}
    )


# -- printing -----------------------------------------------------------------------------
def _label_request(raw: bytes | dict[str, Any]) -> LotLabelRequest | SerialLabelRequest:
    """A print (JSON body) or preview (query) request, parsed by the same DTO with the same
    errors; the label itself is then checked by `Jobs.check` in both."""
    try:
        if isinstance(raw, bytes):
            return _REQUEST.validate_json(raw)
        return _REQUEST.validate_python(raw)
    except ValidationError as exc:
        error = mes_error_from_validation(exc)
        if error.code is not ErrorCode.REASON_REQUIRED:
            error = MesError(ErrorCode.INVALID_LABEL_DATA, data=error.data, detail=error.detail)
        raise error from exc


@router.post("/label/print", tags=["labels"], **_PRINT_ANSWER)
async def print_label(request: Request, who: FloorWriter) -> JSONResponse:
    body = _label_request(await request.body())
    job, printed = await _svc(request).print_now(
        label_from_request(body),
        body.printer_id,
        actor_of(who),
        reprint=body.reprint,
        reason=body.reason,
        correlation_id=request.state.request_id,
    )
    return _print_answer(job, printed)


@router.post("/label/reprint", tags=["labels"], **_PRINT_ANSWER)
async def reprint_label(body: ReprintRequest, request: Request, who: FloorWriter) -> JSONResponse:
    job, printed = await _svc(request).reprint(body, actor_of(who), request.state.request_id)
    return _print_answer(job, printed)


@router.get("/label/reprints", tags=["labels"], response_model=SuccessBody[ReprintList])
async def reprint_history(
    request: Request,
    _: Reader,
    lot_number: str | None = None,
    serial_number: str | None = None,
    limit: PageLimit = 100,
) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        rows = await repo.list_reprints(session, lot_number, serial_number, limit)
    items = [
        {**r, "job_id": str(r["job_id"]), "requested_at": r["requested_at"].isoformat()}
        for r in rows
    ]
    return _ok("OK", {"items": items, "total": len(items)})


# -- jobs ---------------------------------------------------------------------------------
@router.get("/label/jobs", tags=["jobs"], response_model=SuccessBody[Page[LabelJobRead]])
async def list_jobs(
    request: Request,
    _: Reader,
    station_id: str | None = None,
    state: JOB_STATES | None = None,
    printer_id: str | None = None,
    lot_number: str | None = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> JSONResponse:
    """With `station_id`, each job also carries its rendered bytes (`content_base64`) and
    `language`: what the workstation sends to its serial printer."""
    svc = _svc(request)
    async with svc.rt.db.transaction() as session:
        rows, total = await repo.list_jobs(
            session,
            limit=limit,
            offset=offset,
            station_id=station_id,
            state=state,
            printer_id=printer_id,
            lot_number=lot_number,
        )
        printers = {p["printer_id"]: p for p in await repo.list_printers(session)}
    items = []
    for job in rows:
        view = job_view(job)
        printer = printers.get(job["printer_id"] or "")
        if station_id and printer is not None:
            view |= {
                "language": printer["language"],
                "serial_port": printer["serial_port"],
                "baudrate": printer["baudrate"],
            }
            try:
                view["content_base64"] = base64.b64encode(svc.jobs.render(job, printer)).decode()
            except MesError as exc:  # e.g. text this printer's language cannot encode
                view["content_base64"], view["render_error"] = None, exc.message
        items.append(view)
    return _ok("OK", {"items": items, "total": total, "limit": limit, "offset": offset})


async def _job(request: Request, job_id: int) -> dict[str, Any]:
    async with request.app.state.runtime.db.transaction() as session:
        job = await repo.get_job(session, job_id)
    if job is None:
        raise MesError(ErrorCode.NOT_FOUND, data={"job_id": str(job_id)})
    return job


@router.get("/label/jobs/{job_id}", tags=["jobs"], response_model=SuccessBody[LabelJobRead])
async def get_job(job_id: JobId, request: Request, _: Reader) -> JSONResponse:
    return _ok("OK", job_view(await _job(request, job_id)))


@router.post("/label/jobs/{job_id}/result", tags=["jobs"], response_model=SuccessBody[LabelJobRead])
async def job_result(
    job_id: JobId, body: JobResult, request: Request, who: FloorWriter
) -> JSONResponse:
    job = await _svc(request).record_result(job_id, body, actor_of(who), request.state.request_id)
    return _ok("OK", job_view(job))


@router.post("/label/jobs/{job_id}/retry", tags=["jobs"], response_model=SuccessBody[LabelJobRead])
async def retry_job(job_id: JobId, request: Request, _: FloorWriter) -> JSONResponse:
    return _ok("OK", job_view(await _svc(request).retry(job_id)))


# -- previews -----------------------------------------------------------------------------
async def _png(request: Request, label: LabelData, media: Media) -> Response:
    settings = _svc(request).jobs.settings
    try:
        png = await asyncio.to_thread(
            render_png, label, media, settings.label_zpl_hangul_font, settings.label_preview_font
        )
    except RenderError as exc:  # e.g. a character no label font has
        raise invalid("product_model", f"cannot be rendered: {exc}"[:200]) from exc
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=300"})


@router.get("/label/jobs/{job_id}/preview", tags=["jobs"], response_class=Response)
async def job_preview(job_id: JobId, request: Request, _: Reader) -> Response:
    job = await _job(request, job_id)
    async with request.app.state.runtime.db.transaction() as session:
        printer = await repo.get_printer(session, job["printer_id"] or "")
    svc = _svc(request)
    return await _png(request, LabelData.from_json(job["data"]), svc.jobs.media(printer))


@router.get("/label/preview", tags=["labels"], response_class=Response)
async def preview(
    request: Request,
    _: Reader,
    label_type: Literal["LOT", "SERIAL"],
    lot_number: str,
    product_model: str,
    created_date: date,
    serial_number: str | None = None,
    target_quantity: int | None = None,
    dpi: Annotated[int, Query(ge=100, le=600)] = 203,
    width_mm: Annotated[int, Query(ge=20, le=300)] = 100,
    height_mm: Annotated[int, Query(ge=10, le=300)] = 50,
) -> Response:
    """The label as a ZPL printer would print it; refused exactly when a print request with
    the same fields would be (same DTO, same `Jobs.check`)."""
    fields = {
        "label_type": label_type,
        "lot_number": lot_number,
        "product_model": product_model,
        "created_date": created_date,
        "serial_number": serial_number,
        "target_quantity": target_quantity,
    }
    body = _label_request({k: v for k, v in fields.items() if v is not None})
    label = _svc(request).jobs.check(label_from_request(body))
    return await _png(request, label, Media(dpi, width_mm, height_mm))
