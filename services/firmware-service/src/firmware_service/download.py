"""`GET /api/v1/firmware/download/{version}`: streamed, resumable (single Range, If-Range),
recorded per response (who, station, range, bytes) with a `firmware.downloaded` event."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.roles import ADMINS
from servicekit.auth import Principal, Reader
from servicekit.http import error_response
from servicekit.logging import get_logger
from sqlalchemy import Row
from starlette.types import Receive, Scope, Send

from . import repository as repo
from .api import checked_version, service_of
from .ranges import UnsatisfiableRangeError, if_range_allows, none_match, parse_range
from .storage import BlobMissingError, ByteStream

log = get_logger(__name__)
router = APIRouter(prefix="/api/v1/firmware", tags=["firmware"])
StationQuery = Annotated[str | None, Query(max_length=64, description="Workstation id")]
_STATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
OCTET = "application/octet-stream"
# What a station (any role but admin) may receive: the released version, or one released
# before and superseded since (a LOT started just before a new release still gets what its
# start named). A build nobody released (UPLOADED) or one withdrawn: admins only, the role
# that releases (docs/rbac.md).
HANDED_OUT = frozenset({"RELEASED", "SUPERSEDED"})


def may_download(principal: Principal, state: str) -> bool:
    return state in HANDED_OUT or principal.role in ADMINS


class RecordedDownload(StreamingResponse):
    """Streams a ByteStream, counts the bytes handed to the connection, and always closes
    the stream and records the outcome — also when the client goes away mid-file."""

    def __init__(
        self,
        stream: ByteStream,
        *,
        status_code: int,
        headers: dict[str, str],
        on_finish: Callable[[int], Awaitable[None]],
    ) -> None:
        super().__init__(stream, status_code=status_code, headers=headers, media_type=OCTET)
        self.stream = stream
        self.on_finish = on_finish
        self.bytes_sent = 0

    async def stream_response(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})  # fmt: skip
        async for chunk in self.body_iterator:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            self.bytes_sent += len(chunk)
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.stream.aclose()
            await asyncio.shield(self._record())

    async def _record(self) -> None:
        try:
            await self.on_finish(self.bytes_sent)
        except Exception:
            log.exception("firmware download not recorded", bytes_sent=self.bytes_sent)


def _station(header: str | None, query: str | None) -> str | None:
    value = header or query
    if value is None:
        return None
    if not _STATION.fullmatch(value):
        raise MesError(
            ErrorCode.VALIDATION_ERROR,
            detail="station_id",
            data={"field": "station_id", "pattern": _STATION.pattern},
        )
    return value


async def _lookup(request: Request, version: str, principal: Principal) -> Row[Any]:
    checked_version(version)
    async with request.app.state.runtime.db.transaction() as session:
        row = await repo.get_version(session, version)
    if row is None:
        raise MesError(ErrorCode.FIRMWARE_NOT_FOUND, data={"version": version})
    if not may_download(principal, row.state):
        raise MesError(
            ErrorCode.FIRMWARE_NOT_RELEASED, data={"version": version, "state": row.state}
        )
    if row.storage_backend != request.app.state.storage.name:
        log.error("firmware stored elsewhere", version=version, backend=row.storage_backend)
        raise MesError(
            ErrorCode.SERVICE_UNAVAILABLE,
            data={"version": version, "reason": f"stored on {row.storage_backend}"},
        )
    return row


def _plan(request: Request, row: Row[Any]) -> tuple[int, int, int, dict[str, str]] | Response:
    """(status, first byte, length, headers) of the answer, or a finished 304/416."""
    etag = f'"{row.sha256}"'
    headers = {
        "Content-Disposition": f'attachment; filename="{row.filename}"',
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, no-cache",
        "X-Firmware-Version": row.version,
        "X-Firmware-MD5": row.md5_hash,
    }
    if none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    size = row.file_size
    asked = request.headers.get("range")
    if asked is not None and not if_range_allows(request.headers.get("if-range"), etag):
        asked = None  # the client's partial copy is of other bytes: send everything
    try:
        wanted = parse_range(asked, size)
    except UnsatisfiableRangeError:
        error = MesError(
            ErrorCode.RANGE_NOT_SATISFIABLE,
            data={"range": (asked or "")[:100], "file_size": size},
        )
        return error_response(error, headers={**headers, "Content-Range": f"bytes */{size}"})
    if wanted is None:
        return 200, 0, size, {**headers, "Content-Length": str(size)}
    headers["Content-Range"] = wanted.content_range(size)
    return 206, wanted.start, wanted.length, {**headers, "Content-Length": str(wanted.length)}


@router.head("/download/{version}", include_in_schema=False)
async def download_head(version: str, request: Request, principal: Reader) -> Response:
    row = await _lookup(request, version, principal)
    plan = _plan(request, row)
    if isinstance(plan, Response):
        return plan
    status, _start, _length, headers = plan
    return Response(status_code=status, headers=headers, media_type=OCTET)


@router.get(
    "/download/{version}",
    response_class=StreamingResponse,
    responses={200: {"content": {OCTET: {}}}, 206: {"description": "Partial content"}},
)
async def download(
    version: str, request: Request, principal: Reader, station_id: StationQuery = None
) -> Response:
    """The binary as `firmware_vX.Y.Z.bin`; `Range: bytes=N-` resumes (If-Range with the
    ETag = SHA-256). Station from `X-Station-Id` or `?station_id=`. Only admins download a
    version that is not (or no longer) handed out: 403 `FIRMWARE_NOT_RELEASED`."""
    station = _station(request.headers.get("x-station-id"), station_id)
    row = await _lookup(request, version, principal)
    plan = _plan(request, row)
    if isinstance(plan, Response):
        return plan
    status, start, length, headers = plan
    storage = request.app.state.storage
    try:
        stream = (
            await storage.open_range(row.storage_key, start, length)
            if length > 0
            else ByteStream(_nothing(), lambda: None)
        )
    except BlobMissingError as exc:
        log.error("firmware binary missing from storage", version=version, key=row.storage_key)
        raise MesError(
            ErrorCode.SERVICE_UNAVAILABLE,
            data={"version": version, "reason": "binary missing from storage"},
        ) from exc
    svc = service_of(request)
    request_id = request.state.request_id
    try:
        download_id = await svc.begin_download(
            {
                "version": row.version,
                "user_id": principal.user_id,
                "role": principal.role.value,
                "worker_id": principal.worker_id,
                "station_id": station,
                "client_ip": principal.source_ip,
                "request_id": request_id,
                "range_header": (request.headers.get("range") or "")[:100] or None,
                "status_code": status,
                "first_byte": start,
                "content_length": length,
                "started_at": datetime.now(UTC),
            }
        )
    except BaseException:
        await stream.aclose()
        raise
    on_finish = partial(svc.finish_download, download_id, principal, request_id)
    return RecordedDownload(stream, status_code=status, headers=headers, on_finish=on_finish)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""
