"""Settings every service reads from the environment (12-factor)."""

from __future__ import annotations

import os
import socket
from functools import cached_property
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def inline_or_file(value: str | None, path: Path | None) -> str | None:
    """A key given in the environment, else read from its file (None: neither is there)."""
    if value:
        return value
    if path and path.exists():
        return path.read_text()
    return None


class ServiceSettings(BaseSettings):
    """Common settings. A service may subclass to add its own (prefix `MES_`)."""

    model_config = SettingsConfigDict(env_prefix="MES_", extra="ignore", populate_by_name=True)

    service_name: str = "mes-service"
    env: str = Field(default="dev", description="dev | test | prod")
    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        validation_alias="DATABASE_URL",
    )
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", validation_alias="REDIS_URL")
    host: str = "127.0.0.1"
    port: int = 8001
    log_level: str = "INFO"
    log_json: bool = True

    db_pool_size: int = 10
    db_max_overflow: int = 10

    # JWT verification (every service verifies the gateway's tokens itself).
    jwt_public_key: str | None = None
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "withforce-mes"
    jwt_audience: str = "withforce-mes-api"
    jwt_algorithm: str = "EdDSA"

    # Outbox relay and consumers.
    # LISTEN/NOTIFY wakes the relay at each commit; the poll is only a fallback.
    outbox_poll_seconds: float = 10.0
    outbox_batch_size: int = 500
    consumer_name: str | None = None
    consumer_min_idle_ms: int = 30_000
    consumer_reclaim_interval_ms: int = 15_000  # the slow sweep for abandoned entries
    consumer_max_deliveries: int = 5
    # A blocking read returns as soon as an entry arrives; idle, it must end before the
    # Redis socket timeout, or every idle read fails with a TimeoutError.
    consumer_block_ms: int = 4_000
    redis_socket_timeout_seconds: float = Field(default=5.0, gt=0)
    consumer_batch_size: int = 100
    # Streams are the replay log of the trace-service: keep everything unless ops cap it.
    stream_maxlen: int | None = None

    max_body_bytes: int = 1_048_576
    # Peers whose X-Forwarded-For is believed (comma-separated CIDRs): nobody unless told.
    # Services believe only the client address the gateway signs with the hop key.
    trusted_proxies: str = ""
    # HMAC key shared by the gateway and the services (the signed gateway → service hop).
    internal_hop_key: str | None = None
    internal_hop_key_file: Path | None = None
    otel_console: bool = False

    @model_validator(mode="after")
    def _reads_end_before_the_socket_times_out(self) -> ServiceSettings:
        if self.consumer_block_ms >= self.redis_socket_timeout_seconds * 1000 - 500:
            raise ValueError(
                "consumer_block_ms must end 0.5 s before redis_socket_timeout_seconds "
                f"({self.consumer_block_ms} ms against {self.redis_socket_timeout_seconds} s)"
            )
        return self

    @field_validator("database_url")
    @classmethod
    def _asyncpg_driver(cls, value: str) -> str:
        """Accept plain postgresql:// URLs (as ops tools write them) and use asyncpg."""
        for prefix in ("postgresql://", "postgres://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        return value

    @cached_property
    def consumer_id(self) -> str:
        """Unique per running process, so replicas never share a consumer name."""
        return self.consumer_name or f"{self.service_name}-{socket.gethostname()}-{os.getpid()}"

    @property
    def is_production(self) -> bool:
        return self.env == "prod"

    def hop_key(self) -> str | None:
        key = inline_or_file(self.internal_hop_key, self.internal_hop_key_file)
        return key.strip() if key and not self.internal_hop_key else key

    def public_key_pem(self) -> str | None:
        return inline_or_file(self.jwt_public_key, self.jwt_public_key_file)
