"""work order numbers from a sequence: starts no longer queue on one counter row (2026-12-10).

The per-day counter row (`work_order_counters`) was incremented by every start in the
middle of its transaction, so concurrent starts waited on that row's lock until the
holder committed (ADR 0014). The sequence starts past every number a counter ever gave,
so no new id can repeat an old one of any day.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.execute("CREATE SEQUENCE process.work_order_seq AS bigint")
    op.execute(
        "SELECT setval('process.work_order_seq', "
        "COALESCE((SELECT max(last_seq) FROM process.work_order_counters), 0) + 1, false)"
    )
    op.drop_table("work_order_counters", schema="process")


def downgrade() -> None:
    op.create_table(
        "work_order_counters",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_work_order_counters")),
        schema="process",
    )
    # Each day's counter continues after the highest number issued on it.
    op.execute(
        "INSERT INTO process.work_order_counters (day, last_seq) "
        "SELECT to_date(split_part(work_order_id, '-', 2), 'YYYYMMDD'), "
        "max(split_part(work_order_id, '-', 3)::bigint) "
        "FROM process.process_records GROUP BY 1"
    )
    op.execute("DROP SEQUENCE process.work_order_seq")
