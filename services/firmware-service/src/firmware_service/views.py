"""Rows → the contract's JSON shapes."""

from __future__ import annotations

from typing import Any

from mes_contracts.api.firmware import FirmwareRead
from mes_contracts.identifiers import firmware_download_path
from sqlalchemy import Row


def firmware_view(row: Row[Any]) -> dict[str, Any]:
    read = FirmwareRead(
        version=row.version,
        filename=row.filename,
        file_size=row.file_size,
        md5_hash=row.md5_hash,
        sha256=row.sha256,
        target_mcu=row.target_mcu,
        release_notes=row.release_notes,
        state=row.state,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        released_at=row.released_at,
        released_by=row.released_by,
        download_url=firmware_download_path(row.version),
    )
    view = read.model_dump(mode="json")
    view["withdrawn_at"] = _iso(row.withdrawn_at)
    view["withdrawn_by"] = row.withdrawn_by
    view["withdrawn_reason"] = row.withdrawn_reason
    return view


def release_view(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "action": row.action,
        "version": row.version,
        "previous_version": row.previous_version,
        "reason": row.reason,
        "actor_user_id": row.actor_user_id,
        "actor_role": row.actor_role,
        "request_id": row.request_id,
        "at": _iso(row.at),
    }


def download_view(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "version": row.version,
        "user_id": row.user_id,
        "role": row.role,
        "worker_id": row.worker_id,
        "station_id": row.station_id,
        "client_ip": row.client_ip,
        "request_id": row.request_id,
        "range": row.range_header,
        "status_code": row.status_code,
        "first_byte": row.first_byte,
        "content_length": row.content_length,
        "bytes_sent": row.bytes_sent,
        "completed": row.completed,
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
