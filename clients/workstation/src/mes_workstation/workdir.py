"""The station's work folder and the file operations on it.

    <work>/pending/    station apps drop completion files here
    <work>/queued/     accepted by this workstation, not yet confirmed by the MES
    <work>/completed/  recorded by the MES (or already recorded)
    <work>/error/      refused, with `<name>.error.json` beside each file
    <work>/firmware/   firmware_v{ver}.bin + firmware_meta.json for the flashing app
    <work>/.mes/       the offline queue (SQLite) and the app's log

Files are only ever moved, never deleted or overwritten: a name already taken in the
destination gets ` (2)`, ` (3)`, … before its extension, as Windows Explorer does. A
name that would pass the 255-byte limit of a file name with that suffix (or with
`.error.json`) is cut short before it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NAME_MAX = 255  # bytes of one file name (ext4; NTFS: 255 UTF-16 units)


@dataclass(frozen=True)
class WorkFolders:
    root: Path

    @property
    def pending(self) -> Path:
        return self.root / "pending"

    @property
    def queued(self) -> Path:
        return self.root / "queued"

    @property
    def completed(self) -> Path:
        return self.root / "completed"

    @property
    def error(self) -> Path:
        return self.root / "error"

    @property
    def firmware(self) -> Path:
        return self.root / "firmware"

    @property
    def state(self) -> Path:
        return self.root / ".mes"

    def create(self) -> WorkFolders:
        for folder in (self.pending, self.queued, self.completed, self.error, self.firmware):
            folder.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(parents=True, exist_ok=True)
        return self


def fit_name(stem: str, tail: str) -> str:
    """`stem + tail`, the stem cut short (whole characters) to fit in NAME_MAX bytes."""
    while len(os.fsencode(stem + tail)) > NAME_MAX and stem:
        stem = stem[:-1]
    return stem + tail


def candidate_names(name: str) -> Any:
    """`name`, then `stem (2).ext`, `stem (3).ext`, …"""
    yield name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    for n in range(2, 100_000):
        yield fit_name(stem, f" ({n}).{ext}" if dot else f" ({n})")


def _move_no_replace(src: Path, dst: Path) -> None:
    """Rename that fails with FileExistsError instead of replacing `dst`."""
    if os.name == "nt":
        os.rename(src, dst)  # Windows refuses an existing target
        return
    try:
        os.link(src, dst)  # atomic "create if absent"
    except FileExistsError:
        raise
    except OSError:
        if dst.exists():  # a file system without hard links
            raise FileExistsError(dst) from None
        os.rename(src, dst)
        return
    os.unlink(src)


def move_unique(src: Path, dest_dir: Path) -> Path:
    """Move `src` into `dest_dir` under its own name or the first free suffixed one."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    for name in candidate_names(src.name):
        target = dest_dir / name
        if target.exists():
            continue
        try:
            _move_no_replace(src, target)
        except FileExistsError:
            continue
        return target
    raise FileExistsError(f"no free name for {src.name} in {dest_dir}")


def write_json_atomic(path: Path, data: Any, *, attempts: int = 5) -> None:
    """Write JSON to a temp file beside `path`, fsync, then os.replace: a reader sees the
    old file or the new one, never half of one. Retries while another program holds the
    file open (Windows refuses the replace then)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    prefix = f".{path.name[:64]}."  # a long name + the random part must stay a legal name
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        for attempt in range(attempts):
            try:
                os.replace(tmp, path)
                return
            except PermissionError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.1 * (attempt + 1))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def sidecar_name(name: str, n: int = 1) -> str:
    """`<name>.error.json` (` (n).error.json` when taken), `name` cut short if too long."""
    return fit_name(name, ".error.json" if n == 1 else f" ({n}).error.json")


def write_sidecar(moved: Path, info: dict[str, Any]) -> Path:
    """`<name>.error.json` next to a file moved to error/ (its final, suffixed name)."""
    for n in range(1, 100_000):
        sidecar = moved.with_name(sidecar_name(moved.name, n))
        if not sidecar.exists():
            write_json_atomic(sidecar, info)
            return sidecar
    raise FileExistsError(moved)
