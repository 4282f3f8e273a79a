"""SPC settings (environment, prefix `MES_`)."""

from __future__ import annotations

from pydantic import Field
from servicekit.settings import ServiceSettings


class QualitySettings(ServiceSettings):
    # Points of an individuals (I-MR) baseline: the first this many after a reset.
    spc_baseline_points: int = Field(default=100, ge=2, le=1000)
    # Subgroups of an X̄-R / X̄-S baseline (a step yielding subgroups; not used live yet).
    spc_baseline_subgroups: int = Field(default=25, ge=2, le=200)
    # A chart's default period and its cap of points (newest kept).
    spc_chart_days: int = Field(default=30, ge=1, le=366)
    spc_chart_max_points: int = Field(default=5000, ge=100, le=50000)
    # Checks whose violation holds the LOT (comma-separated exact names, e.g.
    # "temp_sensor,test_results[T38_P170]"); every other check only alerts.
    spc_hold_checks: str = Field(default="", max_length=4000)

    @property
    def spc_hold_check_names(self) -> frozenset[str]:
        return frozenset(c.strip() for c in self.spc_hold_checks.split(",") if c.strip())
