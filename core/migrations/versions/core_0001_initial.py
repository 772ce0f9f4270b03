"""core: devices, staff accounts and grants, tombstones, job runs

Revision ID: core_0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "core_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit() -> list[sa.Column[object]]:
    return [
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        # advanced-alchemy's insert sentinel for UUID keys (lets SQLAlchemy batch inserts)
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "core_device",
        *_audit(),
        sa.Column("tenant_id", sa.String(63), nullable=False, index=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("app_version", sa.String(32), nullable=False),
        sa.Column("push_token", sa.String(4096), nullable=True),
        sa.Column("push_token_active", sa.Boolean(), nullable=False),
        sa.Column("credential_version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "core_staff_account",
        *_audit(),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "core_staff_grant",
        *_audit(),
        sa.Column("tenant_id", sa.String(63), nullable=False, index=True),
        sa.Column(
            "staff_id", GUID(length=16), sa.ForeignKey("core_staff_account.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("module_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.UniqueConstraint("staff_id", "tenant_id", "module_id", name="uq_core_staff_grant"),
    )
    op.create_table(
        "core_tombstone",
        *_audit(),
        sa.Column("tenant_id", sa.String(63), nullable=False, index=True),
        sa.Column("resource", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("deleted_at", DateTimeUTC(timezone=True), nullable=False),
    )
    op.create_index("ix_core_tombstone_sync", "core_tombstone", ["tenant_id", "resource", "deleted_at"])
    op.create_table(
        "core_job_run",
        *_audit(),
        sa.Column("job_key", sa.String(128), nullable=False, index=True),
        sa.Column("worker_id", sa.String(128), nullable=False),
        sa.Column("started_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("finished_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("core_job_run")
    op.drop_index("ix_core_tombstone_sync", table_name="core_tombstone")
    op.drop_table("core_tombstone")
    op.drop_table("core_staff_grant")
    op.drop_table("core_staff_account")
    op.drop_table("core_device")
