from __future__ import annotations

import json
from pathlib import Path

import pytest
from mes_workstation.workdir import WorkFolders, move_unique, write_json_atomic, write_sidecar

pytestmark = pytest.mark.unit


def test_moves_never_overwrite(tmp_path: Path) -> None:
    folders = WorkFolders(tmp_path / "work").create()
    moved = []
    for content in (b"one", b"two", b"three"):
        source = folders.pending / "WF-KR-251110D-001_PROC-001_20251110090000.json"
        source.write_bytes(content)
        moved.append(move_unique(source, folders.error))
    assert [p.name for p in moved] == [
        "WF-KR-251110D-001_PROC-001_20251110090000.json",
        "WF-KR-251110D-001_PROC-001_20251110090000 (2).json",
        "WF-KR-251110D-001_PROC-001_20251110090000 (3).json",
    ]
    assert [p.read_bytes() for p in moved] == [b"one", b"two", b"three"]
    assert not list(folders.pending.iterdir())


def test_sidecar_sits_next_to_the_moved_file(tmp_path: Path) -> None:
    moved = tmp_path / "x (2).json"
    moved.write_text("{}")
    first = write_sidecar(moved, {"reason": "a"})
    second = write_sidecar(moved, {"reason": "b"})  # never replaces an earlier one
    assert (first.name, second.name) == ("x (2).json.error.json", "x (2).json (2).error.json")
    assert json.loads(first.read_text())["reason"] == "a"


def test_atomic_json_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "firmware" / "firmware_meta.json"
    write_json_atomic(target, {"version": "v1.2.3", "name": "펌웨어"})
    write_json_atomic(target, {"version": "v1.2.4"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"version": "v1.2.4"}
    assert [p.name for p in target.parent.iterdir()] == ["firmware_meta.json"]
