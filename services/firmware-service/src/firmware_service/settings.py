"""Settings of firmware-service, from the environment (prefix `MES_`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from servicekit.settings import ServiceSettings

MIB = 1024 * 1024


class FirmwareSettings(ServiceSettings):
    service_name: str = "firmware-service"
    port: int = 8004
    data_dir: Path = Path(".mes")
    # Upload cap for /api/v1/firmware (the gateway applies the same one).
    max_firmware_bytes: int = 256 * MIB

    # Where binaries live: `local` (embedded default) or any S3-compatible store.
    firmware_storage: Literal["local", "s3"] = "local"
    firmware_dir: Path | None = None  # local: default $MES_DATA_DIR/firmware

    s3_endpoint: str | None = Field(
        default=None, description='"host:port" or a URL; "https://…" implies TLS'
    )
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_session_token: SecretStr | None = None
    s3_bucket: str = "withforce-firmware"
    s3_region: str | None = None
    s3_secure: bool = True
    s3_prefix: str = "firmware/"
    s3_create_bucket: bool = True
    s3_part_size: int = Field(default=8 * MIB, ge=5 * MIB, le=512 * MIB)

    # Download chunk size (bytes read from storage per await).
    firmware_chunk_bytes: int = Field(default=256 * 1024, ge=4096, le=8 * MIB)

    @property
    def firmware_path(self) -> Path:
        return self.firmware_dir or self.data_dir / "firmware"
