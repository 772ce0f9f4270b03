"""events: per-city version of the residents' list (cache invalidation across API processes)

Revision ID: events_0002
Revises: events_0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "events_0002"
down_revision: str | None = "events_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events_version",
        sa.Column("tenant_id", sa.String(63), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("events_version")
