"""Catalogue routes: upload, release and rollback (admin); list, detail, current and
release history (every signed-in role); the download log (admin)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from mes_contracts.api.common import Page
from mes_contracts.api.firmware import (
    FirmwareDetail,
    FirmwareDownloadRecord,
    FirmwareReleaseData,
    FirmwareReleaseRecord,
    FirmwareReleaseRequest,
    FirmwareRollbackData,
    FirmwareRollbackRequest,
    FirmwareUploadData,
)
from mes_contracts.errors import ErrorCode, MesError, SuccessBody
from mes_contracts.identifiers import FIRMWARE_VERSION_RE, MD5_RE, SHA256_RE, is_firmware_version
from servicekit.auth import Admin, Reader
from servicekit.paging import PageLimit, PageOffset

from . import repository as repo
from .service import FirmwareService, Upload
from .views import download_view, firmware_view, release_view

router = APIRouter(prefix="/api/v1/firmware", tags=["firmware"])
State = Literal["UPLOADED", "RELEASED", "SUPERSEDED", "WITHDRAWN"]


def checked_version(version: str) -> str:
    if not is_firmware_version(version):
        raise MesError(
            ErrorCode.INVALID_FIRMWARE_VERSION,
            data={"version": version[:40], "pattern": FIRMWARE_VERSION_RE},
        )
    return version


def service_of(request: Request) -> FirmwareService:
    return request.app.state.firmware_service


def _ok(message: str, data: Any, status_code: int = 200) -> JSONResponse:
    body = {"status": "success", "message": message, "data": data}
    return JSONResponse(body, status_code=status_code)


def _page(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.post(
    "",
    status_code=201,
    response_model=SuccessBody[FirmwareUploadData],
    responses={200: {"model": SuccessBody[FirmwareUploadData], "description": "Already uploaded"}},
)
async def upload(
    request: Request,
    principal: Admin,
    version: Annotated[str, Form(max_length=32)],
    target_mcu: Annotated[str, Form(min_length=1, max_length=64)],
    file: Annotated[UploadFile, File()],
    release_notes: Annotated[str | None, Form(max_length=10000)] = None,
    md5_hash: Annotated[str | None, Form(pattern=MD5_RE)] = None,
    sha256: Annotated[str | None, Form(pattern=SHA256_RE)] = None,
) -> JSONResponse:
    """Store a binary (streamed; size, MD5 and SHA-256 computed on the way). The same
    version with the same bytes for the same MCU answers 200 `already_uploaded`; with
    other bytes 409 FIRMWARE_VERSION_EXISTS. Optional `md5_hash` / `sha256` are checked."""
    checked_version(version)
    await file.seek(0)
    up = Upload(version, target_mcu, release_notes, file.file, file.size, md5_hash, sha256)
    row, already = await service_of(request).upload(up, principal, request.state.request_id)
    data = {**firmware_view(row), "already_uploaded": already}
    if already:
        return _ok("이미 업로드된 펌웨어입니다", data)
    return _ok("펌웨어가 업로드되었습니다", data, status_code=201)


@router.get("", response_model=SuccessBody[Page[FirmwareDetail]])
async def list_versions(
    request: Request,
    _: Reader,
    state: State | None = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> JSONResponse:
    async with request.app.state.runtime.db.transaction() as session:
        rows, total = await repo.list_versions(session, state=state, limit=limit, offset=offset)
    return _ok("OK", _page([firmware_view(r) for r in rows], total, limit, offset))


@router.get("/current", response_model=SuccessBody[FirmwareDetail])
async def current(request: Request, _: Reader) -> JSONResponse:
    """The released version (the one PROC-004 starts hand out)."""
    async with request.app.state.runtime.db.transaction() as session:
        row = await repo.released(session)
    if row is None:
        raise MesError(ErrorCode.NO_RELEASED_FIRMWARE)
    return _ok("OK", firmware_view(row))


@router.get("/releases", response_model=SuccessBody[Page[FirmwareReleaseRecord]])
async def releases(
    request: Request,
    _: Reader,
    version: str | None = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> JSONResponse:
    """Release history, newest first: every release and rollback with who, when, why."""
    if version is not None:
        checked_version(version)
    async with request.app.state.runtime.db.transaction() as session:
        rows, total = await repo.list_releases(session, version=version, limit=limit, offset=offset)
    return _ok("OK", _page([release_view(r) for r in rows], total, limit, offset))


@router.get("/downloads", response_model=SuccessBody[Page[FirmwareDownloadRecord]])
async def downloads(
    request: Request,
    _: Admin,
    version: str | None = None,
    station_id: Annotated[str | None, Query(max_length=64)] = None,
    user_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: PageLimit = 100,
    offset: PageOffset = 0,
) -> JSONResponse:
    """Which station (and user) downloaded which binary, newest first."""
    if version is not None:
        checked_version(version)
    filters = {"version": version, "station_id": station_id, "user_id": user_id}
    async with request.app.state.runtime.db.transaction() as session:
        rows, total = await repo.list_downloads(
            session, filters=filters, limit=limit, offset=offset
        )
    return _ok("OK", _page([download_view(r) for r in rows], total, limit, offset))


@router.get("/{version}", response_model=SuccessBody[FirmwareDetail])
async def detail(version: str, request: Request, _: Reader) -> JSONResponse:
    checked_version(version)
    async with request.app.state.runtime.db.transaction() as session:
        row = await repo.get_version(session, version)
    if row is None:
        raise MesError(ErrorCode.FIRMWARE_NOT_FOUND, data={"version": version})
    return _ok("OK", firmware_view(row))


@router.post("/{version}/release", response_model=SuccessBody[FirmwareReleaseData])
async def release(
    version: str,
    request: Request,
    principal: Admin,
    body: Annotated[FirmwareReleaseRequest | None, Body()] = None,
) -> JSONResponse:
    """Make `version` the released one (the previous one becomes SUPERSEDED)."""
    checked_version(version)
    reason = body.reason if body else None
    row, changed = await service_of(request).release(
        version, principal, reason, request.state.request_id
    )
    data = {**firmware_view(row), "already_released": not changed}
    return _ok("펌웨어가 배포되었습니다", data)


@router.post("/{version}/rollback", response_model=SuccessBody[FirmwareRollbackData])
async def rollback(
    version: str,
    request: Request,
    principal: Admin,
    body: Annotated[FirmwareRollbackRequest | None, Body()] = None,
) -> JSONResponse:
    """Withdraw `version` (it must be the released one) and re-release the version that
    was released before it. Naming the version makes a repeated click harmless."""
    checked_version(version)
    reason = body.reason if body else None
    restored, withdrawn, changed = await service_of(request).rollback(
        version, principal, reason, request.state.request_id
    )
    data = {
        "released": firmware_view(restored) if restored is not None else None,
        "withdrawn": firmware_view(withdrawn),
        "already_withdrawn": not changed,
    }
    return _ok("펌웨어가 롤백되었습니다", data)
