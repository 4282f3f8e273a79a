"""Where firmware binaries live. Local disk is the embedded default (S3 comes with issue 6)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredBlob:
    key: str
    size: int
    md5: str
    sha256: str


class LocalDiskStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("storage key escapes the firmware directory")
        return path

    def put(self, key: str, source: BinaryIO) -> StoredBlob:
        """Stream `source` to disk in chunks, hashing on the way; atomic rename at the end."""
        md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
        size = 0
        target = self.path_of(key)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := source.read(CHUNK):
                    md5.update(chunk)
                    sha.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return StoredBlob(key, size, md5.hexdigest(), sha.hexdigest())
