"""method cards: the Instrumentenkoffer of participation formats, its German text index, an offer's card

Revision ID: participation_0007
Revises: participation_0006
Create Date: 2026-12-04

Creates ``participation_method`` and its full-text index (``core.api.create_text_index``: on
PostgreSQL a stored generated ``search_vector`` with a GIN index, on SQLite an FTS5 table kept in
step by triggers), and adds the nullable ``participation_offer.method_id``. On SQLite the column is
added with a plain ``ALTER TABLE ... ADD COLUMN ... REFERENCES`` (Alembic would want a batch rebuild
of the offer table, whose drop, with foreign keys on, would cascade into surveys, answers and draws).
A later migration that rebuilds ``participation_method`` on SQLite must drop the text index before
and create it again after.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

from core.api import TextIndex, create_text_index, drop_text_index, is_postgres

revision: str = "participation_0007"
down_revision: str | None = "participation_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out, not imported from the models: a migration stays what it was when it ran.
TEXT_INDEX = TextIndex("participation_method", (("search_title", "A"), ("search_text", "B")))
FK_NAME = "fk_participation_offer_method_id_participation_method"
INDEX_NAME = "ix_participation_offer_method_id"


def _create_method_table() -> None:
    op.create_table(
        "participation_method",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("sort_name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("when_to_use", sa.JSON(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("group_min", sa.Integer(), nullable=True),
        sa.Column("group_max", sa.Integer(), nullable=True),
        sa.Column("duration", sa.String(length=16), nullable=False),
        sa.Column("duration_note", sa.JSON(), nullable=True),
        sa.Column("effort", sa.String(length=8), nullable=False),
        sa.Column("accessibility", sa.String(length=500), nullable=False),
        sa.Column("accessibility_note", sa.JSON(), nullable=True),
        sa.Column("needs", sa.JSON(), nullable=True),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("templates", sa.JSON(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("search_title", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_method")),
    )
    op.create_index("ix_participation_method_tenant_id", "participation_method", ["tenant_id"])
    op.create_index("ix_participation_method_list", "participation_method", ["tenant_id", "sort_name", "id"])


def upgrade() -> None:
    bind = op.get_bind()
    _create_method_table()
    create_text_index(bind, TEXT_INDEX)
    if is_postgres(bind):
        op.add_column("participation_offer", sa.Column("method_id", GUID(length=16), nullable=True))
        op.create_foreign_key(
            FK_NAME, "participation_offer", "participation_method", ["method_id"], ["id"], ondelete="SET NULL"
        )
    else:
        op.execute(
            "ALTER TABLE participation_offer ADD COLUMN method_id BINARY(16) "
            "REFERENCES participation_method (id) ON DELETE SET NULL"
        )
    op.create_index(INDEX_NAME, "participation_offer", ["method_id"])


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index(INDEX_NAME, table_name="participation_offer")
    if is_postgres(bind):
        op.drop_constraint(FK_NAME, "participation_offer", type_="foreignkey")
    # Plain DROP COLUMN (SQLite 3.35+ drops a column-level REFERENCES with it): no table rebuild.
    op.execute("ALTER TABLE participation_offer DROP COLUMN method_id")
    drop_text_index(bind, TEXT_INDEX)
    op.drop_index("ix_participation_method_list", table_name="participation_method")
    op.drop_index("ix_participation_method_tenant_id", table_name="participation_method")
    op.drop_table("participation_method")
