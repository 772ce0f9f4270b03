"""participation codes: single-use codes per survey (eligibility "code"), stored as keyed hashes

Revision ID: participation_0006
Revises: participation_0005
Create Date: 2026-12-03 12:53:19.788026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

revision: str = "participation_0006"
down_revision: str | None = "participation_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "participation_code",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("survey_id", GUID(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["participation_survey.id"],
            name=op.f("fk_participation_code_survey_id_participation_survey"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_code")),
        sa.UniqueConstraint("survey_id", "code_hash", name="uq_participation_code"),
    )
    # Plain ALTER TABLE: a batch rebuild of the survey table would, with foreign keys on, cascade its
    # drop into the answers.
    op.add_column(
        "participation_survey", sa.Column("eligibility", sa.String(length=8), server_default="device", nullable=False)
    )


def downgrade() -> None:
    op.drop_column("participation_survey", "eligibility")  # in place on SQLite 3.35+, no rebuild

    op.drop_table("participation_code")
