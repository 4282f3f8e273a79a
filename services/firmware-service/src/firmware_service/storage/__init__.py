"""Storage adapters, chosen by the environment: `MES_FIRMWARE_STORAGE=local|s3`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from ..settings import FirmwareSettings
from .base import (
    BackupStore,
    BlobMissingError,
    ByteStream,
    FirmwareStorage,
    StoredBlob,
    hash_stream,
    new_key,
)
from .local import LocalDiskStorage

if TYPE_CHECKING:
    from .s3 import S3Storage


def __getattr__(name: str) -> object:
    # The S3 driver (minio) is imported only where S3 is used: it costs most of a second
    # of every start-up on disk storage.
    if name == "S3Storage":
        from .s3 import S3Storage

        return S3Storage
    raise AttributeError(name)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def storage_from_settings(settings: FirmwareSettings) -> LocalDiskStorage | S3Storage:
    """The store the settings name; both adapters are a `FirmwareStorage` for the service
    and a `BackupStore` for `./mes backup` and `./mes restore`."""
    if settings.firmware_storage == "local":
        return LocalDiskStorage(settings.firmware_path, settings.firmware_chunk_bytes)
    if not settings.s3_endpoint:
        raise RuntimeError("MES_FIRMWARE_STORAGE=s3 needs MES_S3_ENDPOINT")
    from .s3 import S3Storage

    return S3Storage(
        endpoint=settings.s3_endpoint,
        access_key=_secret(settings.s3_access_key),
        secret_key=_secret(settings.s3_secret_key),
        session_token=_secret(settings.s3_session_token),
        bucket=settings.s3_bucket,
        region=settings.s3_region,
        secure=settings.s3_secure,
        prefix=settings.s3_prefix,
        part_size=settings.s3_part_size,
        create_bucket=settings.s3_create_bucket,
        chunk_bytes=settings.firmware_chunk_bytes,
    )


__all__ = [
    "BackupStore",
    "BlobMissingError",
    "ByteStream",
    "FirmwareStorage",
    "LocalDiskStorage",
    "S3Storage",
    "StoredBlob",
    "hash_stream",
    "new_key",
    "storage_from_settings",
]
