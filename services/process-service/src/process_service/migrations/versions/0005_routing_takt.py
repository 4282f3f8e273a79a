"""routing steps state their takt (the stalled-LOT alert, ADR 0024) (2026-12-04)."""

from servicekit import migration_ops as shared

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    shared.add_takt_column("process", "routing_steps")


def downgrade() -> None:
    shared.drop_takt_column("process", "routing_steps")
