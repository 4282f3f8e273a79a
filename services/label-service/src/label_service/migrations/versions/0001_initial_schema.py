"""initial schema (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None


def upgrade() -> None:
    shared.create_outbox_inbox("label")
    op.create_table(
        "lot_stations",
        sa.Column("lot_number", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        shared.now_column("updated_at"),
        sa.PrimaryKeyConstraint("lot_number", name=op.f("pk_lot_stations")),
        schema="label",
    )
    op.create_table(
        "print_jobs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("label_type", sa.String(length=8), nullable=False),
        sa.Column("lot_number", sa.String(length=64), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=True),
        sa.Column("printer_id", sa.String(length=64), nullable=True),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="queued", nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        shared.now_column("next_attempt_at"),
        sa.Column("last_error_code", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("reprint", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        shared.now_column("created_at"),
        shared.now_column("updated_at"),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_jobs")),
        schema="label",
    )
    op.create_index(
        "ix_print_jobs_due",
        "print_jobs",
        ["next_attempt_at"],
        unique=False,
        schema="label",
        postgresql_where=sa.text("state IN ('queued', 'retrying')"),
    )
    op.create_index(
        "ix_print_jobs_lot",
        "print_jobs",
        ["lot_number", "serial_number"],
        unique=False,
        schema="label",
    )
    op.create_index(
        "ix_print_jobs_printer_state",
        "print_jobs",
        ["printer_id", "state"],
        unique=False,
        schema="label",
    )
    op.create_table(
        "printers",
        sa.Column("printer_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("transport", sa.String(length=8), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("serial_port", sa.String(length=64), nullable=True),
        sa.Column("baudrate", sa.Integer(), nullable=True),
        sa.Column("dpi", sa.Integer(), server_default="203", nullable=False),
        sa.Column("label_width_mm", sa.Integer(), server_default="100", nullable=False),
        sa.Column("label_height_mm", sa.Integer(), server_default="50", nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=8), server_default="ANY", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        shared.now_column("created_at"),
        shared.now_column("updated_at"),
        sa.PrimaryKeyConstraint("printer_id", name=op.f("pk_printers")),
        schema="label",
    )
    op.create_table(
        "reprints",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("label_type", sa.String(length=8), nullable=False),
        sa.Column("lot_number", sa.String(length=64), nullable=False),
        sa.Column("serial_number", sa.String(length=64), nullable=True),
        sa.Column("printer_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        shared.now_column("requested_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reprints")),
        schema="label",
    )
    op.create_index(
        "ix_reprints_lot", "reprints", ["lot_number", "serial_number"], unique=False, schema="label"
    )


def downgrade() -> None:
    op.drop_index("ix_reprints_lot", table_name="reprints", schema="label")
    op.drop_table("reprints", schema="label")
    op.drop_table("printers", schema="label")
    op.drop_index("ix_print_jobs_printer_state", table_name="print_jobs", schema="label")
    op.drop_index("ix_print_jobs_lot", table_name="print_jobs", schema="label")
    op.drop_index(
        "ix_print_jobs_due",
        table_name="print_jobs",
        schema="label",
        postgresql_where=sa.text("state IN ('queued', 'retrying')"),
    )
    op.drop_table("print_jobs", schema="label")
    op.drop_table("lot_stations", schema="label")
    shared.drop_outbox_inbox("label")
