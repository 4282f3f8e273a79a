"""Firmware binaries on local disk (the embedded default): `$MES_FIRMWARE_DIR/<key>`."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from .base import HASH_CHUNK, BlobMissingError, ByteStream, Hasher, StoredBlob, copy_hashing


def key_of(handle: BinaryIO) -> str:
    return Path(str(handle.name)).name


class LocalDiskStorage:
    name = "local"

    def __init__(self, root: Path, chunk_bytes: int = 256 * 1024) -> None:
        self.root = root.resolve()
        self.chunk_bytes = chunk_bytes

    async def start(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise ValueError("storage key escapes the firmware directory")
        return path

    async def put(self, key: str, source: BinaryIO, length: int | None) -> StoredBlob:
        return await asyncio.to_thread(self._put, key, source)

    def _put(self, key: str, source: BinaryIO) -> StoredBlob:
        """Copy in chunks while hashing, fsync, then an atomic rename into place."""
        target = self.path_of(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        hasher = Hasher()
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(HASH_CHUNK):
                    hasher.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return hasher.blob(key)

    async def open_range(self, key: str, start: int, length: int) -> ByteStream:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as exc:
            raise BlobMissingError(key) from exc
        return ByteStream(self._chunks(handle, start, length), handle.close)

    async def _chunks(self, handle: BinaryIO, start: int, length: int) -> AsyncIterator[bytes]:
        await asyncio.to_thread(handle.seek, start)
        remaining = length
        while remaining > 0:
            chunk = await asyncio.to_thread(handle.read, min(self.chunk_bytes, remaining))
            if not chunk:
                raise BlobMissingError(f"{key_of(handle)} is shorter than recorded")
            remaining -= len(chunk)
            yield chunk

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_of(key).unlink, missing_ok=True)

    # -- backup and restore (blocking) ----------------------------------------------------

    def inventory(self) -> dict[str, int]:
        if not self.root.is_dir():
            return {}
        return {
            p.relative_to(self.root).as_posix(): p.stat().st_size
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and not p.name.startswith(".upload-")  # in flight: `_put` renames
        }

    def export(self, key: str, target: Path) -> str:
        with self.path_of(key).open("rb") as source:
            return copy_hashing(source, target)

    def import_(self, key: str, source: Path) -> None:
        with source.open("rb") as handle:
            self._put(key, handle)
