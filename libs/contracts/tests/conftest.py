from __future__ import annotations

import os
from pathlib import Path

import pytest


def _shared_dir() -> Path:
    override = os.environ.get("MES_SHARED_DIR")
    if override:
        return Path(override)
    # libs/contracts/tests → repo (/work/main) → its parent holds shared/
    return Path(__file__).resolve().parents[3].parent / "shared"


@pytest.fixture(scope="session")
def station_files() -> Path:
    path = _shared_dir() / "data" / "station-files"
    if not path.is_dir():
        pytest.skip(f"reference station files not found at {path} (set MES_SHARED_DIR)")
    return path
