"""Alert thresholds and webhook targets (environment, prefix `MES_`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from servicekit.settings import ServiceSettings


class WebhookTarget(BaseModel):
    """One receiver: `MES_ALERT_WEBHOOKS='[{"name": "ops", "url": "https://…",
    "secret": "…", "format": "slack"}]'`."""

    name: str = Field(min_length=1, max_length=64)
    url: str = Field(pattern=r"^https?://", max_length=2000)
    secret: SecretStr = Field(min_length=1)
    format: Literal["json", "slack"] = "json"


class AlertSettings(ServiceSettings):
    # The poll of Redis (dead letters, consumer lag) and of waiting label jobs.
    # 30 s: these conditions build up over minutes, and the idle stack stays under 1 % of a core.
    alert_poll_seconds: float = 30.0
    alert_consumer_lag_threshold: int = 1000
    alert_label_queued_minutes: float = 10.0
    # A process's share of FAIL among today's completions (factory date), once it has
    # completed at least this many.
    alert_defect_rate_threshold: float = 0.05
    alert_defect_rate_min_completed: int = 20
    # A step IN_PROGRESS with no activity for longer than this many times its takt
    # (routing `takt_seconds`) raises ALERT_LOT_STALLED (ADR 0024).
    alert_stalled_takt_multiple: float = Field(default=3.0, gt=0)
    alert_webhooks: list[WebhookTarget] = Field(default_factory=list)
    alert_webhook_timeout_seconds: float = 5.0
    alert_webhook_poll_seconds: float = 1.0
    alert_webhook_retry_base_seconds: float = 2.0
    alert_webhook_retry_max_seconds: float = 300.0
    alert_webhook_max_attempts: int = 20
