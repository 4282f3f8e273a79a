"""Locate the reference data (station files, printer answers), byte for byte as shipped
in `shared/data` and vendored into the repository at `tests/reference-data`.

`MES_REFERENCE_DATA` overrides; otherwise the first `tests/reference-data` found walking up
from this file, then from the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "MES_REFERENCE_DATA"
_RELATIVE = Path("tests") / "reference-data"


def reference_data_dir() -> Path:
    """The folder holding `station-files/` and `printers/`; FileNotFoundError if none."""
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"{ENV_VAR}={override} is not a directory")
        return path
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for parent in (start, *start.parents):
            candidate = parent / _RELATIVE
            if (candidate / "station-files").is_dir():
                return candidate
    raise FileNotFoundError(f"no {_RELATIVE} folder found; set {ENV_VAR}")


def station_files_dir() -> Path:
    """`station-files` (with `valid/` and `invalid/`)."""
    return reference_data_dir() / "station-files"


def printer_answers_dir() -> Path:
    """`printers` (Zebra `~HS` answers, byte for byte)."""
    return reference_data_dir() / "printers"
