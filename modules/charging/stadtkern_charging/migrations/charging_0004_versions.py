"""charging_version: what the residents' in-memory list checks (services/versions.py)

Revision ID: charging_0004
Revises: charging_0003
Create Date: 2026-12-08 01:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "charging_0004"
down_revision: str | None = "charging_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charging_version",
        sa.Column("tenant_id", sa.String(length=63), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("status_version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_charging_version")),
    )
    # Cities with charge points already: a row each, so their first list builds the records once.
    op.execute(
        "INSERT INTO charging_version (tenant_id, version, status_version)"
        " SELECT DISTINCT tenant_id, 1, 1 FROM charging_location"
    )


def downgrade() -> None:
    op.drop_table("charging_version")
