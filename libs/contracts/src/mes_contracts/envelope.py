"""The event envelope every MES event travels in (CloudEvents-style).

`id` is the idempotency key: a consumer records it in its inbox and applies an event
at most once, whatever Redis entry id the event arrived under.

Build envelopes with `mes_contracts.events.make_event` (it validates `data` against the
registered payload model); `mes_contracts.wire` describes how they sit in Redis Streams.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SPEC_VERSION = "1.0"


class Actor(BaseModel):
    """Who caused the event: a person (user/worker) or a system component."""

    model_config = ConfigDict(extra="forbid")

    user_id: str | None = Field(default=None, description="Login name of the user, if any")
    role: str | None = Field(default=None, description="RBAC role at the time of the action")
    worker_id: str | None = Field(default=None, description="Shop-floor worker id, e.g. W001")
    source_ip: str | None = Field(default=None, description="Client address seen by the gateway")
    system: str | None = Field(
        default=None, description="Set when a service acted on its own (e.g. an event handler)"
    )


class Envelope(BaseModel):
    """One event. `data` holds the type's payload (see `mes_contracts.events`)."""

    model_config = ConfigDict(extra="forbid")

    specversion: str = SPEC_VERSION
    id: uuid.UUID = Field(default_factory=uuid.uuid4, description="Idempotency key")
    type: str = Field(
        min_length=1, max_length=100, description="Event type = stream name, e.g. lot.created"
    )
    version: int = Field(default=1, ge=1, description="Version of the payload schema")
    source: str = Field(
        min_length=1, max_length=100, description="Service that emitted the event, e.g. lot-service"
    )
    time: AwareDatetime = Field(
        default_factory=lambda: datetime.now(UTC), description="When the fact happened"
    )
    subject: str | None = Field(default=None, description="LOT number, serial or entity id")
    actor: Actor | None = None
    correlation_id: str | None = Field(
        default=None, description="Request id of the HTTP call that started the chain"
    )
    traceparent: str | None = Field(default=None, description="W3C trace context")
    data: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        return cls.model_validate_json(raw)
