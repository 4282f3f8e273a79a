"""Short file-drop fuzz (`./mes fuzz files` is the long one): hostile completion files
into a real workstation's pending/ — each ends in completed/ or error/ (with its reason),
none is lost, the client keeps running."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from mes_cli import fuzz_files, fuzz_station
from mes_cli.stack import Stack

COUNT = 40
SEED = 7


def test_every_file_ends_completed_or_refused_and_none_is_lost(
    fuzz_stack: Stack, tmp_path: Path
) -> None:
    report = fuzz_station.run(fuzz_stack.gateway_url, tmp_path / "work", count=COUNT, seed=SEED)
    print(report.summary())
    assert not report.problems, "\n".join(report.problems)
    assert report.drops == COUNT
    assert len(report.kinds) == len(fuzz_files.GENERATORS)  # every kind at least once
    assert report.where["completed"] > 0 and report.where["error"] > 0
    assert sum(report.where.values()) == COUNT
