"""The Ideenpool: ideas, their status history, supports (one per device, unlinkable)

Revision ID: ideas_0001
Revises:
Create Date: 2026-12-03 14:28:36.805150
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "ideas_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _city_owned() -> list[sa.Column[object]]:
    """The columns of every TenantOwned table: the city, the sentinel and the audit timestamps."""
    return [
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _idea() -> None:
    op.create_table(
        "ideas_idea",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=80), nullable=False),
        sa.Column("district", sa.String(length=80), nullable=False),
        sa.Column("place_name", sa.String(length=200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("device_id", GUID(length=16), nullable=True),
        sa.Column("moderation", sa.String(length=16), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("moderated_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("published_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("merged_into_id", GUID(length=16), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("supporters", sa.Integer(), nullable=False),
        *_city_owned(),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["ideas_idea.id"],
            name=op.f("fk_ideas_idea_merged_into_id_ideas_idea"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_idea")),
    )
    with op.batch_alter_table("ideas_idea", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_idea_device_id"), ["device_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_idea_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index("ix_ideas_idea_public", ["tenant_id", "moderation", "published_at"], unique=False)
        batch_op.create_index("ix_ideas_idea_supported", ["tenant_id", "moderation", "supporters"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_idea_tenant_id"), ["tenant_id"], unique=False)


def _status_change() -> None:
    op.create_table(
        "ideas_status_change",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("idea_id", GUID(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("changed_by", GUID(length=16), nullable=True),
        *_city_owned(),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas_idea.id"], name=op.f("fk_ideas_status_change_idea_id_ideas_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_status_change")),
    )
    with op.batch_alter_table("ideas_status_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ideas_status_change_idea_id"), ["idea_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ideas_status_change_tenant_id"), ["tenant_id"], unique=False)


def _support() -> None:
    op.create_table(
        "ideas_support",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("idea_id", GUID(length=16), nullable=False),
        sa.Column("marker", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.String(length=96), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["ideas_idea.id"], name=op.f("fk_ideas_support_idea_id_ideas_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas_support")),
        sa.UniqueConstraint("idea_id", "marker", name="uq_ideas_support"),
        sqlite_with_rowid=False,
    )


def upgrade() -> None:
    _idea()
    _status_change()
    _support()


def downgrade() -> None:
    op.drop_table("ideas_support")
    with op.batch_alter_table("ideas_status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_status_change_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_status_change_idea_id"))

    op.drop_table("ideas_status_change")
    with op.batch_alter_table("ideas_idea", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ideas_idea_tenant_id"))
        batch_op.drop_index("ix_ideas_idea_supported")
        batch_op.drop_index("ix_ideas_idea_public")
        batch_op.drop_index(batch_op.f("ix_ideas_idea_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_ideas_idea_device_id"))

    op.drop_table("ideas_idea")
