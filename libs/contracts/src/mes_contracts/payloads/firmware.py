"""Events produced by firmware-service: the firmware catalogue and its downloads."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from mes_contracts.identifiers import FirmwareVersion, Md5Hex, Sha256Hex
from mes_contracts.payloads._base import EventPayload


class _FirmwareFile(EventPayload):
    version: FirmwareVersion = Field(examples=["v1.2.3"])
    filename: str = Field(max_length=255, examples=["firmware_v1.2.3.bin"])
    file_size: int = Field(ge=0, description="Bytes")
    md5_hash: Md5Hex = Field(description="MD5, lower-case hex (the workstation checks it)")
    sha256: Sha256Hex = Field(description="SHA-256, lower-case hex")
    target_mcu: str = Field(max_length=64, examples=["STM32F103"])
    release_notes: str | None = Field(default=None, max_length=10000)

    def event_subject(self) -> str | None:
        return self.version


class FirmwareUploaded(_FirmwareFile):
    """A firmware binary was stored (not yet handed to stations)."""

    event_type = "firmware.uploaded"

    uploaded_at: AwareDatetime
    uploaded_by: str


class FirmwareReleased(_FirmwareFile):
    """This version is now the one PROC-004 starts hand out (firmware_info)."""

    event_type = "firmware.released"

    released_at: AwareDatetime
    released_by: str
    previous_version: FirmwareVersion | None = Field(
        default=None, description="The version released before, now superseded"
    )


class FirmwareRolledBack(_FirmwareFile):
    """`withdrawn_version` was withdrawn; `version` (the previous release) is current again.

    The file fields describe `version`, the firmware now released.
    """

    event_type = "firmware.rolled_back"

    withdrawn_version: FirmwareVersion
    rolled_back_at: AwareDatetime
    rolled_back_by: str
    reason: str | None = Field(default=None, max_length=500)


class FirmwareDownloaded(EventPayload):
    """A workstation downloaded (part of) a firmware binary."""

    event_type = "firmware.downloaded"

    version: FirmwareVersion
    user_id: str
    station_id: str | None = Field(default=None, max_length=64)
    downloaded_at: AwareDatetime
    bytes_sent: int = Field(ge=0)
    range: str | None = Field(default=None, max_length=100, description="HTTP Range header")

    def event_subject(self) -> str | None:
        return self.version
