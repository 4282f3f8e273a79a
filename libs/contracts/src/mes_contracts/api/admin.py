"""Gateway DTOs: sign-in and tokens, user management, the audit chain's re-anchor."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, field_validator

from mes_contracts.identifiers import WORKER_ID_RE
from mes_contracts.limits import MAX_REASON_LENGTH, MIN_REASON_LENGTH
from mes_contracts.roles import Role

MAX_USERNAME_LENGTH = 64
USERNAME_RE = r"^[a-z0-9][a-z0-9._-]{1,63}$"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_DISPLAY_NAME_LENGTH = 100
MIN_REFRESH_TOKEN_LENGTH = 20
MAX_REFRESH_TOKEN_LENGTH = 200


class LoginRequest(BaseModel):
    """`POST /api/v1/auth/login`."""

    username: str = Field(min_length=1, max_length=MAX_USERNAME_LENGTH)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(
        min_length=MIN_REFRESH_TOKEN_LENGTH, max_length=MAX_REFRESH_TOKEN_LENGTH
    )


class LogoutRequest(BaseModel):
    refresh_token: str | None = Field(
        default=None, min_length=MIN_REFRESH_TOKEN_LENGTH, max_length=MAX_REFRESH_TOKEN_LENGTH
    )


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=USERNAME_RE)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)
    role: Role
    worker_id: str | None = Field(default=None, pattern=WORKER_ID_RE)
    display_name: str = Field(min_length=1, max_length=MAX_DISPLAY_NAME_LENGTH)


class UserUpdate(BaseModel):
    """Only the fields sent change; `worker_id: null` removes the worker id."""

    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    worker_id: str | None = Field(default=None, pattern=WORKER_ID_RE)
    display_name: str | None = Field(default=None, min_length=1, max_length=MAX_DISPLAY_NAME_LENGTH)
    active: StrictBool | None = None
    password: str | None = Field(
        default=None, min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH
    )
    reason: str | None = Field(default=None, max_length=MAX_REASON_LENGTH)

    @field_validator("role", "display_name", "active", "password", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Omitted means "unchanged"; null would write NULL into a required column.
        if value is None:
            raise ValueError("may be omitted but not null")
        return value


class ReanchorRequest(BaseModel):
    """`POST /api/v1/audit/anchor` (admin)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    reason: str = Field(min_length=MIN_REASON_LENGTH, max_length=MAX_REASON_LENGTH)


class UserRead(BaseModel):
    """An account as the gateway shows it (never its password hash)."""

    username: str
    role: Role
    worker_id: str | None
    display_name: str
    active: bool
    created_at: AwareDatetime | None
    updated_at: AwareDatetime | None


class TokenPair(BaseModel):
    """`POST /api/v1/auth/login` and `/refresh`: a short access token, a rotating refresh."""

    access_token: str
    token_type: Literal["bearer"]
    expires_in: int = Field(ge=1, description="Seconds the access token is valid")
    refresh_token: str
    refresh_expires_at: AwareDatetime
    user: UserRead


class LogoutData(BaseModel):
    revoked_refresh_family: bool


class AuditRecord(BaseModel):
    """One row of the audit trail's hash chain."""

    seq: int = Field(ge=1)
    event_id: str
    occurred_at: AwareDatetime
    recorded_at: AwareDatetime
    service: str
    event_type: str
    entity_type: str
    entity_id: str
    action: str = Field(examples=["create", "update", "delete"])
    user_id: str | None
    role: str | None
    worker_id: str | None
    source_ip: str | None
    correlation_id: str | None
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    hash: str


class AuditPage(BaseModel):
    """`GET /api/v1/audit`: newest first (its page limit is the audit log's, 1000)."""

    items: list[AuditRecord]
    total: int = Field(ge=0)
    limit: int = Field(ge=1)
    offset: int = Field(ge=0)


class ChainTip(BaseModel):
    seq: int = Field(ge=0)
    hash: str


class AuditCheckpoint(BaseModel):
    """A signed checkpoint of the chain (ADR 0010); `by`, `reason`, `replaces` for a
    re-anchor only."""

    seq: int = Field(ge=0)
    hash: str
    at: AwareDatetime
    kind: str = Field(examples=["first", "checkpoint", "reanchor"])
    by: str | None = None
    reason: str | None = None
    replaces: dict[str, Any] | None = None


class AuditAnchorRead(AuditCheckpoint):
    source: str = Field(examples=["redis", "file"])


class AuditTailFinding(BaseModel):
    """Rows the anchor vouched for that are gone (`cut`) or different (`rewritten`)."""

    state: Literal["cut", "rewritten"]
    missing_from_seq: int
    missing_to_seq: int
    intact_up_to_seq: int
    anchor: AuditCheckpoint


class AuditVerifyReport(BaseModel):
    """`GET /api/v1/audit/verify`: the chain row by row and its tail against the anchor."""

    valid: bool
    rows_checked: int = Field(ge=0)
    first_broken_seq: int | None
    reason: str | None = Field(default=None, description="Why it is not valid")
    tip: ChainTip | None
    anchor: AuditAnchorRead | None
    tail: AuditTailFinding | None
    forged_checkpoints: list[dict[str, Any]]
    reanchors: list[AuditCheckpoint]


class ReanchorAcknowledged(BaseModel):
    tail: AuditTailFinding | None
    forged: list[dict[str, Any]]


class ReanchorData(BaseModel):
    """`POST /api/v1/audit/anchor`: the new anchor and what it acknowledged."""

    anchor: AuditCheckpoint
    acknowledged: ReanchorAcknowledged


class AuthEventRead(BaseModel):
    at: AwareDatetime
    username: str | None
    action: str = Field(examples=["login", "refresh", "logout", "audit_reanchor"])
    outcome: str = Field(examples=["ok", "refused"])
    source_ip: str | None
    detail: str | None


class AuthEvents(BaseModel):
    """`GET /api/v1/audit/auth-events`: newest first."""

    items: list[AuthEventRead]
