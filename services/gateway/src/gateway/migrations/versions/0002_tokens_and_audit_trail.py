"""tokens and audit trail (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "audit_entities",
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("state", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("deleted", sa.Boolean(), server_default="false", nullable=False),
        sa.PrimaryKeyConstraint("entity_type", "entity_id", name=op.f("pk_audit_entities")),
        schema="gateway",
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        sa.Column("source_ip", sa.String(length=64), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("old_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_log_event_id")),
        schema="gateway",
    )
    op.create_index(
        "ix_audit_log_entity",
        "audit_log",
        ["entity_type", "entity_id"],
        unique=False,
        schema="gateway",
    )
    op.create_index(
        "ix_audit_log_occurred", "audit_log", ["occurred_at"], unique=False, schema="gateway"
    )
    op.create_index(
        "ix_audit_log_user", "audit_log", ["user_id", "occurred_at"], unique=False, schema="gateway"
    )
    op.create_table(
        "auth_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        shared.now_column("at"),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("source_ip", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_events")),
        schema="gateway",
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_refresh_tokens")),
        schema="gateway",
    )
    shared.create_index_on("gateway", "refresh_tokens", "family_id")
    shared.create_index_on("gateway", "refresh_tokens", "username")
    # The audit trail is append-only: refuse UPDATE and DELETE (TRUNCATE too).
    op.execute(
        """
        CREATE FUNCTION gateway.audit_log_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
        END;
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON gateway.audit_log "
        "FOR EACH ROW EXECUTE FUNCTION gateway.audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON gateway.audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION gateway.audit_log_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON gateway.audit_log")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON gateway.audit_log")
    op.execute("DROP FUNCTION IF EXISTS gateway.audit_log_append_only()")
    shared.drop_index_on("gateway", "refresh_tokens", "username")
    shared.drop_index_on("gateway", "refresh_tokens", "family_id")
    op.drop_table("refresh_tokens", schema="gateway")
    op.drop_table("auth_events", schema="gateway")
    op.drop_index("ix_audit_log_user", table_name="audit_log", schema="gateway")
    op.drop_index("ix_audit_log_occurred", table_name="audit_log", schema="gateway")
    op.drop_index("ix_audit_log_entity", table_name="audit_log", schema="gateway")
    op.drop_table("audit_log", schema="gateway")
    op.drop_table("audit_entities", schema="gateway")
