"""The storage port: where firmware bytes live. Keys are chosen by the service, never by a
request; every implementation streams (no binary is held whole in memory)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from mes_contracts.identifiers import is_firmware_version

HASH_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    md5: str
    sha256: str


class BlobMissingError(Exception):
    """The database names a key the storage does not hold (an operations problem)."""


class Hasher:
    """Size, MD5 and SHA-256 of a byte stream, fed chunk by chunk."""

    def __init__(self) -> None:
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha = hashlib.sha256()

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._md5.update(chunk)
        self._sha.update(chunk)

    def blob(self, key: str) -> StoredBlob:
        return StoredBlob(key, self.size, self._md5.hexdigest(), self._sha.hexdigest())


class HashingReader:
    """A file-like `read(n)` that hashes what passes through (for streaming uploads)."""

    def __init__(self, source: BinaryIO, hasher: Hasher) -> None:
        self.source = source
        self.hasher = hasher

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.hasher.update(chunk)
        return chunk


class ByteStream:
    """The chunks of one opened object. `aclose()` always releases the object, whether
    iteration started, finished, or was abandoned when a client went away."""

    def __init__(self, chunks: AsyncIterator[bytes], release: Callable[[], None]) -> None:
        self._chunks = chunks
        self._release = release
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await self._chunks.aclose()  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):
            self._release()


def copy_hashing(source: BinaryIO, target: Path) -> str:
    """Copy `source` into a new file `target` (fsynced); returns its SHA-256."""
    hasher = Hasher()
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        while chunk := source.read(HASH_CHUNK):
            hasher.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return hasher.blob("").sha256


def hash_stream(source: BinaryIO) -> StoredBlob:
    """Hash a whole stream without storing it (blocking: call from a thread)."""
    hasher = Hasher()
    while chunk := source.read(HASH_CHUNK):
        hasher.update(chunk)
    return hasher.blob("")


def new_key(version: str) -> str:
    """A fresh key per upload attempt: `v1.2.3/<uuid>.bin`. Never overwrites a stored
    binary, so a losing concurrent upload cannot replace the bytes of a released one."""
    if not is_firmware_version(version):
        raise ValueError(f"not a firmware version: {version!r}")
    return f"{version}/{uuid.uuid4().hex}.bin"


class FirmwareStorage(Protocol):
    """What the service needs from a store. All methods are async and never block the loop."""

    name: str

    async def start(self) -> None:
        """Make sure the store is usable (directory or bucket exists)."""

    async def put(self, key: str, source: BinaryIO, length: int | None) -> StoredBlob:
        """Stream `source` into `key`, hashing in the same pass."""

    async def open_range(self, key: str, start: int, length: int) -> ByteStream:
        """Open `length` (>= 1) bytes at `start`; raises BlobMissingError before any byte
        is sent, so a missing object never becomes a half-sent 200."""

    async def delete(self, key: str) -> None:
        """Remove `key` if present."""


class BackupStore(Protocol):
    """What `./mes backup` and `./mes restore` need (blocking: for tools, not the service)."""

    name: str

    def inventory(self) -> dict[str, int]:
        """Every stored key and its size in bytes (uploads in flight left out)."""

    def export(self, key: str, target: Path) -> str:
        """Copy `key` into the file `target`; returns its SHA-256."""

    def import_(self, key: str, source: Path) -> None:
        """Store the file `source` under `key`, replacing what is there."""
