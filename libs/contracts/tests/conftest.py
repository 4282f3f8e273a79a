from __future__ import annotations

from pathlib import Path

import pytest
from mes_contracts.reference_data import station_files_dir


@pytest.fixture(scope="session")
def station_files() -> Path:
    """The reference station files vendored in tests/reference-data (never skipped)."""
    return station_files_dir()
