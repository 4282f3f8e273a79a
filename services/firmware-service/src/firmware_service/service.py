"""Use cases: upload, release, roll back, record downloads. Each state change commits
with its event in one transaction (outbox)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from mes_contracts import events as ev
from mes_contracts.errors import ErrorCode, MesError
from mes_contracts.identifiers import firmware_filename
from servicekit.auth import Principal
from servicekit.logging import get_logger
from servicekit.runtime import ServiceRuntime, actor_of
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from . import repository as repo
from .storage import FirmwareStorage, StoredBlob, hash_stream, new_key

log = get_logger(__name__)
Ctx = dict[str, Any]


@dataclass(frozen=True)
class Upload:
    version: str
    target_mcu: str
    release_notes: str | None
    source: BinaryIO
    length: int | None
    expected_md5: str | None = None
    expected_sha256: str | None = None


def _file_fields(row: Row[Any]) -> dict[str, Any]:
    return {
        "version": row.version,
        "filename": row.filename,
        "file_size": row.file_size,
        "md5_hash": row.md5_hash,
        "sha256": row.sha256,
        "target_mcu": row.target_mcu,
        "release_notes": row.release_notes,
    }


def _check_expected(blob: StoredBlob, up: Upload) -> None:
    if blob.size == 0:
        raise MesError(ErrorCode.VALIDATION_ERROR, detail="empty firmware file", data={"size": 0})
    for name, expected, actual in (
        ("md5_hash", up.expected_md5, blob.md5),
        ("sha256", up.expected_sha256, blob.sha256),
    ):
        if expected is not None and expected.lower() != actual:
            raise MesError(
                ErrorCode.CHECKSUM_MISMATCH,
                data={"field": name, "expected": expected.lower(), "actual": actual},
            )


def _same_or_refuse(existing: Row[Any], blob: StoredBlob, up: Upload) -> Row[Any]:
    """The same bytes for the same MCU again: the stored record (idempotent). Else 409."""
    if existing.sha256 == blob.sha256 and existing.target_mcu == up.target_mcu:
        return existing
    raise MesError(
        ErrorCode.FIRMWARE_VERSION_EXISTS,
        data={
            "version": up.version,
            "stored_sha256": existing.sha256,
            "uploaded_sha256": blob.sha256,
            "stored_target_mcu": existing.target_mcu,
        },
    )


class FirmwareService:
    def __init__(self, runtime: ServiceRuntime, storage: FirmwareStorage) -> None:
        self.rt = runtime
        self.storage = storage

    def _event(self, type_: str, data: dict[str, Any], who: Principal, request_id: str | None):
        return self.rt.event(type_, data, actor=actor_of(who), correlation_id=request_id)

    # -- upload ----------------------------------------------------------------------
    async def upload(self, up: Upload, who: Principal, request_id: str) -> tuple[Row[Any], bool]:
        """(row, already_uploaded). Streams once into a fresh key; the DB decides."""
        if up.length == 0:
            raise MesError(ErrorCode.VALIDATION_ERROR, detail="empty firmware file")
        async with self.rt.db.transaction() as session:
            existing = await repo.get_version(session, up.version)
        if existing is not None:  # decide without storing anything
            blob = await asyncio.to_thread(hash_stream, up.source)
            _check_expected(blob, up)
            return _same_or_refuse(existing, blob, up), True
        blob = await self.storage.put(new_key(up.version), up.source, up.length)
        keep = False
        try:
            _check_expected(blob, up)
            async with self.rt.db.transaction() as session:
                row = await repo.insert_version(session, self._version_values(up, blob, who))
                if row is None:  # a concurrent upload of the same version won
                    existing = await repo.get_version(session, up.version)
                else:
                    await self.rt.publish(
                        session,
                        self._event(
                            ev.FIRMWARE_UPLOADED,
                            {
                                **_file_fields(row),
                                "uploaded_at": row.uploaded_at,
                                "uploaded_by": row.uploaded_by,
                            },
                            who,
                            request_id,
                        ),
                    )
                    keep = True
        finally:
            if not keep:
                await self._discard(blob.key)
        if row is None:
            assert existing is not None
            return _same_or_refuse(existing, blob, up), True
        return row, False

    def _version_values(self, up: Upload, blob: StoredBlob, who: Principal) -> dict[str, Any]:
        return {
            "version": up.version,
            "filename": firmware_filename(up.version),
            "file_size": blob.size,
            "md5_hash": blob.md5,
            "sha256": blob.sha256,
            "target_mcu": up.target_mcu,
            "release_notes": up.release_notes,
            "storage_backend": self.storage.name,
            "storage_key": blob.key,
            "state": "UPLOADED",
            "uploaded_by": who.user_id,
            "uploaded_at": datetime.now(UTC),
        }

    async def _discard(self, key: str) -> None:
        try:
            await self.storage.delete(key)
        except Exception:
            log.exception("could not delete an unused firmware object", key=key)

    # -- release and rollback ----------------------------------------------------------
    async def release(
        self, version: str, who: Principal, reason: str | None, request_id: str
    ) -> tuple[Row[Any], bool]:
        """(row, changed). Releasing the released version again changes nothing."""
        async with self.rt.db.transaction() as session:
            await repo.lock_releases(session)
            row = await self._get(session, version)
            if row.state == "RELEASED":
                return row, False
            current = await repo.released(session)
            now = datetime.now(UTC)
            if current is not None:
                await repo.update_version(session, current.version, {"state": "SUPERSEDED"})
            row = await repo.update_version(
                session,
                version,
                {
                    "state": "RELEASED",
                    "released_at": now,
                    "released_by": who.user_id,
                    "withdrawn_at": None,
                    "withdrawn_by": None,
                    "withdrawn_reason": None,
                },
            )
            previous = current.version if current is not None else None
            await self._history(session, "RELEASE", version, previous, reason, who, request_id, now)
            data = {
                **_file_fields(row),
                "released_at": now,
                "released_by": who.user_id,
                "previous_version": previous,
            }
            await self.rt.publish(session, self._event(ev.FIRMWARE_RELEASED, data, who, request_id))
        return row, True

    async def rollback(
        self, version: str, who: Principal, reason: str | None, request_id: str
    ) -> tuple[Row[Any] | None, Row[Any], bool]:
        """Withdraw `version` (the released one) and re-release the version released
        before it: (now released, withdrawn, changed)."""
        async with self.rt.db.transaction() as session:
            await repo.lock_releases(session)
            row = await self._get(session, version)
            if row.state == "WITHDRAWN":
                return await repo.released(session), row, False
            if row.state != "RELEASED":
                raise MesError(
                    ErrorCode.CONFLICT,
                    detail="only the released version can be rolled back",
                    data={"version": version, "state": row.state},
                )
            target = await repo.rollback_target(session)
            if target is None:
                raise MesError(
                    ErrorCode.CONFLICT,
                    detail="no earlier release to roll back to",
                    data={"version": version},
                )
            now = datetime.now(UTC)
            withdrawn = await repo.update_version(
                session,
                version,
                {
                    "state": "WITHDRAWN",
                    "withdrawn_at": now,
                    "withdrawn_by": who.user_id,
                    "withdrawn_reason": reason,
                },
            )
            restored = await repo.update_version(
                session,
                target.version,
                {"state": "RELEASED", "released_at": now, "released_by": who.user_id},
            )
            await self._history(
                session, "ROLLBACK", target.version, version, reason, who, request_id, now
            )
            data = {
                **_file_fields(restored),
                "withdrawn_version": version,
                "rolled_back_at": now,
                "rolled_back_by": who.user_id,
                "reason": reason,
            }
            await self.rt.publish(
                session, self._event(ev.FIRMWARE_ROLLED_BACK, data, who, request_id)
            )
        return restored, withdrawn, True

    async def _get(self, session: AsyncConnection, version: str) -> Row[Any]:
        row = await repo.get_version(session, version, for_update=True)
        if row is None:
            raise MesError(ErrorCode.FIRMWARE_NOT_FOUND, data={"version": version})
        return row

    async def _history(
        self,
        session: AsyncConnection,
        action: str,
        version: str,
        previous: str | None,
        reason: str | None,
        who: Principal,
        request_id: str,
        at: datetime,
    ) -> None:
        await repo.add_release(
            session,
            {
                "action": action,
                "version": version,
                "previous_version": previous,
                "reason": reason,
                "actor_user_id": who.user_id,
                "actor_role": who.role.value,
                "request_id": request_id,
                "at": at,
            },
        )

    # -- downloads -----------------------------------------------------------------------
    async def begin_download(self, values: Ctx) -> int:
        async with self.rt.db.transaction() as session:
            return await repo.start_download(session, values)

    async def finish_download(
        self, download_id: int, who: Principal, request_id: str, bytes_sent: int
    ) -> None:
        """Close the download row and publish `firmware.downloaded`, in one transaction."""
        now = datetime.now(UTC)
        async with self.rt.db.transaction() as session:
            row = await repo.finish_download(
                session, download_id, bytes_sent=bytes_sent, finished_at=now
            )
            data = {
                "download_id": download_id,
                "version": row.version,
                "user_id": row.user_id,
                "station_id": row.station_id,
                "downloaded_at": now,
                "bytes_sent": bytes_sent,
                "range": row.range_header,
            }
            await self.rt.publish(
                session, self._event(ev.FIRMWARE_DOWNLOADED, data, who, request_id)
            )
