"""the LOT copy remembers when its status changed: a late older change never wins (2026-12-03).

A lot.status_changed redelivered or reclaimed after a newer one (a consumer killed while
holding it) used to overwrite the newer status: the LOT page said COMPLETED while
process-service kept IN_PROGRESS. Changes now apply only forward in the source's time.
"""

from servicekit import migration_ops as shared

revision = "0003"
down_revision = "0002"

upgrade, downgrade = shared.nullable_timestamp_column("process", "lots", "status_changed_at")
