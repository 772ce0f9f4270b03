"""merged_into_id

Revision ID: charging_0003
Revises: charging_0002
Create Date: 2026-12-03 15:17:37.392955
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

from core.api import create_point_index, drop_point_index

revision: str = "charging_0003"
down_revision: str | None = "charging_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX: SQLite does both in place (its R*Tree triggers stay).
    op.add_column("charging_location", sa.Column("merged_into_id", GUID(length=16), nullable=True))
    op.create_index(op.f("ix_charging_location_merged_into_id"), "charging_location", ["merged_into_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_charging_location_merged_into_id"), table_name="charging_location")
    bind = op.get_bind()
    # A batch drop rebuilds the table on SQLite: the point index goes first and comes back after.
    drop_point_index(bind, "charging_location")
    with op.batch_alter_table("charging_location", schema=None) as batch_op:
        batch_op.drop_column("merged_into_id")
    create_point_index(bind, "charging_location")
