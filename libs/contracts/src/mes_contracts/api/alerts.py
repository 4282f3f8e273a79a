"""Alerts centre DTOs (`/api/v1/alerts`, trace-service)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from mes_contracts.payloads.alert import AlertSeverity, AlertSubjectType

AlertStatus = Literal["open", "acknowledged", "resolved"]
DeliveryState = Literal["pending", "delivered", "failed"]
MAX_ALERT_NOTE_LENGTH = 500


class AlertAck(BaseModel):
    """`POST /api/v1/alerts/{alert_id}/ack`: who and when come from the token and the clock."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=MAX_ALERT_NOTE_LENGTH)


class AlertRead(BaseModel):
    alert_id: str
    rule: str = Field(examples=["printer.paper_out"])
    condition_key: str
    severity: AlertSeverity
    status: AlertStatus
    subject_type: AlertSubjectType
    subject_id: str
    code: str = Field(description="Message code (clients translate it with `params`)")
    params: dict[str, Any]
    message: str = Field(description="English text")
    raised_at: AwareDatetime
    acknowledged_by: str | None = None
    acknowledged_at: AwareDatetime | None = None
    note: str | None = None
    resolved_at: AwareDatetime | None = None


class AlertList(BaseModel):
    items: list[AlertRead]
    total: int = Field(ge=0)
    limit: int
    offset: int


class DeliveryRead(BaseModel):
    delivery_id: str
    alert_id: str
    event_type: str = Field(examples=["alert.raised"])
    target: str = Field(description="The webhook's name in settings")
    format: Literal["json", "slack"]
    state: DeliveryState
    attempts: int
    next_attempt_at: AwareDatetime | None
    last_status: int | None = Field(description="Last HTTP status the receiver answered")
    last_error: str | None
    created_at: AwareDatetime
    delivered_at: AwareDatetime | None


class DeliveryList(BaseModel):
    items: list[DeliveryRead]
    total: int = Field(ge=0)
    limit: int
    offset: int
