"""Label print DTOs (`POST /api/v1/label/print`, seed 002 §3.4.3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
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


class LabelPrintData(BaseModel):
    """`POST /api/v1/label/print` and `/reprint`: 200 when printed, 202 when queued for the
    workstation's serial printer (`print_time` is then None)."""

    label_type: Literal["LOT", "SERIAL"]
    lot_number: str
    serial_number: str | None
    printer_id: str | None
    print_time: AwareDatetime | None
    job_id: str
    state: str = Field(examples=["sent", "pending"])
    reprint: bool


class ReprintRead(BaseModel):
    """One reprint (FR-SN-003): reason, who, when."""

    id: int
    job_id: str
    label_type: Literal["LOT", "SERIAL"]
    lot_number: str
    serial_number: str | None
    printer_id: str | None
    reason: str
    requested_by: str
    worker_id: str | None
    requested_at: AwareDatetime


class ReprintList(BaseModel):
    items: list[ReprintRead]
    total: int = Field(ge=0)


class LabelJobRead(BaseModel):
    """A print job. Listed with `station_id`, it carries what the workstation sends to its
    serial printer (`language` … `content_base64`, or `render_error`)."""

    job_id: str
    label_type: Literal["LOT", "SERIAL"]
    lot_number: str
    serial_number: str | None
    printer_id: str | None
    station_id: str | None
    state: Literal["queued", "sending", "retrying", "pending", "sent", "failed"]
    source: str = Field(examples=["event", "api", "reprint"])
    attempts: int = Field(ge=0)
    next_attempt_at: AwareDatetime
    last_error_code: str | None
    last_error: str | None
    reprint: bool
    reason: str | None
    requested_by: str | None
    worker_id: str | None
    created_at: AwareDatetime
    sent_at: AwareDatetime | None
    label: dict[str, Any] = Field(description="What the label shows")
    language: str | None = None
    serial_port: str | None = None
    baudrate: int | None = None
    content_base64: str | None = None
    render_error: str | None = None
