"""the routing copy keeps each step's takt (the stalled-LOT alert, ADR 0024) (2026-12-04)."""

from servicekit import migration_ops as shared

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    shared.add_takt_column("trace", "routing")


def downgrade() -> None:
    shared.drop_takt_column("trace", "routing")
