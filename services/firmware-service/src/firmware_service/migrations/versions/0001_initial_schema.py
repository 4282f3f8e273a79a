"""initial schema (2026-11-23)."""

import sqlalchemy as sa
from alembic import op
from servicekit import migration_ops as shared

revision = "0001"
down_revision = None


def upgrade() -> None:
    shared.create_outbox_inbox("firmware")
    op.create_table(
        "firmware_versions",
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("filename", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("md5_hash", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("target_mcu", sa.String(length=64), nullable=False),
        sa.Column("release_notes", sa.Text(), nullable=True),
        sa.Column("storage_backend", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        shared.now_column("uploaded_at"),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "state IN ('UPLOADED', 'RELEASED', 'SUPERSEDED', 'WITHDRAWN')",
            name=op.f("ck_firmware_versions_state_known"),
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_firmware_versions")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_firmware_versions_storage_key")),
        schema="firmware",
    )
    op.create_index(
        "uq_firmware_versions_one_released",
        "firmware_versions",
        ["state"],
        unique=True,
        schema="firmware",
        postgresql_where=sa.text("state = 'RELEASED'"),
    )
    op.create_table(
        "firmware_downloads",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("worker_id", sa.String(length=32), nullable=True),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("range_header", sa.String(length=100), nullable=True),
        sa.Column("status_code", sa.SmallInteger(), nullable=False),
        sa.Column("first_byte", sa.BigInteger(), nullable=False),
        sa.Column("content_length", sa.BigInteger(), nullable=False),
        sa.Column("bytes_sent", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("completed", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["version"],
            ["firmware.firmware_versions.version"],
            name=op.f("fk_firmware_downloads_version_firmware_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firmware_downloads")),
        schema="firmware",
    )
    shared.create_index_on("firmware", "firmware_downloads", "started_at")
    shared.create_index_on("firmware", "firmware_downloads", "station_id")
    shared.create_index_on("firmware", "firmware_downloads", "version")
    op.create_table(
        "firmware_releases",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("previous_version", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("actor_user_id", sa.String(length=64), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "action IN ('RELEASE', 'ROLLBACK')", name=op.f("ck_firmware_releases_action_known")
        ),
        sa.ForeignKeyConstraint(
            ["previous_version"],
            ["firmware.firmware_versions.version"],
            name=op.f("fk_firmware_releases_previous_version_firmware_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["version"],
            ["firmware.firmware_versions.version"],
            name=op.f("fk_firmware_releases_version_firmware_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_firmware_releases")),
        schema="firmware",
    )
    shared.create_index_on("firmware", "firmware_releases", "version")


def downgrade() -> None:
    shared.drop_index_on("firmware", "firmware_releases", "version")
    op.drop_table("firmware_releases", schema="firmware")
    shared.drop_index_on("firmware", "firmware_downloads", "version")
    shared.drop_index_on("firmware", "firmware_downloads", "station_id")
    shared.drop_index_on("firmware", "firmware_downloads", "started_at")
    op.drop_table("firmware_downloads", schema="firmware")
    op.drop_index(
        "uq_firmware_versions_one_released",
        table_name="firmware_versions",
        schema="firmware",
        postgresql_where=sa.text("state = 'RELEASED'"),
    )
    op.drop_table("firmware_versions", schema="firmware")
    shared.drop_outbox_inbox("firmware")
