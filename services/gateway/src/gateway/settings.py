from pathlib import Path

from pydantic import Field
from servicekit.settings import ServiceSettings, inline_or_file


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    port: int = 8000
    jwt_private_key: str | None = None
    jwt_private_key_file: Path | None = None
    access_token_minutes: int = 15
    # Overrides the minutes when set (tests of token expiry; never needed in production).
    access_token_seconds: int | None = Field(default=None, gt=0)
    refresh_token_days: int = 7
    # How often every account's token version and the signed-out tokens are written to
    # Redis again (a key Redis lost is back within this).
    token_state_republish_seconds: float = 30.0

    admin_username: str | None = None
    admin_password: str | None = None
    seed_demo_users: bool = False

    lot_service_url: str = "http://127.0.0.1:8001"
    process_service_url: str = "http://127.0.0.1:8002"
    label_service_url: str = "http://127.0.0.1:8003"
    firmware_service_url: str = "http://127.0.0.1:8004"
    trace_service_url: str = "http://127.0.0.1:8005"
    upstream_timeout_seconds: float = 10.0
    rate_limit_per_minute: int = 100
    login_rate_limit_per_minute: int = 10
    # The gateway faces clients: believe X-Forwarded-For only from proxies named here.
    trusted_proxies: str = ""
    max_upload_bytes: int = 268_435_456
    # Audit anchor (ADR 0010): checkpoints after every recorded batch and this often, to
    # the Redis stream and, when set, to this file (a volume the database's owner cannot write).
    audit_checkpoint_seconds: float = Field(default=5.0, gt=0)
    audit_anchor_file: Path | None = None
    # The built web dashboard served at / (default: clients/dashboard/dist; "" turns it off).
    dashboard_dir: str | None = None

    @property
    def access_token_lifetime_minutes(self) -> float:
        if self.access_token_seconds:
            return self.access_token_seconds / 60
        return float(self.access_token_minutes)

    def private_key_pem(self) -> str | None:
        return inline_or_file(self.jwt_private_key, self.jwt_private_key_file)
