"""Events produced by firmware-service: the firmware catalogue and its downloads."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from mes_contracts.identifiers import FirmwareVersion, Md5Hex, Sha256Hex
from mes_contracts.limits import MAX_REASON_LENGTH
from mes_contracts.payloads._base import EventPayload

By = Annotated[str, Field(description="User id who did it")]


class _FirmwareFile(EventPayload):
    version: FirmwareVersion = Field(examples=["v1.2.3"])
    filename: str = Field(
        max_length=255, description="Download file name", examples=["firmware_v1.2.3.bin"]
    )
    file_size: int = Field(ge=0, description="Bytes")
    md5_hash: Md5Hex
    sha256: Sha256Hex
    target_mcu: str = Field(max_length=64, description="Target MCU", examples=["STM32F103"])
    release_notes: str | None = Field(default=None, max_length=10000, description="Free text")

    def event_subject(self) -> str | None:
        return self.version


class FirmwareUploaded(_FirmwareFile):
    """A firmware binary was stored (not yet handed to stations)."""

    event_type = "firmware.uploaded"

    uploaded_at: AwareDatetime = Field(description="When the binary was stored")
    uploaded_by: By


class FirmwareReleased(_FirmwareFile):
    """This version is now the one PROC-004 starts hand out (firmware_info)."""

    event_type = "firmware.released"

    released_at: AwareDatetime = Field(description="When it was released")
    released_by: By
    previous_version: FirmwareVersion | None = Field(
        default=None, description="The version released before, now superseded"
    )


class FirmwareRolledBack(_FirmwareFile):
    """`withdrawn_version` was withdrawn; `version` (the previous release) is current again.

    The file fields describe `version`, the firmware now released.
    """

    event_type = "firmware.rolled_back"

    withdrawn_version: FirmwareVersion = Field(description="The version taken out of use")
    rolled_back_at: AwareDatetime = Field(description="When the rollback happened")
    rolled_back_by: By
    reason: str | None = Field(
        default=None, max_length=MAX_REASON_LENGTH, description="Why it was withdrawn"
    )


class FirmwareDownloaded(EventPayload):
    """A workstation downloaded (part of) a firmware binary."""

    event_type = "firmware.downloaded"

    download_id: int | None = Field(
        default=None, ge=1, description="firmware-service's download record (GET /downloads)"
    )
    version: FirmwareVersion
    user_id: str = Field(description="User whose token downloaded it")
    station_id: str | None = Field(default=None, max_length=64, description="Workstation id")
    downloaded_at: AwareDatetime = Field(description="When the response finished")
    bytes_sent: int = Field(ge=0, description="Bytes sent in this response")
    range: str | None = Field(
        default=None, max_length=100, description="HTTP Range header, if a partial download"
    )

    def event_subject(self) -> str | None:
        return self.version
