"""Printer registry DTOs (admin, `POST/PATCH /api/v1/label/printers`)."""

from __future__ import annotations

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)

from mes_contracts.enums import PrinterLanguage, PrinterPurpose, PrinterTransport
from mes_contracts.identifiers import PrinterId


class PrinterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    printer_id: PrinterId
    name: str | None = Field(default=None, max_length=100)
    model: str = Field(min_length=1, max_length=64, examples=["Zebra ZT410"])
    language: PrinterLanguage
    transport: PrinterTransport = PrinterTransport.TCP
    host: str | None = Field(default=None, max_length=255)
    port: StrictInt | None = Field(default=None, ge=1, le=65535)
    serial_port: str | None = Field(default=None, max_length=64, examples=["COM3"])
    baudrate: StrictInt | None = Field(default=None, ge=300, le=921_600)
    dpi: StrictInt = Field(default=203, ge=100, le=1200)
    label_width_mm: StrictInt = Field(default=100, ge=20, le=300)
    label_height_mm: StrictInt = Field(default=50, ge=10, le=300)
    station_id: str | None = Field(default=None, max_length=64, examples=["ST-07"])
    purpose: PrinterPurpose = PrinterPurpose.ANY
    active: StrictBool = True

    @model_validator(mode="after")
    def _transport(self) -> PrinterBody:
        if self.transport is PrinterTransport.TCP:
            if not self.host:
                raise ValueError("a TCP printer needs a host")
            self.port = self.port or 9100
            self.serial_port = self.baudrate = None
        else:
            if not self.serial_port or not self.station_id:
                raise ValueError("a serial printer needs serial_port and the station it hangs off")
            self.baudrate = self.baudrate or 9600
            self.host = self.port = None
        return self


class PrinterPatch(BaseModel):
    """Partial update: only the fields sent change (printer_id cannot)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    model: str | None = None
    language: PrinterLanguage | None = None
    transport: PrinterTransport | None = None
    host: str | None = None
    port: StrictInt | None = None
    serial_port: str | None = None
    baudrate: StrictInt | None = None
    dpi: StrictInt | None = None
    label_width_mm: StrictInt | None = None
    label_height_mm: StrictInt | None = None
    station_id: str | None = None
    purpose: PrinterPurpose | None = None
    active: StrictBool | None = None


class PrinterRead(BaseModel):
    """A registered printer, with the dispatcher's back-off state."""

    printer_id: PrinterId
    name: str | None
    model: str
    language: PrinterLanguage
    transport: PrinterTransport
    host: str | None
    port: int | None
    serial_port: str | None
    baudrate: int | None
    dpi: int
    label_width_mm: int
    label_height_mm: int
    station_id: str | None
    purpose: PrinterPurpose
    active: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime
    consecutive_failures: int = Field(ge=0, description="Failed attempts in a row")
    retry_at: AwareDatetime | None = Field(description="When the dispatcher tries it next")
    last_state: str | None = Field(
        default=None, description="The state the status poll saw last (TCP printers)"
    )
    last_state_at: AwareDatetime | None = Field(default=None, description="When it changed")


class PrinterStatus(BaseModel):
    """`GET /api/v1/printers/{printer}/status`: what the printer says (TCP printers)."""

    printer_id: PrinterId
    state: str = Field(examples=["ready", "paper_out", "not_connected", "unknown"])
    detail: str | None
