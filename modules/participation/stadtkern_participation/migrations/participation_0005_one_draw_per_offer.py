"""draws: one per offer (unique index), a seed committed before the pool is frozen, every attempt logged

Existing draws were run at once: they get status "drawn" and no commitment. An offer with more than
one draw stops the upgrade (one sentence naming it): decide which draw stands, delete the others
(they are what this revision makes impossible), then migrate again.

Revision ID: participation_0005
Revises: participation_0004
Create Date: 2026-12-03 12:45:31.671729
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "participation_0005"
down_revision: str | None = "participation_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _refuse_repeated_draws() -> None:
    repeated = op.get_bind().execute(
        sa.text("SELECT offer_id FROM participation_draw GROUP BY offer_id HAVING count(*) > 1")
    )
    offers = [str(row[0]) for row in repeated]
    if offers:
        raise RuntimeError(
            "participation_0005: these offers have more than one draw; keep one each and delete the others "
            f"before migrating (one draw per offer is now enforced): {', '.join(offers)}"
        )


def upgrade() -> None:
    _refuse_repeated_draws()
    op.create_table(
        "participation_draw_attempt",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("offer_id", GUID(length=16), nullable=False),
        sa.Column("draw_id", GUID(length=16), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("attempted_by", sa.String(length=254), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["draw_id"],
            ["participation_draw.id"],
            name=op.f("fk_participation_draw_attempt_draw_id_participation_draw"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["participation_offer.id"],
            name=op.f("fk_participation_draw_attempt_offer_id_participation_offer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_draw_attempt")),
    )
    op.create_index("ix_participation_draw_attempt_offer_id", "participation_draw_attempt", ["offer_id"])
    op.create_index("ix_participation_draw_attempt_tenant_id", "participation_draw_attempt", ["tenant_id"])
    # Plain ALTER TABLE ... ADD COLUMN and CREATE UNIQUE INDEX: no table rebuild on SQLite (which, with
    # foreign keys on, would cascade the old table's drop into its invitations).
    op.add_column(
        "participation_draw", sa.Column("status", sa.String(length=16), server_default="drawn", nullable=False)
    )
    op.add_column("participation_draw", sa.Column("seed_commitment", sa.String(length=64), nullable=True))
    op.create_index("uq_participation_draw_offer", "participation_draw", ["offer_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_participation_draw_offer", table_name="participation_draw")
    # SQLite 3.35+ drops a column in place (no rebuild) when nothing refers to it.
    op.drop_column("participation_draw", "seed_commitment")
    op.drop_column("participation_draw", "status")
    op.drop_index("ix_participation_draw_attempt_tenant_id", table_name="participation_draw_attempt")
    op.drop_index("ix_participation_draw_attempt_offer_id", table_name="participation_draw_attempt")
    op.drop_table("participation_draw_attempt")
