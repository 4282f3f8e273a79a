"""process record acceptance time (2026-11-23)."""

from servicekit.migration_ops import nullable_timestamp_column

revision = "0003"
down_revision = "0002"

upgrade, downgrade = nullable_timestamp_column("trace", "process_records", "started_at")
