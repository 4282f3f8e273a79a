"""Firmware routes: upload (admin), list, release (admin), download (any signed-in role)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from mes_contracts import events as ev
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.identifiers import FIRMWARE_VERSION_RE, firmware_filename, is_firmware_version
from mes_contracts.roles import ADMINS, READERS
from servicekit.auth import Principal, require_roles
from servicekit.runtime import actor_of
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from .models import firmware_versions

router = APIRouter(prefix="/api/v1/firmware", tags=["firmware"])
Admin = Annotated[Principal, Depends(require_roles(ADMINS))]
Reader = Annotated[Principal, Depends(require_roles(READERS))]


def _view(row: Any) -> dict[str, Any]:
    return {
        "version": row.version,
        "filename": row.filename,
        "file_size": row.file_size,
        "md5_hash": row.md5_hash,
        "sha256": row.sha256,
        "target_mcu": row.target_mcu,
        "release_notes": row.release_notes,
        "state": row.state,
        "uploaded_by": row.uploaded_by,
        "uploaded_at": row.uploaded_at.isoformat(),
        "download_url": f"/api/v1/firmware/download/{row.version}",
    }


def _checked_version(version: str) -> str:
    if not is_firmware_version(version):
        raise MesError(
            ErrorCode.INVALID_FIRMWARE_VERSION,
            data={"version": version[:40], "pattern": FIRMWARE_VERSION_RE},
        )
    return version


@router.post("", status_code=201)
async def upload(
    request: Request,
    principal: Admin,
    version: Annotated[str, Form(max_length=32)],
    target_mcu: Annotated[str, Form(min_length=1, max_length=64)],
    file: Annotated[UploadFile, File()],
    release_notes: Annotated[str | None, Form(max_length=5000)] = None,
) -> dict[str, Any]:
    _checked_version(version)
    rt, storage = request.app.state.runtime, request.app.state.storage
    key = firmware_filename(version)
    async with rt.db.transaction() as session:
        existing = (
            await session.execute(
                select(firmware_versions).where(firmware_versions.c.version == version)
            )
        ).first()
    if existing is not None:
        raise MesError(ErrorCode.FIRMWARE_VERSION_EXISTS, data={"version": version})
    blob = await asyncio.to_thread(storage.put, key, file.file)
    async with rt.db.transaction() as session:
        row = (
            await session.execute(
                insert(firmware_versions)
                .values(
                    version=version,
                    filename=key,
                    file_size=blob.size,
                    md5_hash=blob.md5,
                    sha256=blob.sha256,
                    target_mcu=target_mcu,
                    release_notes=release_notes,
                    storage_key=key,
                    state="UPLOADED",
                    uploaded_by=principal.user_id,
                    uploaded_at=datetime.now(UTC),
                )
                .on_conflict_do_nothing()
                .returning(firmware_versions)
            )
        ).first()
        if row is None:
            raise MesError(ErrorCode.FIRMWARE_VERSION_EXISTS, data={"version": version})
        await rt.publish(
            session,
            rt.event(
                ev.FIRMWARE_UPLOADED,
                {
                    "version": version,
                    "filename": key,
                    "file_size": blob.size,
                    "md5_hash": blob.md5,
                    "sha256": blob.sha256,
                    "target_mcu": target_mcu,
                    "release_notes": release_notes,
                    "uploaded_at": row.uploaded_at,
                    "uploaded_by": principal.user_id,
                },
                actor=actor_of(principal),
                correlation_id=request.state.request_id,
            ),
        )
    return {"status": "success", "message": "펌웨어가 업로드되었습니다", "data": _view(row)}


@router.get("")
async def list_versions(request: Request, _: Reader) -> dict[str, Any]:
    async with request.app.state.runtime.db.transaction() as session:
        rows = await session.execute(
            select(firmware_versions).order_by(firmware_versions.c.uploaded_at.desc())
        )
        items = [_view(r) for r in rows]
    return {"status": "success", "message": "OK", "data": {"items": items, "total": len(items)}}


@router.post("/{version}/release")
async def release(version: str, request: Request, principal: Admin) -> dict[str, Any]:
    _checked_version(version)
    rt = request.app.state.runtime
    async with rt.db.transaction() as session:
        row = (
            await session.execute(
                select(firmware_versions)
                .where(firmware_versions.c.version == version)
                .with_for_update()
            )
        ).first()
        if row is None:
            raise MesError(ErrorCode.FIRMWARE_NOT_FOUND, data={"version": version})
        await session.execute(
            update(firmware_versions)
            .where(firmware_versions.c.state == "RELEASED")
            .values(state="SUPERSEDED")
        )
        await session.execute(
            update(firmware_versions)
            .where(firmware_versions.c.version == version)
            .values(state="RELEASED")
        )
        now = datetime.now(UTC)
        await rt.publish(
            session,
            rt.event(
                ev.FIRMWARE_RELEASED,
                {
                    "version": version,
                    "filename": row.filename,
                    "file_size": row.file_size,
                    "md5_hash": row.md5_hash,
                    "sha256": row.sha256,
                    "target_mcu": row.target_mcu,
                    "release_notes": row.release_notes,
                    "released_at": now,
                    "released_by": principal.user_id,
                },
                actor=actor_of(principal),
                correlation_id=request.state.request_id,
            ),
        )
        row = (
            await session.execute(
                select(firmware_versions).where(firmware_versions.c.version == version)
            )
        ).first()
    return {"status": "success", "message": "펌웨어가 배포되었습니다", "data": _view(row)}


@router.get("/download/{version}")
async def download(version: str, request: Request, _: Reader) -> FileResponse:
    _checked_version(version)
    async with request.app.state.runtime.db.transaction() as session:
        row = (
            await session.execute(
                select(firmware_versions).where(firmware_versions.c.version == version)
            )
        ).first()
    if row is None:
        raise MesError(ErrorCode.FIRMWARE_NOT_FOUND, data={"version": version})
    path = request.app.state.storage.path_of(row.storage_key)
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=row.filename,
        headers={"ETag": f'"{row.sha256}"'},
    )
