"""projektor: personal calendar feeds (a keyed hash of each secret token)

Revision ID: projektor_0002
Revises: projektor_0001
Create Date: 2026-12-03 14:57:41.914690
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "projektor_0002"
down_revision: str | None = "projektor_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "projektor_feed",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("device_id", GUID(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projektor_feed")),
        sa.UniqueConstraint("tenant_id", "device_id", name="uq_projektor_feed_device"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_projektor_feed_token_hash")),
    )
    with op.batch_alter_table("projektor_feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_projektor_feed_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("projektor_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projektor_feed_tenant_id"))

    op.drop_table("projektor_feed")
