"""Locate the shared reference data (`shared/data`: station files, printer answers).

`MES_SHARED_DIR` overrides; otherwise the first `shared/` with a `data/` folder found
walking up from this file, then from the working directory (the repo sits next to it:
`/work/main/../shared`).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "MES_SHARED_DIR"


def shared_dir() -> Path:
    """The shared folder; FileNotFoundError if there is none."""
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override).expanduser().resolve()
        if not path.is_dir():
            raise FileNotFoundError(f"{ENV_VAR}={override} is not a directory")
        return path
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for parent in (start, *start.parents):
            candidate = parent / "shared"
            if (candidate / "data").is_dir():
                return candidate
    raise FileNotFoundError(f"no shared/data folder found; set {ENV_VAR}")


def station_files_dir() -> Path:
    """`shared/data/station-files` (with `valid/` and `invalid/`)."""
    return shared_dir() / "data" / "station-files"


def printer_answers_dir() -> Path:
    """`shared/data/printers` (Zebra `~HS` answers, byte for byte)."""
    return shared_dir() / "data" / "printers"
