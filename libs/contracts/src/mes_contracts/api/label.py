"""Label print DTOs (`POST /api/v1/label/print`, seed 002 §3.4.3)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from mes_contracts.errors import ErrorCode
from mes_contracts.identifiers import (
    MAX_LOT_NUMBER_LENGTH,
    LotNumber,
    PrinterId,
    SerialNumber,
)
from mes_contracts.limits import MAX_REASON_LENGTH, MAX_TARGET_QUANTITY
from mes_contracts.times import IsoDate

ProductName = Annotated[
    str, Field(min_length=1, max_length=64, description="Printed product name, e.g. Withforce")
]


class _LabelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    printer_id: PrinterId | None = Field(
        default=None, description="None: label-service's default printer for this label type"
    )
    reprint: StrictBool = Field(default=False, description="Reprint of a damaged/lost label")
    reason: str | None = Field(
        default=None,
        max_length=MAX_REASON_LENGTH,
        validate_default=True,
        description="Required to reprint",
    )

    @field_validator("reason")
    @classmethod
    def _reason_for_reprint(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("reprint") and not (value and value.strip()):
            raise PydanticCustomError("reason_required", "a reprint needs a reason")
        return value


class LotLabelRequest(_LabelRequest):
    """LOT barcode label: LOT number, product, creation date, target quantity."""

    label_type: Literal["LOT"] = "LOT"
    lot_number: LotNumber
    product_model: ProductName
    target_quantity: StrictInt = Field(ge=1, le=MAX_TARGET_QUANTITY)
    created_date: IsoDate


class SerialLabelRequest(_LabelRequest):
    """Serial barcode label: serial, LOT, product, creation date."""

    label_type: Literal["SERIAL"] = "SERIAL"
    serial_number: SerialNumber
    lot_number: LotNumber
    product_model: ProductName
    created_date: IsoDate


#: Discriminated on `label_type`; validate with `TypeAdapter(LabelPrintRequest)`.
LabelPrintRequest = Annotated[
    LotLabelRequest | SerialLabelRequest, Field(discriminator="label_type")
]


class ReprintRequest(BaseModel):
    """`POST /api/v1/label/reprint`: the last label of a serial (or a LOT's LOT label)
    again, with the data it had."""

    lot_number: str | None = Field(default=None, max_length=MAX_LOT_NUMBER_LENGTH)
    serial_number: str | None = Field(default=None, max_length=MAX_LOT_NUMBER_LENGTH)
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)
    printer_id: str | None = Field(default=None, max_length=64)


class JobResult(BaseModel):
    """What the workstation reports after trying a serial-port job."""

    result: str = Field(pattern="^(printed|failed)$")
    error_code: ErrorCode | None = None
    message: str | None = Field(default=None, max_length=1000)
