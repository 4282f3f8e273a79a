"""process record acceptance time (2026-11-23)."""

from servicekit import migration_ops as shared

revision = "0003"
down_revision = "0002"

upgrade, downgrade = shared.nullable_timestamp_column("trace", "process_records", "started_at")
