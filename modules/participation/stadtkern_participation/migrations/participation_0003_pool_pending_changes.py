"""pool: changes to an existing record wait for confirmation

A sign-up with the e-mail of an existing pool record no longer rewrites it: the requested profile
(and device link) waits in the pending_* columns until the link mailed to the address confirms it.

Revision ID: participation_0003
Revises: participation_0002
Create Date: 2026-12-03 12:37:04.363196
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "participation_0003"
down_revision: str | None = "participation_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("participation_pool_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_profile", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("pending_device_id", GUID(length=16), nullable=True))
        batch_op.add_column(sa.Column("pending_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pending_at", DateTimeUTC(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_participation_pool_member_pending_device_id"), ["pending_device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participation_pool_member_pending_token_hash"), ["pending_token_hash"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("participation_pool_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_pool_member_pending_token_hash"))
        batch_op.drop_index(batch_op.f("ix_participation_pool_member_pending_device_id"))
        batch_op.drop_column("pending_at")
        batch_op.drop_column("pending_token_hash")
        batch_op.drop_column("pending_device_id")
        batch_op.drop_column("pending_profile")
