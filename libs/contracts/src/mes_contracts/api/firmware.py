"""Firmware DTOs: the catalogue entry and the workstation's `firmware_meta.json`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from mes_contracts.enums import FirmwareMetaStatus, FirmwareState
from mes_contracts.identifiers import FirmwareVersion, Md5Hex, Sha256Hex
from mes_contracts.limits import MAX_REASON_LENGTH


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class FirmwareMeta(BaseModel):
    """`<work>/firmware/firmware_meta.json` (seed 002 §3.4.4), watched by the flashing app.

    `status` is read case-insensitively (the seed's table lists "uploaded") and always
    written upper-case. Unknown keys written by the local app are kept.
    """

    model_config = ConfigDict(extra="allow")

    version: FirmwareVersion
    filename: str = Field(max_length=255, examples=["firmware_v1.2.3.bin"])
    file_size: int = Field(ge=0)
    md5_hash: Md5Hex
    downloaded_at: AwareDatetime
    status: Annotated[FirmwareMetaStatus, BeforeValidator(_upper)] = FirmwareMetaStatus.READY
    target_mcu: str = Field(max_length=64, examples=["STM32F103"])


class FirmwareRead(BaseModel):
    """One firmware version in the catalogue."""

    version: FirmwareVersion
    filename: str
    file_size: int = Field(ge=0)
    md5_hash: Md5Hex
    sha256: Sha256Hex
    target_mcu: str
    release_notes: str | None = None
    state: FirmwareState
    uploaded_at: AwareDatetime
    uploaded_by: str
    released_at: AwareDatetime | None = None
    released_by: str | None = None
    download_url: str


class FirmwareRollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)


class FirmwareReleaseRequest(BaseModel):
    """`POST /api/v1/firmware/{version}/release` (admin): optional body."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)


class FirmwareDetail(FirmwareRead):
    """A catalogue entry as the firmware routes send it: with its withdrawal, if any."""

    withdrawn_at: AwareDatetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


class FirmwareUploadData(FirmwareDetail):
    already_uploaded: bool = Field(description="True (200): these bytes were uploaded before")


class FirmwareReleaseData(FirmwareDetail):
    already_released: bool


class FirmwareRollbackData(BaseModel):
    released: FirmwareDetail | None = Field(description="The version re-released, if any")
    withdrawn: FirmwareDetail
    already_withdrawn: bool


class FirmwareReleaseRecord(BaseModel):
    """`GET /api/v1/firmware/releases`: one release or rollback."""

    id: int
    action: str = Field(examples=["RELEASE", "ROLLBACK"])
    version: FirmwareVersion
    previous_version: str | None
    reason: str | None
    actor_user_id: str
    actor_role: str
    request_id: str | None
    at: AwareDatetime


class FirmwareDownloadRecord(BaseModel):
    """`GET /api/v1/firmware/downloads`: one download of a binary."""

    id: int
    version: FirmwareVersion
    user_id: str
    role: str
    worker_id: str | None
    station_id: str | None
    client_ip: str | None
    request_id: str | None
    range: str | None = Field(description="The request's Range header")
    status_code: int
    first_byte: int = Field(ge=0)
    content_length: int = Field(ge=0)
    bytes_sent: int = Field(ge=0)
    completed: bool
    started_at: AwareDatetime
    finished_at: AwareDatetime | None
