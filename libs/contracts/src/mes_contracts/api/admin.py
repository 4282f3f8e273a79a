"""Gateway DTOs: sign-in and tokens, user management, the audit chain's re-anchor."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

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
