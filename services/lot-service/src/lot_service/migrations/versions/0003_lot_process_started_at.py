"""lot process started_at: when the MES accepted the step's start (orders attempts) (2026-12-02)."""

from servicekit import migration_ops as shared

revision = "0003"
down_revision = "0002"

upgrade, downgrade = shared.nullable_timestamp_column("lot", "lot_processes", "started_at")
