"""Photos of ideas: re-encoded variants in the city's photo store

Revision ID: ideas_0003
Revises: ideas_0002
Create Date: 2026-12-03 14:56:03.744677
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "ideas_0003"
down_revision: str | None = "ideas_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ideas_photo",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("idea_id", GUID(length=16), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("bytes_stored", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas_idea.id"], name=op.f("fk_ideas_photo_idea_id_ideas_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_photo")),
    )
    with op.batch_alter_table("ideas_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_photo_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_photo_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ideas_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_photo_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_photo_idea_id"))

    op.drop_table("ideas_photo")
