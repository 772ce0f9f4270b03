"""result snapshots: the public figures of a survey, renewed only in steps of results_step answers

Revision ID: participation_0004
Revises: participation_0003
Create Date: 2026-12-03 12:42:04.265690
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "participation_0004"
down_revision: str | None = "participation_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "participation_result_snapshot",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("survey_id", GUID(length=16), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["participation_survey.id"],
            name=op.f("fk_participation_result_snapshot_survey_id_participation_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_result_snapshot")),
        sa.UniqueConstraint("survey_id", name="uq_participation_result_snapshot"),
    )
    with op.batch_alter_table("participation_result_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participation_result_snapshot_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("participation_result_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_result_snapshot_tenant_id"))

    op.drop_table("participation_result_snapshot")
