"""waste: pickups

Revision ID: waste_0001
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

revision: str = "waste_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "waste_pickup",
        sa.Column("id", GUID(length=16), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        # advanced-alchemy's insert sentinel for UUID keys
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("tenant_id", sa.String(63), nullable=False, index=True),
        sa.Column("district", sa.String(80), nullable=False),
        sa.Column("fraction", sa.String(16), nullable=False),
        sa.Column("pickup_date", sa.Date(), nullable=False),
    )
    op.create_index("ix_waste_pickup_lookup", "waste_pickup", ["tenant_id", "district", "pickup_date"])


def downgrade() -> None:
    op.drop_index("ix_waste_pickup_lookup", table_name="waste_pickup")
    op.drop_table("waste_pickup")
