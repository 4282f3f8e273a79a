"""Firmware binaries in any S3-compatible store (MinIO, AWS S3) through the `minio` client.

Every minio call blocks, so each one runs in a worker thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.error import S3Error

from .base import BlobMissingError, ByteStream, Hasher, HashingReader, StoredBlob, copy_hashing

_MISSING = {"NoSuchKey", "NoSuchBucket"}


def endpoint_of(endpoint: str, secure: bool) -> tuple[str, bool]:
    """`"http://minio:9000"` → ("minio:9000", False); a bare `"host:port"` keeps `secure`."""
    if "://" not in endpoint:
        return endpoint.rstrip("/"), secure
    parts = urlsplit(endpoint)
    return parts.netloc, parts.scheme == "https"


class S3Storage:
    name = "s3"

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        bucket: str,
        session_token: str | None = None,
        region: str | None = None,
        secure: bool = True,
        prefix: str = "firmware/",
        part_size: int = 8 * 1024 * 1024,
        create_bucket: bool = True,
        chunk_bytes: int = 256 * 1024,
    ) -> None:
        host, tls = endpoint_of(endpoint, secure)
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=5, read=60),
            maxsize=16,
            retries=urllib3.Retry(
                total=3, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)
            ),
        )
        self.client = Minio(
            host,
            access_key=access_key,
            secret_key=secret_key,
            session_token=session_token,
            secure=tls,
            region=region,
            http_client=http,
        )
        self.bucket = bucket
        self.region = region
        self.prefix = prefix
        self.part_size = part_size
        self.create_bucket = create_bucket
        self.chunk_bytes = chunk_bytes

    def _object(self, key: str) -> str:
        return self.prefix + key

    async def start(self) -> None:
        if await asyncio.to_thread(self.client.bucket_exists, self.bucket):
            return
        if not self.create_bucket:
            raise RuntimeError(f"S3 bucket {self.bucket!r} does not exist")
        await asyncio.to_thread(self.client.make_bucket, self.bucket, self.region)

    async def put(self, key: str, source: BinaryIO, length: int | None) -> StoredBlob:
        return await asyncio.to_thread(self._put, key, source, length)

    def _put(self, key: str, source: BinaryIO, length: int | None) -> StoredBlob:
        """One pass: minio reads parts of `part_size` through the hashing reader and sends
        them (a single PUT below one part, a multipart upload above), one part at a time."""
        hasher = Hasher()
        self.client.put_object(
            self.bucket,
            self._object(key),
            HashingReader(source, hasher),
            length if length is not None else -1,
            content_type="application/octet-stream",
            part_size=self.part_size,
            num_parallel_uploads=1,
        )
        return hasher.blob(key)

    async def open_range(self, key: str, start: int, length: int) -> ByteStream:
        try:
            response = await asyncio.to_thread(
                self.client.get_object,
                self.bucket,
                self._object(key),
                offset=start,
                length=length,
            )
        except S3Error as exc:
            if exc.code in _MISSING:
                raise BlobMissingError(key) from exc
            raise

        def release() -> None:
            response.close()
            response.release_conn()

        return ByteStream(self._chunks(response, length), release)

    async def _chunks(self, response: Any, length: int) -> AsyncIterator[bytes]:
        stream: Iterator[bytes] = response.stream(self.chunk_bytes)
        remaining = length
        while remaining > 0:
            chunk = await asyncio.to_thread(next, stream, None)
            if not chunk:
                raise BlobMissingError("object is shorter than recorded")
            remaining -= len(chunk)
            yield chunk

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.remove_object, self.bucket, self._object(key))

    # -- backup and restore (blocking) ----------------------------------------------------

    def inventory(self) -> dict[str, int]:
        if not self.client.bucket_exists(self.bucket):
            return {}
        return {
            obj.object_name[len(self.prefix) :]: obj.size
            for obj in self.client.list_objects(self.bucket, prefix=self.prefix, recursive=True)
            if not obj.is_dir
        }

    def export(self, key: str, target: Path) -> str:
        response = self.client.get_object(self.bucket, self._object(key))
        try:
            return copy_hashing(response, target)
        finally:
            response.close()
            response.release_conn()

    def import_(self, key: str, source: Path) -> None:
        if not self.client.bucket_exists(self.bucket):
            self.client.make_bucket(self.bucket, self.region)
        with source.open("rb") as handle:
            self._put(key, handle, source.stat().st_size)
