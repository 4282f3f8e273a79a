"""initial schema (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None


def upgrade() -> None:
    shared.create_outbox_inbox("lot")
    op.create_table(
        "lot_sequences",
        sa.Column("product_model", sa.String(length=8), nullable=False),
        sa.Column("factory", sa.String(length=2), nullable=False),
        sa.Column("production_date", sa.Date(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "product_model", "factory", "production_date", name=op.f("pk_lot_sequences")
        ),
        schema="lot",
    )
    op.create_table(
        "product_models",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("factory", sa.String(length=2), nullable=False),
        shared.now_column("created_at"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_product_models")),
        schema="lot",
    )
    op.create_table(
        "lots",
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("product_model", sa.String(length=8), nullable=False),
        sa.Column("factory", sa.String(length=2), nullable=False),
        sa.Column("production_date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(length=1), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("target_quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_serial_seq", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["product_model"],
            ["lot.product_models.code"],
            name=op.f("fk_lots_product_model_product_models"),
        ),
        sa.PrimaryKeyConstraint("lot_number", name=op.f("pk_lots")),
        sa.UniqueConstraint(
            "product_model",
            "factory",
            "production_date",
            "sequence",
            name=op.f("uq_lots_product_model"),
        ),
        schema="lot",
    )
    op.create_table(
        "lot_processes",
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("process_id", sa.String(length=16), nullable=False),
        sa.Column("process_name", sa.String(length=64), nullable=False),
        sa.Column("sequence_number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("complete_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=8), nullable=True),
        sa.Column("work_order_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["lot_number"], ["lot.lots.lot_number"], name=op.f("fk_lot_processes_lot_number_lots")
        ),
        sa.PrimaryKeyConstraint("lot_number", "process_id", name=op.f("pk_lot_processes")),
        schema="lot",
    )
    op.create_table(
        "lot_status_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lot_number"],
            ["lot.lots.lot_number"],
            name=op.f("fk_lot_status_history_lot_number_lots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_status_history")),
        schema="lot",
    )
    shared.create_index_on("lot", "lot_status_history", "lot_number")
    op.create_table(
        "serials",
        sa.Column("serial_number", sa.String(length=40), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("replacement_reason", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["lot_number"], ["lot.lots.lot_number"], name=op.f("fk_serials_lot_number_lots")
        ),
        sa.PrimaryKeyConstraint("serial_number", name=op.f("pk_serials")),
        sa.UniqueConstraint("lot_number", "sequence", name=op.f("uq_serials_lot_number")),
        schema="lot",
    )
    shared.create_index_on("lot", "serials", "lot_number")


def downgrade() -> None:
    shared.drop_index_on("lot", "serials", "lot_number")
    op.drop_table("serials", schema="lot")
    shared.drop_index_on("lot", "lot_status_history", "lot_number")
    op.drop_table("lot_status_history", schema="lot")
    op.drop_table("lot_processes", schema="lot")
    op.drop_table("lots", schema="lot")
    op.drop_table("product_models", schema="lot")
    op.drop_table("lot_sequences", schema="lot")
    shared.drop_outbox_inbox("lot")
