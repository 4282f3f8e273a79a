"""Firmware for the flashing app (seed 002 §3.4.4, SPEC §9).

On a PROC-004 start the MES hands out `firmware_info` of the released firmware. When the
local `firmware_meta.json` names another version (or its binary is missing or damaged):
the old binaries go, the new one is downloaded to `<file>.part` (resumed with
`Range: bytes=N-`; 1 try + 3 retries), its size and MD5 are checked, it is renamed to
`firmware_v{ver}.bin`, and only then the meta file is rewritten (temp file + os.replace)
with status READY. On failure the meta file says ERROR with the reason, so the flashing
app never takes a stale or partial binary.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from mes_contracts.api import FirmwareMeta
from mes_contracts.api.process import FirmwareInfo
from mes_contracts.enums import FirmwareMetaStatus
from mes_contracts.errors import ErrorCode
from mes_contracts.identifiers import firmware_filename
from pydantic import ValidationError

from .api_client import ApiClient, ApiError, NotSignedInError, OfflineError
from .events import FirmwareStatus, now_local
from .workdir import write_json_atomic

log = logging.getLogger(__name__)
META_NAME = "firmware_meta.json"
CHUNK = 64 * 1024


class FirmwareSyncError(Exception):
    def __init__(self, code: str, message: str, *, retry: bool = True) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.retry = code, message, retry


def md5_of(path: Path) -> str:
    digest = hashlib.md5()  # noqa: S324 - the integrity check the flashing app uses
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class FirmwareSync:
    def __init__(
        self,
        api: ApiClient,
        folder: Path,
        *,
        attempts: int = 4,
        retry_delay: float = 0.5,
        on_status: Callable[[FirmwareStatus], None] = lambda _: None,
    ) -> None:
        self.api, self.folder = api, folder
        self.attempts, self.retry_delay = attempts, retry_delay
        self.on_status = on_status
        self.meta_path = folder / META_NAME

    def read_meta(self) -> FirmwareMeta | None:
        try:
            return FirmwareMeta.model_validate_json(self.meta_path.read_bytes())
        except (OSError, ValidationError):
            return None

    def current_status(self) -> FirmwareStatus:
        meta = self.read_meta()
        if meta is None:
            return FirmwareStatus(
                "NONE", None, "PROC-004 착공 시 받습니다 · fetched on a PROC-004 start"
            )
        extra = meta.model_extra or {}
        return FirmwareStatus(meta.status.value, meta.version, str(extra.get("error") or ""))

    def is_current(self, info: FirmwareInfo) -> bool:
        meta = self.read_meta()
        binary = self.folder / firmware_filename(info.version)
        return (
            meta is not None
            and meta.version == info.version
            and meta.md5_hash == info.md5_hash
            and meta.status is not FirmwareMetaStatus.ERROR
            and binary.is_file()
            and binary.stat().st_size == info.file_size
            and md5_of(binary) == info.md5_hash
        )

    # -- sync ------------------------------------------------------------------------------
    def sync(self, info: FirmwareInfo) -> FirmwareMeta:
        """Make `<folder>` hold exactly `info`'s binary; raises FirmwareSyncError."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.is_current(info):
            meta = self.read_meta()
            assert meta is not None
            self.on_status(FirmwareStatus(meta.status.value, info.version, "up to date"))
            return meta
        self.on_status(FirmwareStatus("DOWNLOADING", info.version, f"{info.file_size} bytes"))
        target_mcu = self._target_mcu(info.version)
        self._remove_old(keep=firmware_filename(info.version) + ".part")
        try:
            self._download(info)
        except OSError as exc:  # disk full, folder not writable, …
            raise self._failed(info, target_mcu, FirmwareSyncError("IO_ERROR", str(exc))) from exc
        except FirmwareSyncError as exc:
            raise self._failed(info, target_mcu, exc) from None
        meta = self._write_meta(info, target_mcu, FirmwareMetaStatus.READY)
        self.on_status(FirmwareStatus("READY", info.version, "verified (MD5)"))
        return meta

    def _failed(
        self, info: FirmwareInfo, target_mcu: str, error: FirmwareSyncError
    ) -> FirmwareSyncError:
        """Say ERROR in the meta file (the flashing app must not flash) and on screen."""
        try:
            self._write_meta(info, target_mcu, FirmwareMetaStatus.ERROR, error)
        except OSError:
            log.exception("firmware meta file not writable")
        self.on_status(FirmwareStatus("ERROR", info.version, f"{error.code}: {error.message}"))
        return error

    def _target_mcu(self, version: str) -> str:
        try:
            return str(self.api.call("GET", f"/api/v1/firmware/{version}")["target_mcu"])
        except (ApiError, OfflineError, KeyError, TypeError):
            old = self.read_meta()
            return old.target_mcu if old else "UNKNOWN"

    def _remove_old(self, keep: str) -> None:
        for path in self.folder.glob("firmware_*.bin*"):
            if path.name != keep and path.is_file():
                path.unlink()
                log.info("removed old firmware file %s", path.name)

    def _write_meta(
        self,
        info: FirmwareInfo,
        target_mcu: str,
        status: FirmwareMetaStatus,
        error: FirmwareSyncError | None = None,
    ) -> FirmwareMeta:
        meta = FirmwareMeta(
            version=info.version,
            filename=firmware_filename(info.version),
            file_size=info.file_size,
            md5_hash=info.md5_hash,
            downloaded_at=now_local(),
            status=status,
            target_mcu=target_mcu,
        )
        data: dict[str, Any] = meta.model_dump(mode="json")
        if error is not None:
            data |= {"error_code": error.code, "error": error.message}
        write_json_atomic(self.meta_path, data)
        return meta

    # -- download --------------------------------------------------------------------------
    def _download(self, info: FirmwareInfo) -> Path:
        final = self.folder / firmware_filename(info.version)
        part = final.with_name(final.name + ".part")
        last: FirmwareSyncError | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                self._fetch(info, part)
                self._verify(info, part)
                part.replace(final)
                return final
            except FirmwareSyncError as exc:
                last = exc
                log.warning("firmware %s attempt %d: %s", info.version, attempt, exc)
                if not exc.retry:
                    break
            if attempt < self.attempts:
                time.sleep(self.retry_delay * attempt)
        assert last is not None
        raise last

    def _fetch(self, info: FirmwareInfo, part: Path) -> None:
        have = part.stat().st_size if part.exists() else 0
        if have >= info.file_size > 0:
            return  # complete already: only the check is left
        headers = {"Range": f"bytes={have}-"} if have else {}
        try:
            response = self.api.request("GET", info.download_url, stream=True, headers=headers)
        except NotSignedInError as exc:
            raise FirmwareSyncError(
                exc.error_code, "sign in again to download firmware", retry=False
            ) from exc
        except OfflineError as exc:
            raise FirmwareSyncError(ErrorCode.SERVICE_UNAVAILABLE.value, exc.reason) from exc
        except ApiError as exc:
            if exc.status_code == 416:
                part.unlink(missing_ok=True)  # our partial copy is not a prefix: start over
            retry = exc.status_code == 416
            raise FirmwareSyncError(exc.error_code, exc.message, retry=retry) from exc
        mode = "ab" if response.status_code == 206 else "wb"
        try:
            with part.open(mode) as handle:
                for chunk in response.iter_bytes(CHUNK):
                    handle.write(chunk)
        except httpx.HTTPError as exc:  # cut off mid-file: the next try resumes
            raise FirmwareSyncError(ErrorCode.SERVICE_UNAVAILABLE.value, str(exc)) from exc
        finally:
            response.close()

    def _verify(self, info: FirmwareInfo, part: Path) -> None:
        size = part.stat().st_size
        digest = md5_of(part)
        if size == info.file_size and digest == info.md5_hash:
            return
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise FirmwareSyncError(
            ErrorCode.CHECKSUM_MISMATCH.value,
            f"downloaded {size} bytes with MD5 {digest}; expected {info.file_size} bytes "
            f"with MD5 {info.md5_hash}",
        )
