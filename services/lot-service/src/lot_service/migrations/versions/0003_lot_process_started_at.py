"""lot process started_at: when the MES accepted the step's start (orders attempts) (2026-12-02)."""

from servicekit.migration_ops import nullable_timestamp_column

revision = "0003"
down_revision = "0002"

upgrade, downgrade = nullable_timestamp_column("lot", "lot_processes", "started_at")
