"""Reference-data events: users (gateway) and printers (label-service)."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from mes_contracts.enums import PrinterLanguage, PrinterPurpose, PrinterTransport, Role
from mes_contracts.identifiers import PrinterId, WorkerId
from mes_contracts.limits import MAX_REASON_LENGTH
from mes_contracts.payloads._base import EventPayload


class _UserSnapshot(EventPayload):
    """The full user record after the change (consumers upsert by username)."""

    username: str = Field(max_length=64, description="Login name; stable, never reused")
    display_name: str | None = Field(default=None, max_length=100, description="Name shown")
    role: Role = Field(description="RBAC role")
    worker_id: WorkerId | None = Field(
        default=None, description="Shop-floor worker id (badge), if the user is a worker"
    )
    active: bool = Field(default=True, description="False: may not log in or start work")
    changed_at: AwareDatetime | None = Field(
        default=None, description="When the change happened (defaults to the envelope time)"
    )

    def event_subject(self) -> str | None:
        return self.username


class UserCreated(_UserSnapshot):
    """A user account was created; a worker_id becomes valid for process starts."""

    event_type = "user.created"


class UserUpdated(_UserSnapshot):
    """A user's name, role, worker id or active flag changed (full record after it)."""

    event_type = "user.updated"

    previous_worker_id: WorkerId | None = Field(
        default=None, description="Set when worker_id changed: the id no longer valid"
    )


class UserDeactivated(_UserSnapshot):
    """The user may no longer log in; its worker id may no longer start processes."""

    event_type = "user.deactivated"

    active: bool = Field(default=False, description="Always false")
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH, description="Why")


class _PrinterSnapshot(EventPayload):
    """The full printer record after the change (consumers upsert by printer_id)."""

    printer_id: PrinterId = Field(examples=["PRINTER-07"])
    name: str | None = Field(default=None, max_length=100, description="Display name")
    model: str = Field(max_length=64, description="Printer model", examples=["Zebra ZT410"])
    language: PrinterLanguage = Field(description="Command language")
    transport: PrinterTransport = Field(description="TCP (raw, port 9100) or SERIAL")
    host: str | None = Field(default=None, max_length=255, description="TCP only")
    port: int | None = Field(default=None, ge=1, le=65535, description="TCP only, usually 9100")
    serial_port: str | None = Field(default=None, max_length=64, description="SERIAL only")
    baudrate: int | None = Field(default=None, ge=300, description="SERIAL only")
    dpi: int | None = Field(default=None, ge=100, le=1200, description="Print resolution")
    station_id: str | None = Field(default=None, max_length=64, description="Station it serves")
    purpose: PrinterPurpose = Field(
        default=PrinterPurpose.ANY, description="Labels it prints by default"
    )
    active: bool = Field(default=True, description="False: not used for new jobs")
    changed_at: AwareDatetime = Field(description="When the record changed")

    def event_subject(self) -> str | None:
        return self.printer_id


class PrinterRegistered(_PrinterSnapshot):
    """A label printer was registered with label-service."""

    event_type = "printer.registered"


class PrinterUpdated(_PrinterSnapshot):
    """A label printer's settings changed (full record after the change)."""

    event_type = "printer.updated"
