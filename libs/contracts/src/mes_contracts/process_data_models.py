"""`process_data` of each routing step (SPEC §3, seed 002 §3.4.2), one model per process.

Stations may add fields: every model keeps unknown keys (`extra="allow"`). Verdict
strings are accepted in any case and normalised to upper case. Numbers and booleans are
strict (`mes_contracts.strict`): `"60.2"` is not a temperature, `1` is not `true`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from mes_contracts.identifiers import FirmwareVersion
from mes_contracts.quality import ComponentLotNumber
from mes_contracts.strict import StrictFiniteFloat
from mes_contracts.times import AwareTimestamp


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


PassFail = Annotated[Literal["PASS", "FAIL"], BeforeValidator(_upper)]
SuccessFail = Annotated[Literal["SUCCESS", "FAIL"], BeforeValidator(_upper)]
NonNegative = Annotated[StrictFiniteFloat, Field(ge=0)]


class _StationData(BaseModel):
    model_config = ConfigDict(extra="allow")


class LaserMarkingData(_StationData):
    """PROC-001 레이저 마킹."""

    lot_number_engraved: str = Field(max_length=64, description="Must equal the LOT number")
    marking_result: SuccessFail


class LmaAssemblyData(_StationData):
    """PROC-002 LMA 조립. Further component LOTs may be added as `<component>_lot` keys."""

    sma_spring_lot: ComponentLotNumber
    busbar_lot: ComponentLotNumber


class TempSensorCheck(_StationData):
    measured_temp: StrictFiniteFloat = Field(description="°C")
    target_temp: StrictFiniteFloat = Field(description="°C, 60.0 for the WF line")
    tolerance: NonNegative = Field(description="± °C, 1.0 for the WF line")
    result: PassFail


class TofSensorCheck(_StationData):
    i2c_communication: StrictBool
    result: PassFail


class SensorInspectionData(_StationData):
    """PROC-003 센서 검사."""

    temp_sensor: TempSensorCheck
    tof_sensor: TofSensorCheck
    overall_result: PassFail


class FirmwareUploadData(_StationData):
    """PROC-004 펌웨어 업로드."""

    firmware_version: FirmwareVersion
    upload_result: SuccessFail


class RobotAssemblyData(_StationData):
    """PROC-005 로봇 조립: nothing required."""


class ForceSpec(_StationData):
    target_force: StrictFiniteFloat
    tolerance: NonNegative
    unit: str | None = Field(default=None, max_length=16, description='Default "kgf"')


class ForceTestPoint(_StationData):
    test_point_id: str = Field(min_length=1, max_length=64, examples=["T38_P170"])
    spec: ForceSpec
    measured_force: StrictFiniteFloat | None = None
    result: PassFail


class PerformanceTestData(_StationData):
    """PROC-006 성능검사 (EOL)."""

    test_results: list[ForceTestPoint] = Field(min_length=1)
    overall_result: PassFail
    test_duration_seconds: NonNegative
    tested_at: AwareTimestamp


class LabelPrintingData(_StationData):
    """PROC-007 라벨 프린팅."""

    label_printed: StrictBool
    printer_id: str = Field(min_length=1, max_length=64)
    print_time: AwareTimestamp
    barcode_verified: StrictBool


class PackagingInspectionData(_StationData):
    """PROC-008 포장 + 외관검사."""

    inspection_result: PassFail


#: process_id → process_data model. Steps not listed here accept any object.
PROCESS_DATA_MODELS: dict[str, type[BaseModel]] = {
    "PROC-001": LaserMarkingData,
    "PROC-002": LmaAssemblyData,
    "PROC-003": SensorInspectionData,
    "PROC-004": FirmwareUploadData,
    "PROC-005": RobotAssemblyData,
    "PROC-006": PerformanceTestData,
    "PROC-007": LabelPrintingData,
    "PROC-008": PackagingInspectionData,
}
