"""Quality records derived from a completion: defects, measurements, component LOTs."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mes_contracts.enums import Result

ComponentLotNumber = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Defect(BaseModel):
    """One failed check of a completion: what was measured against which spec."""

    model_config = ConfigDict(extra="ignore")

    check: str = Field(
        description='What failed, as a path into process_data: "temp_sensor", '
        '"test_results[T50_P180]", "marking_result", "overall_result"…',
        examples=["temp_sensor"],
    )
    measured: float | bool | str | None = Field(
        default=None, description="Measured value or reported verdict (None if not reported)"
    )
    target: float | None = Field(default=None, description="Target value of the spec")
    tolerance: float | None = Field(default=None, description="± tolerance around the target")
    lower_limit: float | None = Field(default=None, description="Lowest acceptable value")
    upper_limit: float | None = Field(default=None, description="Highest acceptable value")
    unit: str | None = Field(default=None, description='Unit of measured/target, e.g. "°C"')
    message: str = Field(description="Human-readable cause (English)")


class Measurement(BaseModel):
    """One numeric measurement of a completion, kept for quality analysis."""

    model_config = ConfigDict(extra="ignore")

    check: str = Field(description='Path of the measurement, e.g. "test_results[T38_P170]"')
    value: float | None = Field(description="Measured value (None if the station sent none)")
    target: float | None = Field(default=None, description="Target value of the spec")
    tolerance: float | None = Field(default=None, description="± tolerance around the target")
    lower: float | None = Field(default=None, description="target - tolerance")
    upper: float | None = Field(default=None, description="target + tolerance")
    unit: str | None = Field(default=None, description='"°C", "kgf"…')
    result: Result = Field(description="FAIL if the station said so or the value is out of spec")


class ComponentLot(BaseModel):
    """A component LOT consumed by a process (genealogy: unit → component LOTs)."""

    model_config = ConfigDict(extra="ignore")

    component_type: str = Field(
        description='Kind of component: the process_data key without "_lot", e.g. '
        '"sma_spring", "busbar"',
        examples=["sma_spring"],
    )
    lot_number: ComponentLotNumber = Field(
        description="Supplier/component LOT number as scanned", examples=["SPRING-2025011001"]
    )


class ProcessOutcome(BaseModel):
    """What `validate_process_data` concluded from one completion's process_data."""

    result: Result
    defects: list[Defect] = Field(default_factory=list)
    component_lots: list[ComponentLot] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
