"""The pool's two orders (newest, most supported) as index ranges ending in the id

Revision ID: ideas_0004
Revises: ideas_0003
Create Date: 2026-12-03 15:20:51.587604
"""

from collections.abc import Sequence

from alembic import op

revision: str = "ideas_0004"
down_revision: str | None = "ideas_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain index operations, no batch: SQLite creates and drops indexes without rebuilding the table.
NEW = {
    "ix_ideas_idea_newest": ["tenant_id", "moderation", "published_at", "id"],
    "ix_ideas_idea_most_supported": ["tenant_id", "moderation", "supporters", "id"],
}
OLD = {
    "ix_ideas_idea_public": ["tenant_id", "moderation", "published_at"],
    "ix_ideas_idea_supported": ["tenant_id", "moderation", "supporters"],
}


def _swap(drop: dict[str, list[str]], create: dict[str, list[str]]) -> None:
    for name in drop:
        op.drop_index(name, table_name="ideas_idea")
    for name, columns in create.items():
        op.create_index(name, "ideas_idea", columns, unique=False)


def upgrade() -> None:
    _swap(OLD, NEW)


def downgrade() -> None:
    _swap(NEW, OLD)
